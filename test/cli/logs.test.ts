import { kindOf, JobObject } from '../../src/cli/kinds';
import { choosePod, LogPod } from '../../src/cli/logs';

const pod = (name: string, nodeName?: string, phase = 'Running'): LogPod => ({ metadata: { name }, spec: { nodeName }, status: { phase } });
const genericJob: JobObject = {
  apiVersion: 'batch.tensorstack.dev/v1beta1',
  kind: 'GenericJob',
  metadata: { name: 'mnist' },
  spec: { replicaSpecs: [{ type: 'master' }, { type: 'worker', replicas: 2 }] },
};
const pods = [pod('mnist-worker-1', 'n1'), pod('mnist-master-0', 'n0'), pod('mnist-worker-0', undefined, 'Pending')];

test('rank 0 of the first replica type by default; --replica picks TYPE-RANK', () => {
  expect(choosePod(kindOf('genericjob'), genericJob, pods, undefined).metadata.name).toBe('mnist-master-0');
  expect(choosePod(kindOf('genericjob'), genericJob, pods, 'worker-1').metadata.name).toBe('mnist-worker-1');
});

test('AppWrapper: the PyTorch master, or the Volcano task\'s rank 0', () => {
  const aw = (template: unknown): JobObject => ({ apiVersion: 'workload.codeflare.dev/v1beta2', kind: 'AppWrapper', metadata: { name: 'aw' }, spec: { components: [{ template }] } });
  const p = [pod('aw-master-0', 'n'), pod('aw-trainer-0', 'n')];
  expect(choosePod(kindOf('appwrapperjob'), aw({ kind: 'PyTorchJob' }), p, undefined).metadata.name).toBe('aw-master-0');
  expect(choosePod(kindOf('appwrapperjob'), aw({ kind: 'Job', spec: { tasks: [{ name: 'trainer' }] } }), p, undefined).metadata.name).toBe('aw-trainer-0');
});

test('a replica with no pod names the pods there are; a pod on no node says it has no log yet', () => {
  expect(() => choosePod(kindOf('genericjob'), genericJob, pods, 'worker-7')).toThrow(
    'genericjob \'mnist\' has no pod mnist-worker-7: its pods are mnist-master-0, mnist-worker-0, mnist-worker-1; pick one with --replica TYPE-RANK, e.g. --replica worker-0');
  expect(() => choosePod(kindOf('genericjob'), genericJob, [], undefined)).toThrow(
    'genericjob \'mnist\' has no pod mnist-master-0: it has no pods yet; pick one with --replica TYPE-RANK, e.g. --replica worker-0');
  expect(() => choosePod(kindOf('genericjob'), genericJob, pods, 'worker-0')).toThrow(
    'pod mnist-worker-0 is Pending and not on a node yet, so it has no log: see why with \'kubejobs get mnist\'');
});
