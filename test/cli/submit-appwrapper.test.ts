import { App, Chart, Duration } from 'cdk8s';
import { kubejobs } from './run-in-process';
import { AppWrapperJob, AppWrapperJobProps, InnerJobType, NetworkTopologyMode } from '../../src';

/** The YAML the AppWrapperJob construct synthesises for `props`, as a cdk8s app would. */
function constructYaml(props: AppWrapperJobProps): string {
  const app = new App();
  const chart = new Chart(app, 'app');
  new AppWrapperJob(chart, 'job', props);
  return app.synthYaml();
}

test('the seed\'s PyTorch quick start: --dry-run prints what the construct synthesises for the same props', async () => {
  const result = await kubejobs('submit', 'appwrapperjob', '--name', 'pytorch-test', '--image', 'pytorch/pytorch:latest',
    '--gpus', '1', '--workers', '2', '--kueue-queue', 'default-queue', '--dry-run', 'python train.py');
  expect(result).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'pytorch-test' },
      image: 'pytorch/pytorch:latest',
      command: ['sh', '-c', 'python train.py'],
      gpusPerPod: 1,
      workers: 2,
      queue: 'default-queue',
    }),
  });
  expect(result.stdout).toContain('kueue.x-k8s.io/queue-name: default-queue');
});

test('the seed\'s Volcano quick start: --dry-run prints what the construct synthesises for the same props', async () => {
  const result = await kubejobs('submit', 'appwrapperjob', '--name', 'volcano-test', '--image', 'pytorch/pytorch:latest',
    '--inner-type', 'volcano', '--replicas', '4', '--gpus', '1', '--kueue-queue', 'default-queue', '--scheduler-name', 'volcano',
    '--dry-run', 'python train.py');
  expect(result).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'volcano-test' },
      image: 'pytorch/pytorch:latest',
      command: ['sh', '-c', 'python train.py'],
      innerType: InnerJobType.VOLCANO,
      replicas: 4,
      gpusPerPod: 1,
      queue: 'default-queue',
      schedulerName: 'volcano',
    }),
  });
  expect(result.stdout).toContain('kind: Job');
});

test('arena\'s defaults are the construct\'s: setting each default explicitly changes nothing', async () => {
  const base = ['submit', 'appwrapperjob', '--name', 'defaults', '--image', 'python:3.12', '--dry-run'];
  const plain = await kubejobs(...base, 'python', 'train.py');
  const explicit = await kubejobs(...base, '--retry-limit', '3', '--admission-grace-period', '1m', '--warmup-grace-period', '5m',
    '--failure-grace-period', '1m', '--retry-pause-period', '1m30s', '--gpus', '0', '--workers', '1', '--working-dir', '/root',
    '--share-memory', '2Gi', '--image-pull-policy', 'Always', 'python', 'train.py');
  expect(plain.code).toBe(0);
  expect(explicit).toEqual(plain);
  // The positional arguments are joined and run by the shell, as arena does.
  expect(plain.stdout).toContain('- sh\n');
  expect(plain.stdout).toContain('- python train.py\n');
});

test('--namespace puts the objects in that namespace; flags reach the props they name', async () => {
  const result = await kubejobs('submit', 'aw', '--name', 'vc', '--image', 'python:3.12', '--namespace', 'team-a', '--inner-type', 'volcano',
    '--replicas', '2', '--min-available', '1', '--task-name', 'trainer', '--master-port', '29500', '--env', 'LR=0.01', '--env', 'EPOCHS=3',
    '--network-topology-mode', 'hard', '--highest-tier-allowed', '1', '--total-partitions', '1', '--partition-size', '2',
    '--success-ttl', '1h', '--retry-limit', '0', '--dry-run', 'python train.py');
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(constructYaml({
    metadata: { name: 'vc', namespace: 'team-a' },
    image: 'python:3.12',
    command: ['sh', '-c', 'python train.py'],
    innerType: InnerJobType.VOLCANO,
    replicas: 2,
    minAvailable: 1,
    taskName: 'trainer',
    masterPort: 29500,
    env: { LR: '0.01', EPOCHS: '3' },
    networkTopology: { mode: NetworkTopologyMode.HARD, highestTierAllowed: 1 },
    partitions: { totalPartitions: 1, partitionSize: 2 },
    successTtl: Duration.hours(1),
    retryLimit: 0,
  }));
});

const QUICK = ['submit', 'appwrapperjob', '--name', 'x', '--image', 'python:3.12', '--dry-run'];

test('--total-partitions 0 and --partition-size 0 (arena\'s "not set", the help\'s default) are taken and add no partition policy', async () => {
  const volcano = [...QUICK, '--inner-type', 'volcano', '--replicas', '4'];
  const zero = await kubejobs(...volcano, '--total-partitions', '0', '--partition-size', '0', 'python train.py');
  expect(zero).toEqual({
    code: 0,
    stderr: '',
    stdout: constructYaml({
      metadata: { name: 'x' },
      image: 'python:3.12',
      command: ['sh', '-c', 'python train.py'],
      innerType: InnerJobType.VOLCANO,
      replicas: 4,
    }),
  });
  expect(zero.stdout).not.toMatch(/partition/i);
  expect(await kubejobs(...volcano, 'python train.py')).toEqual(zero);
});

test.each([
  ['a duration that is not one', [...QUICK, '--retry-pause-period', '90', 'run'],
    'error: option \'--retry-pause-period <duration>\' argument \'90\' is invalid. Expected a Go duration such as 90s, 5m, 1m30s or 1h.\n'],
  ['a negative retry limit', [...QUICK, '--retry-limit', '-1', 'run'],
    'error: option \'--retry-limit <n>\' argument \'-1\' is invalid. Expected an integer of at least 0.\n'],
  ['GPUs that are not a number', [...QUICK, '--gpus', 'two', 'run'],
    'error: option \'--gpus <n>\' argument \'two\' is invalid. Expected an integer of at least 0.\n'],
  ['an unknown inner type', [...QUICK, '--inner-type', 'tensorflow', 'run'],
    'error: option \'--inner-type <type>\' argument \'tensorflow\' is invalid. Allowed choices are pytorch, volcano.\n'],
  ['a port out of range', [...QUICK, '--inner-type', 'volcano', '--master-port', '70000', 'run'],
    'error: option \'--master-port <port>\' argument \'70000\' is invalid. Expected a port from 1 to 65535.\n'],
  ['an env without =', [...QUICK, '--env', 'LR', 'run'],
    'error: option \'--env <KEY=VALUE>\' argument \'LR\' is invalid. Expected KEY=VALUE, e.g. LR=0.01; repeat the flag for more.\n'],
  ['a memory size without unit', [...QUICK, '--memory', '16G', 'run'],
    'error: option \'--memory <size>\' argument \'16G\' is invalid. Expected a whole size in Ki, Mi, Gi or Ti, such as 512Mi or 2Gi.\n'],
  ['no --name', ['submit', 'appwrapperjob', '--image', 'python:3.12', 'run'],
    'error: required option \'--name <name>\' not specified\n'],
  ['no --image', ['submit', 'appwrapperjob', '--name', 'x', 'run'],
    'error: required option \'--image <image>\' not specified: give the container image of every pod, e.g. --image pytorch/pytorch:latest\n'],
  ['no command', [...QUICK],
    'error: no command given: put the command the pods run after the flags, e.g. kubejobs submit appwrapperjob --name x --image python:3.12 "python train.py"\n'],
  ['one partition flag without the other', [...QUICK, '--inner-type', 'volcano', '--total-partitions', '2', 'run'],
    'error: --total-partitions is 2 but --partition-size is not given: they go together (total partitions x partition size = replicas): '
    + 'give --partition-size a count too, or drop --total-partitions\n'],
  ['one partition flag with the other at 0 (not set)', [...QUICK, '--inner-type', 'volcano', '--total-partitions', '2', '--partition-size', '0', 'run'],
    'error: --total-partitions is 2 but --partition-size is 0 (not set): they go together (total partitions x partition size = replicas): '
    + 'give --partition-size a count too, or drop --total-partitions\n'],
  ['a negative partition count', [...QUICK, '--inner-type', 'volcano', '--total-partitions', '-1', '--partition-size', '2', 'run'],
    'error: option \'--total-partitions <n>\' argument \'-1\' is invalid. Expected a whole number of at least 1, or 0 for not set (give both partition flags, or neither).\n'],
  ['a partition size that is not a whole number', [...QUICK, '--inner-type', 'volcano', '--total-partitions', '2', '--partition-size', '1.5', 'run'],
    'error: option \'--partition-size <n>\' argument \'1.5\' is invalid. Expected a whole number of at least 1, or 0 for not set (give both partition flags, or neither).\n'],
  ['a Volcano flag on a PyTorch job (the construct\'s check)', [...QUICK, '--replicas', '2', 'run'],
    'error: \'replicas\' is only for the Volcano inner type, but \'innerType\' is \'pytorch\': set innerType: InnerJobType.VOLCANO or remove \'replicas\' (set by --inner-type, --replicas)\n'],
  ['min-available above replicas (the construct\'s check)', [...QUICK, '--inner-type', 'volcano', '--replicas', '2', '--min-available', '3', 'run'],
    'error: \'minAvailable\' (3) must be <= \'replicas\' (2) (set by --replicas, --min-available)\n'],
  ['an invalid name (the construct\'s check)', ['submit', 'appwrapperjob', '--name', 'My_Job', '--image', 'python:3.12', '--dry-run', 'run'],
    'error: \'metadata.name\' (\'My_Job\') must be a DNS-1035 label (lowercase letters, digits and \'-\', starting with a letter, ending with a letter or digit, at most 63 characters): it also names the wrapped job and its Service (set by --name)\n'],
  ['a grace period above the ceiling (the construct\'s check)', [...QUICK, '--failure-grace-period', '25h', 'run'],
    'error: \'failureGracePeriod\' (25h) is longer than 24 hours: the AppWrapper controller would silently clamp it to 24h (its gracePeriodCeiling); use at most Duration.hours(24) (set by --failure-grace-period)\n'],
])('%s: exit 2 and the exact message', async (_what, argv, message) => {
  expect(await kubejobs(...argv)).toEqual({ code: 2, stdout: '', stderr: message });
});

test('--help ends with examples and exits 0', async () => {
  const result = await kubejobs('submit', 'appwrapperjob', '--help');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Examples:\n  # A PyTorchJob of 2 pods');
  expect(result.stdout).toContain('--retry-pause-period <duration>');
  // Help wraps at the terminal's width.
  expect(result.stdout.replace(/\s+/g, ' ')).toContain('pause duration between retries (default: 90s)');
});
