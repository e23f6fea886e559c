import { JobObject, kindOf } from '../../src/cli/kinds';
import { checkReplica, chooseContainer, choosePod, LogPod, nextFollowStep, runKey } from '../../src/cli/log-pods';
import { UsageError } from '../../src/cli/usage-error';

type PodExtra = Partial<LogPod['metadata']> & { restartCount?: number };
const pod = (name: string, nodeName?: string, phase = 'Running', extra: PodExtra = {}): LogPod => {
  const { restartCount, ...metadata } = extra;
  return {
    metadata: { name, uid: `${name}-uid`, ...metadata },
    spec: { nodeName, containers: [{ name: 'main' }] },
    status: { phase, ...(restartCount !== undefined ? { containerStatuses: [{ name: 'main', restartCount, state: { running: {} } }] } : {}) },
  };
};
const genericJob = (phase?: string): JobObject => ({
  apiVersion: 'batch.tensorstack.dev/v1beta1',
  kind: 'GenericJob',
  metadata: { name: 'mnist', uid: 'job-uid' },
  spec: { replicaSpecs: [{ type: 'master' }, { type: 'worker', replicas: 2 }] },
  ...(phase ? { status: { phase } } : {}),
});
const pods = [pod('mnist-worker-1', 'n1'), pod('mnist-master-0', 'n0'), pod('mnist-worker-0', undefined, 'Pending')];
const generic = kindOf('genericjob');
const arenaKind = kindOf('arenajob');
const arenaJob = (phase = 'Running', total = 2): JobObject =>
  ({ apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', metadata: { name: 'eval' }, status: { phase, progress: { total } } });
const item = (name: string, index: number, created: string, phase = 'Running') =>
  pod(name, 'n', phase, { labels: { 'batch.kubernetes.io/job-completion-index': String(index) }, creationTimestamp: created });

test('rank 0 of the first replica type by default; --replica picks TYPE-RANK', () => {
  expect(choosePod(generic, genericJob(), pods, undefined).metadata.name).toBe('mnist-master-0');
  expect(choosePod(generic, genericJob(), pods, 'worker-1').metadata.name).toBe('mnist-worker-1');
});

test('AppWrapper: the PyTorch master, or the Volcano task\'s rank 0; its replicas come from the wrapped job', () => {
  const aw = (template: unknown): JobObject => ({ apiVersion: 'workload.codeflare.dev/v1beta2', kind: 'AppWrapper', metadata: { name: 'aw' }, spec: { components: [{ template }] } });
  const p = [pod('aw-master-0', 'n'), pod('aw-trainer-0', 'n')];
  const pytorch = aw({ kind: 'PyTorchJob', spec: { pytorchReplicaSpecs: { Master: { replicas: 1 }, Worker: { replicas: 2 } } } });
  expect(choosePod(kindOf('appwrapperjob'), pytorch, p, undefined).metadata.name).toBe('aw-master-0');
  expect(choosePod(kindOf('appwrapperjob'), aw({ kind: 'Job', spec: { tasks: [{ name: 'trainer' }] } }), p, undefined).metadata.name).toBe('aw-trainer-0');
  expect(() => checkReplica(kindOf('appwrapperjob'), pytorch, 'worker-1')).not.toThrow();
  expect(() => checkReplica(kindOf('appwrapperjob'), pytorch, 'worker-2')).toThrow(
    '--replica worker-2: appwrapperjob \'aw\' has no such replica; its replicas are master-0, worker-0, worker-1');
});

test('ArenaJob: item-N is completion index N of the worker Job, its newest started pod', () => {
  const p = [item('eval-worker-0-aaaaa', 0, '2026-01-01T00:00:00Z', 'Failed'), item('eval-worker-0-bbbbb', 0, '2026-01-01T00:01:00Z'), item('eval-worker-1-ccccc', 1, '2026-01-01T00:00:00Z')];
  expect(choosePod(arenaKind, arenaJob(), p, undefined).metadata.name).toBe('eval-worker-0-bbbbb');
  expect(choosePod(arenaKind, arenaJob(), p, 'item-1').metadata.name).toBe('eval-worker-1-ccccc');
  expect(() => checkReplica(arenaKind, arenaJob(), 'item-2')).toThrow('--replica item-2: arenajob \'eval\' has no such replica; its replicas are item-0, item-1');
});

test('a retry created in the same second as the failed pod is the newest; a retry not started yet leaves the last attempt\'s log readable', () => {
  const sameSecond = [item('eval-worker-0-bbbbb', 0, '2026-01-01T00:00:00Z'), item('eval-worker-0-aaaaa', 0, '2026-01-01T00:00:00Z', 'Failed')];
  expect(choosePod(arenaKind, arenaJob(), sameSecond, 'item-0').metadata.name).toBe('eval-worker-0-bbbbb');
  expect(nextFollowStep(arenaKind, arenaJob(), sameSecond, 'item-0', undefined, new Set([runKey(sameSecond[1]!, undefined)])))
    .toMatchObject({ action: 'stream', pod: { metadata: { name: 'eval-worker-0-bbbbb' } } });
  const pendingRetry = [item('eval-worker-0-aaaaa', 0, '2026-01-01T00:00:00Z', 'Failed'), { ...item('eval-worker-0-bbbbb', 0, '2026-01-01T00:00:01Z', 'Pending'), spec: {} }];
  pendingRetry[0]!.status!.containerStatuses = [{ name: 'main', state: { terminated: {} } }];
  expect(choosePod(arenaKind, arenaJob(), pendingRetry, 'item-0').metadata.name).toBe('eval-worker-0-aaaaa');
});

test('a replica with no pod names the replicas there are (natural order); no pods at all, or a pod not started, is not a usage error', () => {
  const many = Array.from({ length: 11 }, (_, i) => pod(`mnist-worker-${i}`, 'n'));
  expect(() => choosePod(generic, genericJob(), many, 'worker-70')).toThrow(
    'genericjob \'mnist\' has no pod mnist-worker-70: its replicas are worker-0, worker-1, worker-2, worker-3, ..., worker-9, worker-10; pick one with --replica TYPE-RANK, e.g. --replica worker-0');
  const none = (() => { try { choosePod(generic, genericJob(), [], undefined); } catch (e) { return e as Error; } return undefined; })();
  expect(none?.message).toBe('genericjob \'mnist\' has no pods yet, so no log: wait for them, or follow with -f');
  expect(none).not.toBeInstanceOf(UsageError);
  expect(() => choosePod(generic, genericJob(), pods, 'worker-0')).toThrow(
    'pod mnist-worker-0 is Pending and has not started, so it has no log yet: see why with \'kubejobs get mnist\', or follow with -f');
  expect(() => checkReplica(generic, genericJob(), 'mastr-0')).toThrow('--replica mastr-0: genericjob \'mnist\' has no such replica; its replicas are master-0, worker-0, worker-1');
});

test('the container: -c, else the default-container annotation, else the first; an unknown -c names the containers', () => {
  const two: LogPod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'main' }, { name: 'sidecar' }] } };
  expect(chooseContainer(two, undefined)).toBe('main');
  expect(chooseContainer({ ...two, metadata: { name: 'p', annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' } } }, undefined)).toBe('sidecar');
  expect(chooseContainer(two, 'sidecar')).toBe('sidecar');
  expect(() => chooseContainer(two, 'proxy')).toThrow('--container proxy: pod p has no such container; its containers are main, sidecar');
});

describe('logs -f: the next step', () => {
  const master = (uid: string, phase: string, nodeName: string | undefined = 'n0', restartCount = 0): LogPod =>
    ({ metadata: { name: 'mnist-master-0', uid }, spec: { nodeName }, status: { phase, containerStatuses: [{ name: 'main', restartCount, state: { running: {} } }] } });
  const none = new Set<string>();

  test('streams a started run not streamed yet', () => {
    expect(nextFollowStep(generic, genericJob('Running'), [master('a', 'Running')], 'master-0', undefined, none)).toEqual({ action: 'stream', pod: master('a', 'Running'), key: 'a#0' });
    // A pod that already ended still has its log to show.
    expect(nextFollowStep(generic, genericJob('Succeeded'), [master('a', 'Succeeded')], 'master-0', undefined, none)).toMatchObject({ action: 'stream' });
  });

  test('after a restart, the new pod of the same name (new uid), or the restarted container in the same pod, is streamed', () => {
    expect(nextFollowStep(generic, genericJob('Running'), [master('b', 'Running')], 'master-0', undefined, new Set(['a#0']))).toMatchObject({ action: 'stream', key: 'b#0' });
    expect(nextFollowStep(generic, genericJob('Running'), [master('a', 'Running', 'n0', 1)], 'master-0', 'main', new Set(['a#0']))).toMatchObject({ action: 'stream', key: 'a#1' });
  });

  test('waits while the job goes on and the replica has no new started run', () => {
    expect(nextFollowStep(generic, genericJob('Running'), [master('a', 'Failed')], 'master-0', undefined, new Set(['a#0']))).toEqual({ action: 'wait', reason: 'pod mnist-master-0 to start' });
    expect(nextFollowStep(generic, genericJob('Running'), [{ ...master('b', 'Pending', undefined), status: { phase: 'Pending' } }], 'master-0', undefined, new Set(['a#0'])))
      .toEqual({ action: 'wait', reason: 'pod mnist-master-0 to start' });
    expect(nextFollowStep(generic, genericJob(), [], 'master-0', undefined, none)).toEqual({ action: 'wait', reason: 'the pod mnist-master-0 to be created' });
  });

  test('done once the replica succeeded, or the job is over, after its last run was streamed', () => {
    // A worker done while the master still runs: its log is complete.
    expect(nextFollowStep(generic, genericJob('Running'), [master('a', 'Succeeded')], 'master-0', undefined, new Set(['a#0']))).toEqual({ action: 'done' });
    expect(nextFollowStep(generic, genericJob('Failed'), [master('a', 'Failed')], 'master-0', undefined, new Set(['a#0']))).toEqual({ action: 'done' });
  });

  test('an AppWrapper Running but Unhealthy (Arena\'s FAILED) is not over: it resets and its pods come back', () => {
    const aw: JobObject = {
      apiVersion: 'workload.codeflare.dev/v1beta2',
      kind: 'AppWrapper',
      metadata: { name: 'mnist' },
      status: { phase: 'Running', conditions: [{ type: 'Unhealthy', status: 'True' }] },
    };
    expect(kindOf('appwrapperjob').status(aw)).toBe('FAILED');
    expect(nextFollowStep(kindOf('appwrapperjob'), aw, [master('a', 'Failed')], 'master-0', undefined, new Set(['a#0']))).toMatchObject({ action: 'wait' });
  });

  test('nothing to show: the job over with its pods gone, or the job deleted, says so', () => {
    expect(nextFollowStep(generic, genericJob('Failed'), [], 'master-0', undefined, none)).toEqual({ action: 'done', reason: 'genericjob \'mnist\' is Failed and its pod mnist-master-0 has no log left' });
    expect(nextFollowStep(generic, undefined, [master('a', 'Running')], 'master-0', undefined, none)).toEqual({ action: 'done', reason: 'genericjob was deleted' });
  });
});
