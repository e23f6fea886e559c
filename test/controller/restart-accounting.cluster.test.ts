/**
 * The failed pod really fails: it runs on a KWOK node of the `scheduling` tier and exits 1 when
 * the test scripts it to (test/cluster/tiers), instead of the test patching its status.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import { RunningController, useController } from './use-controller';
import { FaultProxy } from '../cluster/fault-proxy';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

// Restarts are counted exactly once: never lost when the status cannot be written. (A pod deleted
// by someone else, with real pod deletion, is in pod-deletion.cluster.test.ts.)

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const plane = (): ReturnType<typeof cluster>['plane'] => cluster().plane;
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
  // Only this pod exits 1: the annotation is on it, not on the template, so its replacement runs on.
  await api.scriptPod(ns, 'lossy-worker-0', { exitCode: 1 });
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
