import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AppWrapperJob, AppWrapperJobProps, CleanPodPolicy, InnerJobType, NetworkTopologyMode, NprocPerNode } from '../app-wrapper-job';
import { kubeconfigOption, namespaceOption } from './cluster';
import { integerAtLeast, keyValue, parseCpu, parseGoDuration, parseSize } from './flags';
import { CliIo } from './io';
import { explainWithFlags, submitConstruct } from './submit-construct';
import { UsageError } from './usage-error';

/** The props each flag sets: a construct message naming a prop is completed with the flag. */
const FLAG_OF_PROP: Record<string, string> = {
  'metadata.name': '--name',
  'image': '--image',
  'command': 'the command arguments',
  'innerType': '--inner-type',
  'gpusPerPod': '--gpus',
  'cpu': '--cpu',
  'memory': '--memory',
  'env': '--env',
  'labels': '--label',
  'annotations': '--annotation',
  'nodeSelector': '--selector',
  'imagePullPolicy': '--image-pull-policy',
  'workingDir': '--working-dir',
  'sharedMemory': '--share-memory',
  'nprocPerNode': '--nproc-per-node',
  'schedulerName': '--scheduler-name',
  'queue': '--kueue-queue',
  'priorityClass': '--priority',
  'retryLimit': '--retry-limit',
  'admissionGracePeriod': '--admission-grace-period',
  'warmupGracePeriod': '--warmup-grace-period',
  'failureGracePeriod': '--failure-grace-period',
  'retryPausePeriod': '--retry-pause-period',
  'successTtl': '--success-ttl',
  'workers': '--workers',
  'cleanPodPolicy': '--clean-task-policy',
  'replicas': '--replicas',
  'minAvailable': '--min-available',
  'taskName': '--task-name',
  'masterPort': '--master-port',
  'maxRetry': '--max-retry',
  'networkTopology': '--network-topology-mode',
  'partitions': '--total-partitions and --partition-size',
};

/** The flags of `kubejobs submit appwrapperjob`, as commander parses them. */
export interface AppWrapperFlags {
  name: string;
  image?: string;
  namespace?: string;
  kubeconfig?: string;
  dryRun?: boolean;
  innerType: InnerJobType;
  gpus: number;
  workers: number;
  cpu?: kplus.Cpu;
  memory?: Size;
  env?: Record<string, string>;
  label?: Record<string, string>;
  annotation?: Record<string, string>;
  selector?: Record<string, string>;
  imagePullPolicy: kplus.ImagePullPolicy;
  workingDir: string;
  shell: string;
  shareMemory: Size;
  nprocPerNode?: NprocPerNode;
  schedulerName: string;
  kueueQueue?: string;
  priority?: string;
  retryLimit: number;
  admissionGracePeriod: AppWrapperJobProps['admissionGracePeriod'];
  warmupGracePeriod: AppWrapperJobProps['warmupGracePeriod'];
  failureGracePeriod: AppWrapperJobProps['failureGracePeriod'];
  retryPausePeriod: AppWrapperJobProps['retryPausePeriod'];
  successTtl?: AppWrapperJobProps['successTtl'];
  cleanTaskPolicy: CleanPodPolicy;
  replicas: number;
  minAvailable?: number;
  taskName: string;
  maxRetry: number;
  masterPort: number;
  networkTopologyMode?: NetworkTopologyMode;
  highestTierAllowed: number;
  totalPartitions: number;
  partitionSize: number;
}

function parseNproc(value: string): NprocPerNode {
  if (value === 'auto') return NprocPerNode.AUTO;
  if (value === 'cpu') return NprocPerNode.CPU;
  if (value === 'gpu') return NprocPerNode.GPU;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('Expected auto, cpu, gpu or an integer from 1 to 1024.');
  return NprocPerNode.of(n);
}

/** A partition flag: a count, or arena's 0 for "not set" (its default), which adds no partition policy. */
function parsePartitionCount(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError('Expected a whole number of at least 1, or 0 for not set (give both partition flags, or neither).');
  }
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('Expected a port from 1 to 65535.');
  return n;
}

/**
 * Turns the flags into AppWrapperJob props. Only flags given on the command line become props,
 * so every default is the construct's (which are arena's, see the help); a flag that does not fit
 * the inner type is passed on so that the construct refuses it with its own message.
 */
export function appWrapperPropsFromFlags(
  flags: AppWrapperFlags,
  commandArgs: readonly string[],
  given: (flag: keyof AppWrapperFlags) => boolean,
): AppWrapperJobProps {
  if (!given('image')) throw new UsageError('required option \'--image <image>\' not specified: give the container image of every pod, e.g. --image pytorch/pytorch:latest');
  if (commandArgs.length === 0) throw new UsageError('no command given: put the command the pods run after the flags, e.g. kubejobs submit appwrapperjob --name x --image python:3.12 "python train.py"');
  const when = <K extends keyof AppWrapperFlags>(flag: K) => (given(flag) ? flags[flag] : undefined);
  // arena's 0 (the help's default) means "not set": `--total-partitions 0` is the same as leaving it out.
  const partitioned = (flag: 'totalPartitions' | 'partitionSize') => given(flag) && flags[flag] > 0;
  if (partitioned('totalPartitions') !== partitioned('partitionSize')) {
    const [set, unset] = partitioned('totalPartitions') ? ['--total-partitions', '--partition-size'] : ['--partition-size', '--total-partitions'];
    const value = (flag: string) => (flag === '--total-partitions' ? flags.totalPartitions : flags.partitionSize);
    throw new UsageError(`${set} is ${value(set)} but ${unset} is ${given(unset === '--total-partitions' ? 'totalPartitions' : 'partitionSize') ? '0 (not set)' : 'not given'}: `
      + `they go together (total partitions x partition size = replicas): give ${unset} a count too, or drop ${set}`);
  }
  if (given('highestTierAllowed') && !given('networkTopologyMode')) {
    throw new UsageError('--highest-tier-allowed needs --network-topology-mode: add --network-topology-mode hard or soft');
  }
  return {
    metadata: { name: flags.name },
    image: flags.image!,
    // arena runs the arguments, joined, through the shell.
    command: [flags.shell, '-c', commandArgs.join(' ')],
    innerType: when('innerType'),
    gpusPerPod: when('gpus'),
    cpu: when('cpu'),
    memory: when('memory'),
    env: when('env'),
    labels: when('label'),
    annotations: when('annotation'),
    nodeSelector: when('selector'),
    imagePullPolicy: when('imagePullPolicy'),
    workingDir: when('workingDir'),
    sharedMemory: when('shareMemory'),
    nprocPerNode: when('nprocPerNode'),
    // arena's default scheduler is volcano, which the construct already picks for Volcano jobs.
    schedulerName: when('schedulerName'),
    queue: when('kueueQueue'),
    priorityClass: when('priority'),
    retryLimit: when('retryLimit'),
    admissionGracePeriod: when('admissionGracePeriod'),
    warmupGracePeriod: when('warmupGracePeriod'),
    failureGracePeriod: when('failureGracePeriod'),
    retryPausePeriod: when('retryPausePeriod'),
    successTtl: when('successTtl'),
    workers: when('workers'),
    cleanPodPolicy: when('cleanTaskPolicy'),
    replicas: when('replicas'),
    minAvailable: when('minAvailable'),
    taskName: when('taskName'),
    masterPort: when('masterPort'),
    maxRetry: when('maxRetry'),
    networkTopology: given('networkTopologyMode')
      ? { mode: flags.networkTopologyMode!, highestTierAllowed: when('highestTierAllowed') }
      : undefined,
    partitions: partitioned('totalPartitions') ? { totalPartitions: flags.totalPartitions, partitionSize: flags.partitionSize } : undefined,
  };
}

/** `kubejobs submit appwrapperjob`. */
export function appWrapperJobCommand(io: CliIo): Command {
  const cmd = new Command('appwrapperjob')
    .aliases(['appwrapper', 'aw'])
    .description('Submit an AppWrapper (Kueue, fault tolerance) wrapping a PyTorchJob or a Volcano Job, as `arena submit appwrapperjob` does; built with the AppWrapperJob construct.')
    .argument('[command...]', 'the command the pods run, joined and run with `<shell> -c`')
    .requiredOption('--name <name>', 'name of the AppWrapper and of the wrapped job')
    .option('--image <image>', 'container image of every pod (required)')
    .addOption(namespaceOption())
    .addOption(kubeconfigOption())
    .option('--dry-run', 'print the YAML that would be applied, without contacting the cluster')
    .addOption(new Option('--inner-type <type>', 'inner job type').choices(Object.values(InnerJobType)).default(InnerJobType.PYTORCH))
    .option('--gpus <n>', 'NVIDIA GPUs per pod', integerAtLeast(0), 0)
    .option('--workers <n>', 'PyTorch: pods in total, the Master included', integerAtLeast(1), 1)
    .option('--cpu <cores>', 'CPU per pod (request and limit), e.g. 4 or 500m', parseCpu)
    .option('--memory <size>', 'memory per pod (request and limit), e.g. 16Gi', parseSize)
    .option('--env <KEY=VALUE>', 'environment variable of the container (repeatable)', keyValue)
    .option('--label <KEY=VALUE>', 'label of the AppWrapper, the job and the pods (repeatable)', keyValue)
    .option('--annotation <KEY=VALUE>', 'annotation of the AppWrapper and the pods (repeatable)', keyValue)
    .option('--selector <KEY=VALUE>', 'node selector of the pods (repeatable)', keyValue)
    .addOption(new Option('--image-pull-policy <policy>', 'image pull policy').choices(Object.values(kplus.ImagePullPolicy)).default(kplus.ImagePullPolicy.ALWAYS))
    .option('--working-dir <dir>', 'working directory of the container', '/root')
    .option('--shell <shell>', 'shell that runs the command', 'sh')
    .addOption(new Option('--share-memory <size>', 'size of the memory-backed /dev/shm; 0Mi for none').argParser(parseSize).default(Size.gibibytes(2), '2Gi'))
    .option('--nproc-per-node <n>', 'torchrun processes per pod: auto, cpu, gpu or a number', parseNproc)
    .option('--scheduler-name <name>', 'scheduler of the pods (default: volcano for --inner-type volcano, the cluster default for pytorch)', 'volcano')
    .option('--kueue-queue <name>', 'Kueue LocalQueue name for resource quota')
    .option('--priority <class>', 'Kueue WorkloadPriorityClass')
    .option('--retry-limit <n>', 'maximum retries before marking as Failed', integerAtLeast(0), 3)
    .addOption(new Option('--admission-grace-period <duration>', 'duration to wait for pod admission').argParser(parseGoDuration).default(parseGoDuration('1m'), '1m'))
    .addOption(new Option('--warmup-grace-period <duration>', 'duration to wait for pods to become ready').argParser(parseGoDuration).default(parseGoDuration('5m'), '5m'))
    .addOption(new Option('--failure-grace-period <duration>', 'grace period before treating failure as permanent').argParser(parseGoDuration).default(parseGoDuration('1m'), '1m'))
    .addOption(new Option('--retry-pause-period <duration>', 'pause duration between retries').argParser(parseGoDuration).default(parseGoDuration('90s'), '90s'))
    .option('--success-ttl <duration>', 'auto-delete duration after success (default: 7 days, the controller\'s ceiling)', parseGoDuration)
    .addOption(new Option('--clean-task-policy <policy>', 'PyTorch: pods deleted when the job finishes (None is safe in an AppWrapper, see CleanPodPolicy)').choices(Object.values(CleanPodPolicy)).default(CleanPodPolicy.NONE))
    .option('--replicas <n>', 'Volcano: number of task replicas', integerAtLeast(1), 1)
    .option('--min-available <n>', 'Volcano: minimum pods for gang scheduling (default: replicas)', integerAtLeast(1))
    .option('--task-name <name>', 'Volcano: task name in the Volcano Job', 'worker')
    .option('--max-retry <n>', 'Volcano: retries of the task\'s pods by Volcano', integerAtLeast(0), 10000)
    .option('--master-port <port>', 'Volcano: port for distributed training', parsePort, 23456)
    .addOption(new Option('--network-topology-mode <mode>', 'Volcano: network topology').choices(Object.values(NetworkTopologyMode)))
    .option('--highest-tier-allowed <n>', 'Volcano: network topology tier limit (0: Volcano\'s default)', integerAtLeast(0), 0)
    .option('--total-partitions <n>', 'Volcano: total partitions for distributed tasks (0: not set)', parsePartitionCount, 0)
    .option('--partition-size <n>', 'Volcano: pods per partition (0: not set)', parsePartitionCount, 0)
    .addHelpText('after', `
Examples:
  # A PyTorchJob of 2 pods (Master + 1 Worker) with 1 GPU each, queued in Kueue
  kubejobs submit appwrapperjob --name pytorch-test --image pytorch/pytorch:latest \\
    --gpus 1 --workers 2 --kueue-queue default-queue "python train.py"

  # A gang-scheduled Volcano Job of 4 pods; print the YAML only
  kubejobs submit appwrapperjob --name volcano-test --image pytorch/pytorch:latest \\
    --inner-type volcano --replicas 4 --gpus 1 --kueue-queue default-queue \\
    --scheduler-name volcano --dry-run "python train.py"`)
    .action(async (commandArgs: string[], flags: AppWrapperFlags, self: Command) => {
      const given = (flag: keyof AppWrapperFlags) => self.getOptionValueSource(flag) === 'cli';
      const props = appWrapperPropsFromFlags(flags, commandArgs, given);
      await submitConstruct(io, flags, (chart) => new AppWrapperJob(chart, flags.name, props), (m) => explainWithFlags(m, FLAG_OF_PROP));
    });
  return cmd;
}
