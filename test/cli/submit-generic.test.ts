import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse, parseAllDocuments } from 'yaml';
import { kubejobs } from './run-in-process';
import { CleanUpPolicy, FinishRule, GenericJob, GenericJobProps, ReplicaRestartPolicy } from '../../src';
import { explainWithFlags } from '../../src/cli/submit-construct';

function constructYaml(props: GenericJobProps): string {
  const app = new App();
  const chart = new Chart(app, 'app');
  new GenericJob(chart, 'job', props);
  return app.synthYaml();
}

const container = (extra: Partial<kplus.ContainerProps> = {}): kplus.ContainerProps => ({
  name: 'main', image: 'python:3.12', command: ['sh', '-c', 'python train.py'], ...extra,
});

test('replica types, rules, ports and env: --dry-run prints what the GenericJob construct synthesises for the same props', async () => {
  const result = await kubejobs('submit', 'genericjob', '--name', 'mnist', '--image', 'python:3.12', '--namespace', 'ml',
    '--replica', 'master=1', '--replica', 'worker=2', '--restart-policy', 'worker=OnFailure:3',
    '--success-rule', 'master=0', '--failure-rule', 'master=0;worker=0,1', '--port', '2222', '--env', 'LR=0.1',
    '--cleanup-policy', 'Unfinished', '--dry-run', 'python', 'train.py');
  const env = { LR: kplus.EnvValue.fromValue('0.1') };
  expect(result).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'mnist', namespace: 'ml' },
      replicaSpecs: [
        { type: 'master', replicas: 1, containers: [container({ envVariables: env })] },
        { type: 'worker', replicas: 2, restartPolicy: ReplicaRestartPolicy.onFailure(3), containers: [container({ envVariables: env })] },
      ],
      successRules: [FinishRule.ranks('master', 0)],
      failureRules: [FinishRule.of({ master: [0], worker: [0, 1] })],
      servicePorts: [{ port: 2222 }],
      cleanUpPolicy: CleanUpPolicy.UNFINISHED,
    }),
  });
});

test('--dry-run reads no kubeconfig: without --namespace the YAML names no namespace, as kubectl create --dry-run=client', async () => {
  const result = await kubejobs('submit', 'genericjob', '--name', 'nons', '--image', 'python:3.12', '--user', '1000',
    '--kubeconfig', '/nonexistent/kubeconfig', '--dry-run', 'python', 'train.py');
  expect(result).toMatchObject({ code: 0, stderr: '' });
  const docs = parseAllDocuments(result.stdout).map((doc) => doc.toJS());
  expect(docs.map((doc) => doc.kind)).toEqual(['GenericJob']);
  expect(docs[0].metadata).toEqual({ name: 'nons' });
});

test('--user runs a root image as that UID, --run-as-root as root; both at once is a usage error', async () => {
  const user = await kubejobs('submit', 'genericjob', '--name', 'u', '--image', 'python:3.12', '--user', '1000', '--dry-run', 'python', 'train.py');
  expect(user).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'u' }, replicaSpecs: [{ type: 'worker', replicas: 1, securityContext: { user: 1000 }, containers: [container()] }],
    }),
  });
  expect(user.stdout).toContain('runAsUser: 1000');
  const root = await kubejobs('submit', 'genericjob', '--name', 'r', '--image', 'python:3.12', '--run-as-root', '--dry-run', 'python', 'train.py');
  expect(root).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'r' }, replicaSpecs: [{ type: 'worker', replicas: 1, securityContext: { ensureNonRoot: false }, containers: [container()] }],
    }),
  });
  expect(root.stdout).toContain('runAsNonRoot: false');
  expect(await kubejobs('submit', 'genericjob', '--name', 'b', '--image', 'python:3.12', '--user', '1000', '--run-as-root', '--dry-run', 'true')).toEqual({
    code: 2, stdout: '', stderr: 'error: --user 1000 and --run-as-root contradict each other: give one (--user runs a root image as that UID and stays Pod Security restricted)\n',
  });
  expect((await kubejobs('submit', 'genericjob', '--name', 'b', '--image', 'python:3.12', '--user', '0', '--dry-run', 'true')).stderr)
    .toBe('error: option \'--user <uid>\' argument \'0\' is invalid. Expected an integer of at least 1.\n');
});

test('without --replica: one worker', async () => {
  const result = await kubejobs('submit', 'genericjob', '--name', 'one', '--image', 'python:3.12', '--dry-run', 'python train.py');
  expect(result.stdout).toBe(constructYaml({ metadata: { name: 'one' }, replicaSpecs: [{ type: 'worker', replicas: 1, containers: [container()] }] }));
});

test('--gpus puts an nvidia.com/gpu request and limit on every replica\'s container and changes nothing else; --gpus 0 is none', async () => {
  const base = ['submit', 'gj', '--name', 'gpu', '--image', 'python:3.12', '--replica', 'master=1', '--replica', 'worker=2', '--cpu', '4', '--dry-run'];
  const withGpus = await kubejobs(...base, '--gpus', '2', 'python train.py');
  expect(withGpus.stderr).toBe('');
  expect(withGpus.code).toBe(0);
  const job = parse(withGpus.stdout);
  const cpuAndGpus = { 'cpu': '4000m', 'nvidia.com/gpu': '2' };
  expect(job.spec.replicaSpecs.map((r: any) => r.template.spec.containers.map((c: any) => c.resources))).toEqual([
    [{ limits: cpuAndGpus, requests: cpuAndGpus }],
    [{ limits: cpuAndGpus, requests: cpuAndGpus }],
  ]);
  expect(withGpus.stdout).toContain('nvidia.com/gpu: "2"\n');
  // Without the GPUs, the job is what the construct synthesises from the same container props.
  for (const r of job.spec.replicaSpecs) {
    for (const c of r.template.spec.containers) {
      delete c.resources.limits['nvidia.com/gpu'];
      delete c.resources.requests['nvidia.com/gpu'];
    }
  }
  const resources = { cpu: { request: kplus.Cpu.millis(4000), limit: kplus.Cpu.millis(4000) } };
  expect(job).toEqual(parse(constructYaml({
    metadata: { name: 'gpu' },
    replicaSpecs: [
      { type: 'master', replicas: 1, containers: [container({ resources })] },
      { type: 'worker', replicas: 2, containers: [container({ resources })] },
    ],
  })));
  const none = await kubejobs(...base, 'python train.py');
  expect(await kubejobs(...base, '--gpus', '0', 'python train.py')).toEqual(none);
  expect(none.stdout).not.toContain('nvidia.com/gpu');
});

const QUICK = ['submit', 'genericjob', '--name', 'x', '--image', 'python:3.12', '--dry-run'];

test.each([
  ['a replica without count', [...QUICK, '--replica', 'worker', 'run'],
    'error: option \'--replica <TYPE=COUNT>\' argument \'worker\' is invalid. Expected TYPE=COUNT, e.g. master=1 or worker=4; repeat the flag for more types.\n'],
  ['an unknown restart policy', [...QUICK, '--restart-policy', 'worker=Sometimes', 'run'],
    'error: option \'--restart-policy <TYPE=POLICY>\' argument \'worker=Sometimes\' is invalid. Expected TYPE=Never, TYPE=OnFailure:LIMIT or TYPE=Always:LIMIT, e.g. worker=OnFailure:3.\n'],
  ['a restart policy for a type no --replica declares', [...QUICK, '--restart-policy', 'master=Never', 'run'],
    'error: --restart-policy names replica type \'master\', which no --replica declares (worker): add --replica master=COUNT or fix the type\n'],
  ['a rule without ranks', [...QUICK, '--success-rule', 'master', 'run'],
    'error: option \'--success-rule <RULE>\' argument \'master\' is invalid. Expected TYPE=RANK[,RANK...] with more types separated by ;, e.g. master=0 or \'master=0;worker=0,1\'.\n'],
  ['a bad image (with GPUs too): the message names the field and --image', ['submit', 'genericjob', '--name', 'x', '--image', 'Bad Image', '--gpus', '1', '--dry-run', 'run'],
    'error: \'replicaSpecs[0].containers[0].image\' ("Bad Image") is not a valid image reference: it contains whitespace: '
    + 'separate the tag with \':\', e.g. \'python:3.12-slim\' (set by --image)\n'],
  ['a negative GPU count', [...QUICK, '--gpus', '-1', 'run'],
    'error: option \'--gpus <n>\' argument \'-1\' is invalid. Expected an integer of at least 0.\n'],
  ['GPUs that are not a whole number', [...QUICK, '--gpus', '0.5', 'run'],
    'error: option \'--gpus <n>\' argument \'0.5\' is invalid. Expected an integer of at least 0.\n'],
  ['more GPUs than the construct allows (the construct\'s check)', [...QUICK, '--gpus', '2000', 'run'],
    'error: \'replicaSpecs[0].gpusPerPod\' (2000) must be a whole number of GPUs per pod from 0 to 1024, e.g. gpusPerPod: 1 (set by --gpus)\n'],
  ['a port out of range', [...QUICK, '--port', '0', 'run'],
    'error: option \'--port <[NAME=]PORT>\' argument \'0\' is invalid. Expected PORT or NAME=PORT with a port from 1 to 65535, e.g. 2222 or ps=2222.\n'],
  ['a rule naming a type the job lacks (the construct\'s check)', [...QUICK, '--success-rule', 'master=0', 'run'],
    'error: \'successRules[0]\' names replica type \'master\', but the job declares only \'worker\' (set by --success-rule)\n'],
])('%s: exit 2 and the exact message', async (_what, argv, message) => {
  expect(await kubejobs(...argv)).toEqual({ code: 2, stdout: '', stderr: message });
});

test('a message is completed with the flag of the deepest prop it names', () => {
  const map = { 'replicas': '--replicas', 'replicasMax': '--max', 'specs': '--spec', 'specs[].gpus': '--gpus', 'metadata.name': '--name' };
  expect(explainWithFlags('\'specs[1].gpus\' (-1) is bad', map)).toBe('\'specs[1].gpus\' (-1) is bad (set by --gpus)');
  expect(explainWithFlags('\'specs[0].type\' is bad', map)).toBe('\'specs[0].type\' is bad (set by --spec)');
  // A sibling whose name merely starts the same is not deeper.
  expect(explainWithFlags('\'replicas\' (3) is more than \'replicasMax\' (2)', map)).toBe('\'replicas\' (3) is more than \'replicasMax\' (2) (set by --replicas, --max)');
  expect(explainWithFlags('\'metadata.name\' is required', map)).toBe('\'metadata.name\' is required (set by --name)');
  expect(explainWithFlags('nothing named', map)).toBe('nothing named');
});
