import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ArenaConfig, ArenaJob, ArenaSource, FinishRule, GenericJob, KubejobsController, Provider, ProviderType, T9kVariable } from 'kubejobs';

// The controller and the jobs in one app: the CRDs come first, then the controller, then the jobs
// (kubejobs orders them), so `kubectl apply -f dist/` works on an empty cluster.
const app = new App();
const platform = new Chart(app, 'platform');
const controller = new KubejobsController(platform, 'kubejobs');
new kplus.Namespace(platform, 'ml', { metadata: { name: 'ml' } });

const jobs = new Chart(app, 'jobs', { namespace: 'ml' });
jobs.addDependency(controller);

new GenericJob(jobs, 'train', {
  metadata: { name: 'mnist-train' },
  replicaSpecs: [
    {
      type: 'master',
      securityContext: { user: 1000 }, // python:3.12-slim runs as root; Pod Security "restricted" asks for a non-root UID
      containers: [{ name: 'trainer', image: 'python:3.12-slim', command: ['python', '-m', 'train', '--role', T9kVariable.type, '--rank', T9kVariable.rank] }],
    },
    {
      type: 'worker',
      replicas: 2,
      securityContext: { user: 1000 },
      containers: [{ name: 'trainer', image: 'python:3.12-slim', command: ['python', '-m', 'train', '--role', T9kVariable.type, '--rank', T9kVariable.rank] }],
    },
  ],
  successRules: [FinishRule.ranks('master', 0)],
});

// An evaluation with everything it names: a scenario bundle in a ConfigMap (the controller counts
// its scenarios), the mock provider (no Secret needed), the config joining them, and the run.
new kplus.ConfigMap(jobs, 'smoke-scenarios', {
  metadata: { name: 'smoke-scenarios' },
  data: { 'pack.json': JSON.stringify({ name: 'smoke', scenarios: ['scenarios/greeting.yaml', 'scenarios/refund.yaml'] }) },
});
new ArenaSource(jobs, 'source', { metadata: { name: 'smoke-pack' }, configMap: { name: 'smoke-scenarios' } });
new Provider(jobs, 'provider', { metadata: { name: 'mock' }, type: ProviderType.MOCK, model: 'mock-model' });
const config = new ArenaConfig(jobs, 'config', { metadata: { name: 'smoke' }, sourceName: 'smoke-pack', providers: [{ name: 'mock' }] });
new ArenaJob(jobs, 'eval', { metadata: { name: 'smoke-eval' }, config });

app.synth();
