import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AppWrapperJob,
  AppWrapperVolcanoAccess,
  InnerJobType,
  KueueClusterQueue,
  KueueLocalQueue,
  KueueResourceFlavor,
  NetworkTopologyMode,
  NprocPerNode,
} from 'kubejobs';

// Two GPU training jobs queued by Kueue in AppWrappers, with the quota they run in, for a cluster
// where the AppWrapper controller, Kueue, the Kubeflow training-operator and Volcano run.
const app = new App();

// Cluster-wide: what lets AppWrappers wrap Volcano Jobs, and the team's GPU quota.
const platform = new Chart(app, 'platform');
new AppWrapperVolcanoAccess(platform, 'volcano-access');
new kplus.Namespace(platform, 'team-a-namespace', { metadata: { name: 'team-a' } });
const a100 = new KueueResourceFlavor(platform, 'a100', {
  metadata: { name: 'a100' },
  nodeLabels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
});
const teamQuota = new KueueClusterQueue(platform, 'team-a', {
  metadata: { name: 'team-a' },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
  resourceGroups: [{
    flavors: [{ flavor: a100, nominalQuota: { cpu: kplus.Cpu.units(256), memory: Size.gibibytes(2048), nvidiaGpus: 32 } }],
  }],
});

const jobs = new Chart(app, 'jobs', { namespace: 'team-a' });
jobs.addDependency(platform);
const queue = new KueueLocalQueue(jobs, 'queue', { metadata: { name: 'team-a-queue' }, clusterQueue: teamQuota });

// A PyTorchJob: 1 Master + 3 Workers, one GPU each; the training-operator sets MASTER_ADDR, RANK, ...
new AppWrapperJob(jobs, 'finetune', {
  metadata: { name: 'bert-finetune' },
  image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  command: ['sh', '-c', 'torchrun train.py --epochs 3'],
  workers: 4,
  gpusPerPod: 1,
  cpu: kplus.Cpu.units(8),
  memory: Size.gibibytes(64),
  queue,
  retryLimit: 2,
  successTtl: Duration.hours(6),
  terminalExitCodes: [3],
});

// A Volcano Job: 4 nodes x 8 GPUs in 2 network partitions; torchrun reads the rendezvous env.
new AppWrapperJob(jobs, 'pretrain', {
  metadata: { name: 'llm-pretrain' },
  innerType: InnerJobType.VOLCANO,
  image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  command: ['sh', '-c', 'torchrun --nnodes=$NNODES --node-rank=$NODE_RANK --nproc-per-node=$NPROC_PER_NODE --master-addr=$MASTER_ADDR --master-port=$MASTER_PORT pretrain.py'],
  replicas: 4,
  gpusPerPod: 8,
  nprocPerNode: NprocPerNode.of(8),
  sharedMemory: Size.gibibytes(16),
  queue,
  warmupGracePeriod: Duration.minutes(15),
  networkTopology: { mode: NetworkTopologyMode.SOFT, highestTierAllowed: 2 },
  partitions: { totalPartitions: 2, partitionSize: 2 },
});

app.synth();
