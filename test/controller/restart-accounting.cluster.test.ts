/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { condition, genericJob, template, TestApi } from './helpers';
import { RunningController, useController } from './use-controller';
import { FaultProxy } from '../cluster/fault-proxy';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Restarts are counted exactly once: never lost when the status cannot be written, and a pod
// deleted by someone else counts as a failure of its replica, as a batch/v1 Job counts it.

const plane = useControlPlane();
const running = useController(plane, { behindProxy: true });
let api: TestApi;
let controller: ControllerProcess;
let proxy: FaultProxy;
beforeAll(() => {
  ({ api, controller, proxy } = running() as Required<RunningController>);
});


test('a failed pod is not deleted until its restart is counted in status, however long the status write fails', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  // The job never gets a status while this holds: the first status write of a brand-new job fails.
  const failStatus = proxy.addRule({ method: 'PUT', path: new RegExp(`/namespaces/${ns}/genericjobs/lossy/status$`), action: 'fail', status: 500 });
  await api.create(ns, genericJob('lossy', {
    replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: template() }],
  }));
  const [first] = await api.waitForPods(ns, 'lossy', ['lossy-worker-0', 'lossy-worker-1']);
  const failedUid = first!.metadata!.uid;
  await api.setPodPhase(ns, 'lossy-worker-0', 'Failed');
  // The controller has planned the restart (its debug log says so) and its status write was
  // refused twice since: the failed pod must still be there.
  await waitFor('the restart planned', async () => controller.logLines().some((l) => l.msg === 'planned' && l.key === `${ns}/lossy` &&
    (l.deletePods as string[] | undefined)?.includes('lossy-worker-0 (Restart)')), { timeoutMs: 60_000 });
  const plannedAt = Date.now();
  await waitFor('status writes refused after the plan', async () =>
    proxy.requests((r) => r.ruleId === failStatus.id && r.startedAt > plannedAt).length >= 2, { timeoutMs: 60_000 });
  expect((await api.pod(ns, 'lossy-worker-0'))?.metadata?.uid).toBe(failedUid);

  failStatus.remove();
  const job = await api.waitForJob(ns, 'lossy', 'worker-0 restarted', (j) =>
    j.status?.tasks?.[0]?.replicas?.[0]?.uid !== undefined && j.status.tasks[0].replicas[0].uid !== failedUid && j.status.tasks[0].replicas[0].phase !== 'Deleted',
  { timeoutMs: 60_000 });
  expect(job.status?.tasks?.[0]?.restartCount).toBe(1);
  expect(job.status?.backoffCount).toBe(1);
}, 120_000);

describe('a pod deleted by someone else', () => {
  async function runningJob(name: string, policy: 'OnFailure' | 'Never', limit = 0): Promise<string> {
    const ns = await freshNamespace(plane().kubeConfig);
    await api.create(ns, genericJob(name, {
      replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy, limit }, template: template() }],
    }));
    await api.waitForPods(ns, name, [`${name}-worker-0`, `${name}-worker-1`]);
    await Promise.all([0, 1].map((r) => api.setPodPhase(ns, `${name}-worker-${r}`, 'Running')));
    await api.waitForJob(ns, name, 'Running with both uids recorded', (j) =>
      j.status?.phase === 'Running' && (j.status.tasks?.[0]?.replicas ?? []).every((r) => r.uid !== undefined && r.phase === 'Running'));
    return ns;
  }

  test('while running, with restarts left: a counted restart, the pod created again', async () => {
    const ns = await runningJob('evicted', 'OnFailure', 2);
    const old = await api.pod(ns, 'evicted-worker-1');
    await api.client.delete(`/api/v1/namespaces/${ns}/pods/evicted-worker-1`);
    const job = await api.waitForJob(ns, 'evicted', 'restart counted', (j) => j.status?.tasks?.[0]?.restartCount === 1);
    const pods = await api.waitForPods(ns, 'evicted', ['evicted-worker-0', 'evicted-worker-1']);
    expect(pods[1]!.metadata!.uid).not.toBe(old!.metadata!.uid);
    expect(job.status?.phase).not.toBe('Failed');
    await waitFor('ReplicaDeleted event', async () => (await api.eventReasons(ns, 'evicted')).includes('ReplicaDeleted'));
  });

  test('with policy Never: the replica failed and so did the job', async () => {
    const ns = await runningJob('never', 'Never');
    await api.client.delete(`/api/v1/namespaces/${ns}/pods/never-worker-0`);
    const job = await api.waitForJob(ns, 'never', 'Failed', (j) => j.status?.phase === 'Failed');
    expect(condition(job, 'Failed')?.message).toBe('The job is failed with rule: { "worker": [0] }');
    expect(condition(job, 'ReplicaFailure')?.message).toBe('Replicas failed: never-worker-0');
    expect((await api.pods(ns, 'never')).map((p) => p.metadata?.name)).toEqual(['never-worker-1']);
  });

  test('after it succeeded: not run again, and the job still succeeds', async () => {
    const ns = await runningJob('kept', 'OnFailure', 3);
    await api.setPodPhase(ns, 'kept-worker-0', 'Succeeded');
    const succeededUid = (await api.waitForJob(ns, 'kept', 'worker-0 Succeeded', (j) => j.status?.tasks?.[0]?.replicas?.[0]?.phase === 'Succeeded'))
      .status!.tasks![0]!.replicas![0]!.uid;
    await api.client.delete(`/api/v1/namespaces/${ns}/pods/kept-worker-0`);
    // A reconcile that saw the deletion (only worker-1 left) has run to its end; worker-0 stays a
    // succeeded replica and no pod is created for it.
    await waitFor('the deletion reconciled', async () => {
      const lines = controller.logLines().filter((l) => l.key === `${ns}/kept`);
      const seen = lines.findIndex((l) => l.msg === 'planned' && JSON.stringify(l.observedPods) === '["kept-worker-1"]');
      return seen >= 0 && lines.slice(seen).some((l) => l.msg === 'reconciled');
    });
    const afterDeletion = await api.job(ns, 'kept');
    expect(afterDeletion.status?.tasks?.[0]?.replicas?.[0]).toMatchObject({ uid: succeededUid, phase: 'Succeeded' });
    expect(await api.pod(ns, 'kept-worker-0')).toBeUndefined();
    await api.setPodPhase(ns, 'kept-worker-1', 'Succeeded');
    const job = await api.waitForJob(ns, 'kept', 'Succeeded', (j) => j.status?.phase === 'Succeeded');
    expect(job.status?.tasks?.[0]?.restartCount).toBe(0);
    expect((await api.pods(ns, 'kept')).map((p) => p.metadata?.name)).toEqual(['kept-worker-1']);
  });
});
