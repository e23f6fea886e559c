import { App, Chart, Duration } from 'cdk8s';
import { kubejobs } from './run-in-process';
import { ArenaConfig, ArenaJob, ArenaJobProps, ArenaJobType, ArenaOutput, ConcurrencyPolicy } from '../../src';

function constructYaml(props: ArenaJobProps): string {
  const app = new App();
  const chart = new Chart(app, 'app');
  new ArenaJob(chart, 'job', props);
  return app.synthYaml();
}

test('config, type, workers, output and schedule: --dry-run prints what the ArenaJob construct synthesises for the same props', async () => {
  const result = await kubejobs('submit', 'arenajob', '--name', 'nightly', '--config', 'chatbot', '--type', 'loadtest', '--workers', '4',
    '--output', 's3://results/chatbot', '--output-secret', 's3-creds', '--output-region', 'eu-north-1',
    '--output-endpoint', 'https://minio.example.com', '--schedule', '0 2 * * *', '--time-zone', 'Europe/Oslo',
    '--concurrency-policy', 'Replace', '--ttl-after-finished', '1h', '--dry-run');
  expect(result).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'nightly' },
      config: ArenaConfig.fromConfigName('chatbot'),
      type: ArenaJobType.LOAD_TEST,
      workers: { replicas: 4 },
      output: ArenaOutput.s3({
        bucket: 'results', prefix: 'chatbot', secretName: 's3-creds', region: 'eu-north-1', endpoint: 'https://minio.example.com',
      }),
      schedule: { cron: '0 2 * * *', timeZone: 'Europe/Oslo', concurrencyPolicy: ConcurrencyPolicy.REPLACE },
      ttlAfterFinished: Duration.hours(1),
    }),
  });
  const pvc = await kubejobs('submit', 'aj', '--name', 'once', '--config', 'chatbot', '--output', 'pvc://results/runs', '--dry-run');
  expect(pvc.stdout).toBe(constructYaml({
    metadata: { name: 'once' }, config: ArenaConfig.fromConfigName('chatbot'), output: ArenaOutput.pvc({ claimName: 'results', subPath: 'runs' }),
  }));
});

test.each([
  ['an output that is no URL', ['--output', 'results'],
    'error: option \'--output <url>\' argument \'results\' is invalid. Expected s3://BUCKET[/PREFIX] or pvc://CLAIM[/SUBPATH], e.g. s3://results/arena.\n'],
  ['an unknown type', ['--type', 'benchmark'],
    'error: option \'--type <type>\' argument \'benchmark\' is invalid. Allowed choices are evaluation, loadtest, datagen.\n'],
  ['no --config', null, 'error: required option \'--config <name>\' not specified\n'],
])('%s: exit 2 and the exact message', async (_what, extra, message) => {
  const argv = extra === null ? ['submit', 'arenajob', '--name', 'x', '--dry-run'] : ['submit', 'arenajob', '--name', 'x', '--config', 'c', '--dry-run', ...extra];
  expect(await kubejobs(...argv)).toEqual({ code: 2, stdout: '', stderr: message });
});

test.each([
  ['--output-secret without --output', ['--output-secret', 's3-creds'],
    'error: --output-secret needs an s3:// --output (it is the Secret with the credentials of the S3 output): add --output s3://BUCKET[/PREFIX] or remove --output-secret\n'],
  ['--output-region without --output', ['--output-region', 'eu-north-1'],
    'error: --output-region needs an s3:// --output (it is the region of the S3 output): add --output s3://BUCKET[/PREFIX] or remove --output-region\n'],
  ['--output-endpoint with a pvc:// --output', ['--output', 'pvc://results/runs', '--output-endpoint', 'https://minio.example.com'],
    'error: --output-endpoint needs an s3:// --output, not pvc://results/runs (it is the endpoint of the S3-compatible store of the output): '
      + 'use --output s3://BUCKET[/PREFIX] instead or remove --output-endpoint\n'],
  ['--time-zone without --schedule', ['--time-zone', 'Europe/Oslo'],
    'error: --time-zone needs --schedule (it is the time zone of the schedule): add --schedule CRON or remove --time-zone\n'],
  ['--concurrency-policy without --schedule', ['--concurrency-policy', 'Replace'],
    'error: --concurrency-policy needs --schedule (it decides what happens to a scheduled run due while the previous one still runs): '
      + 'add --schedule CRON or remove --concurrency-policy\n'],
])('%s is refused, not dropped: exit 2 and the exact message', async (_what, extra, message) => {
  expect(await kubejobs('submit', 'arenajob', '--name', 'x', '--config', 'c', '--dry-run', ...extra)).toEqual({ code: 2, stdout: '', stderr: message });
});

test('a construct error names the flag: a bad cron expression', async () => {
  const result = await kubejobs('submit', 'arenajob', '--name', 'x', '--config', 'c', '--schedule', 'every day', '--dry-run');
  expect(result).toEqual({
    code: 2,
    stdout: '',
    stderr: 'error: \'schedule\' (\'every day\' in \'UTC\') is invalid: it has 2 fields; use five: minute hour day-of-month month day-of-week, '
      + 'e.g. \'0 2 * * *\' (set by --schedule, --time-zone, --concurrency-policy)\n',
  });
});
