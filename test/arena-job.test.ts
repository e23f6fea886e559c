import { readFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, Duration, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { parseAllDocuments } from 'yaml';
import {
  ArenaConfig,
  ArenaJob,
  ArenaJobProps,
  ArenaJobType,
  ArenaOutput,
  ConcurrencyPolicy,
  DataGenFormat,
  ResultFormat,
} from '../src';
import { validateManifest } from '../src/api';

const SEED_EXAMPLES: any[] = parseAllDocuments(readFileSync(join(__dirname, 'fixtures', 'arena-job-seed-examples.yaml'), 'utf-8'))
  .map((d) => d.toJS())
  .filter((o) => o);

function synth(props: ArenaJobProps): any {
  const chart = Testing.chart();
  new ArenaJob(chart, 'job', props);
  return Testing.synth(chart)[0];
}

const meta = (name: string) => ({ name, namespace: 'arena' });

/** The seed's five complete examples, written with the construct. */
const WRITTEN_WITH_THE_CONSTRUCT: Record<string, ArenaJobProps> = {
  'basic-eval': { metadata: meta('basic-eval'), config: ArenaConfig.fromConfigName('my-config') },
  'parallel-eval': {
    metadata: meta('parallel-eval'),
    config: ArenaConfig.fromConfigName('provider-comparison'),
    type: ArenaJobType.EVALUATION,
    evaluation: { outputFormats: [ResultFormat.JUNIT, ResultFormat.JSON] },
    workers: { replicas: 10 },
    output: ArenaOutput.s3({ bucket: 'arena-results', prefix: 'evals/parallel/' }),
  },
  'nightly-eval': {
    metadata: meta('nightly-eval'),
    config: ArenaConfig.fromConfigName('production-tests'),
    type: ArenaJobType.EVALUATION,
    workers: { replicas: 5 },
    output: ArenaOutput.s3({ bucket: 'arena-results', prefix: 'evals/nightly/' }),
    schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
    ttlAfterFinished: Duration.days(7),
  },
  'provider-loadtest': {
    metadata: meta('provider-loadtest'),
    config: ArenaConfig.fromConfigName('load-test-config'),
    type: ArenaJobType.LOAD_TEST,
    loadTest: { rampUp: Duration.minutes(2), duration: Duration.minutes(30), targetRps: 500 },
    workers: { minReplicas: 5, maxReplicas: 50 },
    output: ArenaOutput.s3({ bucket: 'loadtest-results', prefix: 'loadtests/' }),
  },
  'synthetic-data': {
    metadata: meta('synthetic-data'),
    config: ArenaConfig.fromConfigName('datagen-config'),
    type: ArenaJobType.DATA_GEN,
    dataGen: { count: 10000, format: DataGenFormat.JSONL },
    workers: { replicas: 4 },
    output: ArenaOutput.pvc({ claimName: 'generated-data', subPath: 'batch-001/' }),
  },
};

describe('ArenaJob: the five complete examples of the ArenaJob reference', () => {
  test('the fixture holds the five examples', () => {
    expect(SEED_EXAMPLES.map((e) => e.metadata.name)).toEqual(Object.keys(WRITTEN_WITH_THE_CONSTRUCT));
  });

  test.each(SEED_EXAMPLES.map((e) => [e.metadata.name, e]))('%s validates against our ArenaJob CRD', (_name, example) => {
    expect(validateManifest(example)).toEqual([]);
  });

  test.each(SEED_EXAMPLES.map((e) => [e.metadata.name, e]))('%s: the construct synthesises the same manifest', (name, example) => {
    expect(synth(WRITTEN_WITH_THE_CONSTRUCT[name])).toEqual(example);
  });
});

describe('ArenaJob', () => {
  test('defaultChild is the ArenaJob API object', () => {
    const chart = Testing.chart();
    const job = new ArenaJob(chart, 'job', { config: ArenaConfig.fromConfigName('c') });
    const child = Node.of(job).defaultChild as ApiObject;
    expect(child.kind).toEqual('ArenaJob');
    expect(child.apiVersion).toEqual('omnia.altairalabs.ai/v1alpha1');
  });

  test('references an ArenaConfig defined in the same app by its name', () => {
    const chart = Testing.chart();
    const config = new ArenaConfig(chart, 'config', { sourceName: 'pack', providers: [{ name: 'claude' }] });
    new ArenaJob(chart, 'job', { config });
    const [cfg, job] = Testing.synth(chart);
    expect(job.spec.configRef.name).toEqual(cfg.metadata.name);
  });

  test('durations, S3 credentials, schedule and TTL are rendered in upstream form', () => {
    const job = synth({
      config: ArenaConfig.fromConfigName('c'),
      type: ArenaJobType.LOAD_TEST,
      loadTest: { rampUp: Duration.seconds(90), duration: Duration.hours(1) },
      output: ArenaOutput.s3({ bucket: 'b', region: 'eu-west-1', endpoint: 'https://minio:9000', secretName: 's3-creds' }),
      schedule: { cron: '0 0 * * *', timeZone: 'America/New_York', concurrencyPolicy: ConcurrencyPolicy.REPLACE },
      ttlAfterFinished: Duration.hours(24),
    });
    expect(job.spec.loadTest).toEqual({ rampUp: '1m30s', duration: '1h' });
    expect(job.spec.output).toEqual({ type: 's3', s3: { bucket: 'b', region: 'eu-west-1', endpoint: 'https://minio:9000', secretRef: { name: 's3-creds' } } });
    expect(job.spec.schedule).toEqual({ cron: '0 0 * * *', timezone: 'America/New_York', concurrencyPolicy: 'Replace' });
    expect(job.spec.ttlSecondsAfterFinished).toEqual(86400);
    expect(validateManifest(job)).toEqual([]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new ArenaJob(chart, 'job', WRITTEN_WITH_THE_CONSTRUCT['nightly-eval']);
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('ArenaJob bad props', () => {
  const config = ArenaConfig.fromConfigName('c');
  const at = (props: Partial<ArenaJobProps>) => () => new ArenaJob(Testing.chart(), 'job', { config, ...props });

  test.each<[string, () => void, string]>([
    ['empty config name', at({ config: ArenaConfig.fromConfigName('') }),
      '\'config\' has an empty name: pass an ArenaConfig or ArenaConfig.fromConfigName(\'<name>\')'],
    ['loadTest on an evaluation', at({ loadTest: { targetRps: 5 } }),
      '\'loadTest\' is set but \'type\' is \'evaluation\': set type to \'loadtest\' or remove \'loadTest\''],
    ['dataGen on a load test', at({ type: ArenaJobType.LOAD_TEST, dataGen: { count: 5 } }),
      '\'dataGen\' is set but \'type\' is \'loadtest\': set type to \'datagen\' or remove \'dataGen\''],
    ['evaluation on data generation', at({ type: ArenaJobType.DATA_GEN, evaluation: {} }),
      '\'evaluation\' is set but \'type\' is \'datagen\': set type to \'evaluation\' or remove \'evaluation\''],
    ['zero target rate', at({ type: ArenaJobType.LOAD_TEST, loadTest: { targetRps: 0 } }),
      '\'loadTest.targetRps\' (0) must be a positive integer'],
    ['zero items', at({ type: ArenaJobType.DATA_GEN, dataGen: { count: 0 } }),
      '\'dataGen.count\' (0) must be a positive integer'],
    ['zero workers', at({ workers: { replicas: 0 } }),
      '\'workers.replicas\' (0) must be a positive integer'],
    ['min above max', at({ workers: { minReplicas: 5, maxReplicas: 2 } }),
      '\'workers.minReplicas\' (5) must be less than or equal to \'workers.maxReplicas\' (2)'],
    ['replicas outside the range', at({ workers: { replicas: 10, minReplicas: 1, maxReplicas: 5 } }),
      '\'workers.replicas\' (10) must lie within \'workers.minReplicas\' (1) and \'workers.maxReplicas\' (5)'],
    ['cron with four fields', at({ schedule: { cron: '0 2 * *' } }),
      '\'schedule\' (\'0 2 * *\' in \'UTC\') is invalid: it has 4 fields; use five: minute hour day-of-month month day-of-week, e.g. \'0 2 * * *\''],
    ['cron macro', at({ schedule: { cron: '@daily' } }),
      '\'schedule\' (\'@daily\' in \'UTC\') is invalid: macros such as \'@daily\' are not accepted by the ArenaJob CRD; write the five fields, e.g. \'0 0 * * *\''],
    ['cron minute out of range', at({ schedule: { cron: '61 2 * * *' } }),
      '\'schedule\' (\'61 2 * * *\' in \'UTC\') is invalid: CronPattern: Invalid value for minute: 61'],
    ['unknown time zone', at({ schedule: { cron: '0 2 * * *', timeZone: 'Mars/Base' } }),
      '\'schedule\' (\'0 2 * * *\' in \'Mars/Base\') is invalid: time zone \'Mars/Base\' is not an IANA time zone; use e.g. \'UTC\' or \'America/New_York\''],
    ['fractional TTL', at({ ttlAfterFinished: Duration.millis(1500) }),
      '\'ttlAfterFinished\' (1 second 500 millis) must be a whole number of seconds up to 2147483647'],
    ['empty bucket', () => ArenaOutput.s3({ bucket: '' }),
      '\'output.s3.bucket\' is empty: name the bucket results are written to'],
    ['empty claim', () => ArenaOutput.pvc({ claimName: ' ' }),
      '\'output.pvc.claimName\' is empty: name the PersistentVolumeClaim results are written to'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});
