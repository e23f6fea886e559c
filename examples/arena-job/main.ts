import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ArenaConfig, ArenaJob, ArenaJobType, ArenaOutput, ResultFormat } from 'kubejobs';

// An ArenaConfig and two ArenaJobs that run it: a nightly evaluation to S3 and a load test.
const app = new App();
const chart = new Chart(app, 'arena', { namespace: 'arena' });
// The namespace the objects live in, in a chart applied first (its file sorts first).
const namespaces = new Chart(app, 'namespaces');
new kplus.Namespace(namespaces, 'arena', { metadata: { name: 'arena' } });
chart.addDependency(namespaces);

const config = new ArenaConfig(chart, 'config', {
  metadata: { name: 'provider-comparison' },
  sourceName: 'prompt-pack',
  providers: [{ name: 'claude' }, { name: 'openai', namespace: 'shared-providers' }],
  evaluation: { metrics: ['accuracy', 'latency'], timeout: Duration.minutes(10) },
});

new ArenaJob(chart, 'nightly', {
  metadata: { name: 'nightly-eval' },
  config,
  type: ArenaJobType.EVALUATION,
  evaluation: { outputFormats: [ResultFormat.JUNIT, ResultFormat.JSON] },
  workers: { replicas: 5 },
  output: ArenaOutput.s3({ bucket: 'arena-results', prefix: 'evals/nightly/', secretName: 's3-credentials' }),
  schedule: { cron: '0 2 * * *', timeZone: 'Europe/Berlin' },
  ttlAfterFinished: Duration.days(7),
});

new ArenaJob(chart, 'loadtest', {
  metadata: { name: 'provider-loadtest' },
  config,
  type: ArenaJobType.LOAD_TEST,
  loadTest: { rampUp: Duration.minutes(2), duration: Duration.minutes(30), targetRps: 500 },
  workers: { minReplicas: 5, maxReplicas: 50 },
  output: ArenaOutput.pvc({ claimName: 'loadtest-results', subPath: 'runs/' }),
});

app.synth();
