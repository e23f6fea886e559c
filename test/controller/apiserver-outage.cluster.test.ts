/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import { expectEachSucceededWithOneRestart, KubeletStandIn } from './kubelet-stand-in';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { FaultProxy } from '../cluster/fault-proxy';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The API server process is stopped while jobs are being created and restarted, then started
// again. The controller must ride it out (its requests fail or time out, its watches end) and
// converge: every job Succeeded, each failed replica restarted exactly once, no pod lost.
// To make the dangerous moment certain rather than lucky, the jobs' status writes are refused
// (through a proxy) until the API server is back: restarts are planned while they cannot be
// recorded, which is exactly when deleting a failed pod first would lose its restart.

const JOBS = 20;
const REPLICAS = 3;
const plane = useControlPlane();
let controller: ControllerProcess | undefined;
let proxy: FaultProxy | undefined;

afterAll(async () => {
  await controller?.stop();
  await proxy?.close();
});

test('the API server stopped and started mid-flight: the controller converges without lost or doubled restarts', async () => {
  const kc = plane().kubeConfig;
  const api = new TestApi(kc);
  await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
  const ns = await freshNamespace(kc);

  // The kubelet stand-in fails the first worker-1 of each job once; it rides out the outage too.
  const kubelet = new KubeletStandIn(api, ns, '-worker-1');

  try {
    proxy = await FaultProxy.start({ server: plane().server, caData: plane().caData });
    const refuseStatus = proxy.addRule({ method: 'PUT', path: /\/genericjobs\/[^/]+\/status$/, action: 'fail', status: 503 });
    controller = await ControllerProcess.start(plane(), { server: proxy.url, extraArgs: ['--request-timeout=5s'] });
    await controller.waitReady();
    const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => api.create(ns, genericJob(name, {
      replicaSpecs: [{ type: 'worker', replicas: REPLICAS, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: template() }],
    }))));
    const restartsPlanned = () => new Set(controller!.logLines()
      .filter((l) => l.msg === 'planned' && (l.deletePods as string[] | undefined)?.some((d) => d.endsWith('(Restart)')))
      .map((l) => l.key)).size;
    await waitFor('restarts planned while status cannot be written', async () => restartsPlanned() >= 3, { timeoutMs: 60_000 });

    const stoppedAt = Date.now();
    await plane().stopApiServer();
    // The controller noticed: requests of its own met the outage behind the proxy.
    await waitFor('the controller meets the outage', async () =>
      proxy!.requests((r) => r.startedAt >= stoppedAt && r.outcome === 'upstream-error').length > 0, { timeoutMs: 60_000 });
    refuseStatus.remove();
    await plane().startApiServer();

    kubelet.finishAll();
    await expectEachSucceededWithOneRestart(api, ns, JOBS, REPLICAS);
    expect(controller.hasExited).toBe(false);
  } finally {
    await kubelet.stop();
  }
}, 400_000);
