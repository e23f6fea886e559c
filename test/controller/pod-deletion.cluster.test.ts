/**
 * A pod deleted by someone else (an eviction, `kubectl delete pod`) counts as a failure of its
 * replica, as a batch/v1 Job counts it. The pods run on a KWOK node of the `scheduling` tier, so
 * a deletion is what it is in a cluster: graceful (deletionTimestamp first), confirmed by the
 * node's "kubelet". Moved from restart-accounting.cluster.test.ts, where a deleted pod without a
 * node vanished at once.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { condition, genericJob, TestApi } from './helpers';
import { useController } from './use-controller';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(120_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const running = useController(() => cluster().plane);
let api: TestApi;
let controller: ControllerProcess;
beforeAll(() => {
  ({ api, controller } = running());
});

/** A job of 2 workers whose pods run (until told otherwise), once both run. */
async function runningJob(name: string, policy: 'OnFailure' | 'Never', limit = 0): Promise<string> {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  await api.create(ns, genericJob(name, {
    replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy, limit }, template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } }],
  }));
  await api.waitForJob(ns, name, 'Running with both uids recorded', (j) =>
    j.status?.phase === 'Running' && (j.status.tasks?.[0]?.replicas ?? []).every((r) => r.uid !== undefined && r.phase === 'Running'),
  { timeoutMs: 60_000 });
  return ns;
}

test('while running, with restarts left: a counted restart, the pod created again', async () => {
  const ns = await runningJob('evicted', 'OnFailure', 2);
  const old = await api.pod(ns, 'evicted-worker-1');
  await api.client.delete(`/api/v1/namespaces/${ns}/pods/evicted-worker-1`);
  const job = await api.waitForJob(ns, 'evicted', 'restart counted', (j) => j.status?.tasks?.[0]?.restartCount === 1);
  const pods = await api.waitForPods(ns, 'evicted', ['evicted-worker-0', 'evicted-worker-1'], { timeoutMs: 60_000 });
  expect(pods[1]!.metadata!.uid).not.toBe(old!.metadata!.uid);
  expect(job.status?.phase).not.toBe('Failed');
  // The new pod really runs again.
  await api.waitForJob(ns, 'evicted', 'Running again', (j) => j.status?.aggregate?.running === 2, { timeoutMs: 60_000 });
  await api.waitForEvent(ns, 'evicted', 'ReplicaDeleted');
});

test('with policy Never: the replica failed and so did the job', async () => {
  const ns = await runningJob('never', 'Never');
  await api.client.delete(`/api/v1/namespaces/${ns}/pods/never-worker-0`);
  const job = await api.waitForJob(ns, 'never', 'Failed', (j) => j.status?.phase === 'Failed', { timeoutMs: 60_000 });
  expect(condition(job, 'Failed')?.message).toBe('The job is failed with rule: { "worker": [0] }');
  expect(condition(job, 'ReplicaFailure')?.message).toBe('Replicas failed: never-worker-0');
  await api.waitForPods(ns, 'never', ['never-worker-1'], { timeoutMs: 60_000 });
});

test('after it succeeded: not run again, and the job still succeeds', async () => {
  const ns = await runningJob('kept', 'OnFailure', 3);
  await api.scriptPod(ns, 'kept-worker-0', { exitCode: 0 });
  const succeededUid = (await api.waitForJob(ns, 'kept', 'worker-0 Succeeded', (j) => j.status?.tasks?.[0]?.replicas?.[0]?.phase === 'Succeeded',
    { timeoutMs: 60_000 })).status!.tasks![0]!.replicas![0]!.uid;
  await api.client.delete(`/api/v1/namespaces/${ns}/pods/kept-worker-0`);
  // A reconcile that saw the deletion (only worker-1 left) has run to its end; worker-0 stays a
  // succeeded replica and no pod is created for it.
  await waitFor('the deletion reconciled', async () => {
    const lines = controller.logLines().filter((l) => l.key === `${ns}/kept`);
    const seen = lines.findIndex((l) => l.msg === 'planned' && JSON.stringify(l.observedPods) === '["kept-worker-1"]');
    return seen >= 0 && lines.slice(seen).some((l) => l.msg === 'reconciled');
  }, { timeoutMs: 60_000 });
  const afterDeletion = await api.job(ns, 'kept');
  expect(afterDeletion.status?.tasks?.[0]?.replicas?.[0]).toMatchObject({ uid: succeededUid, phase: 'Succeeded' });
  // KWOK confirmed the graceful deletion, and nothing made the pod again.
  await waitFor('kept-worker-0 gone', async () => (await api.pod(ns, 'kept-worker-0')) === undefined);
  await api.scriptPod(ns, 'kept-worker-1', { exitCode: 0 });
  const job = await api.waitForJob(ns, 'kept', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  expect(job.status?.tasks?.[0]?.restartCount).toBe(0);
  expect((await api.pods(ns, 'kept')).map((p) => p.metadata?.name)).toEqual(['kept-worker-1']);
});
