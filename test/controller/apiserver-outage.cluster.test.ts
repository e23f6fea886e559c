/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import type { GenericJob } from '../../imports/batch.tensorstack.dev';
import { crdManifestOf } from '../../src/api/crd';
import { GENERIC_JOB } from '../../src/api/generic-job';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The API server process is stopped while jobs are being created and restarted, then started
// again. The controller must ride it out (its requests fail or time out, its watches end) and
// converge: every job Succeeded, each failed replica restarted exactly once, no pod lost.

const JOBS = 20;
const REPLICAS = 3;
const plane = useControlPlane();
let controller: ControllerProcess | undefined;

afterAll(async () => {
  await controller?.stop();
});

test('the API server stopped and started mid-flight: the controller converges without lost or doubled restarts', async () => {
  const kc = plane().kubeConfig;
  const api = new TestApi(kc);
  await applyManifests(kc, [crdManifestOf(GENERIC_JOB) as never]);
  const ns = await freshNamespace(kc);

  // The kubelet stand-in: the first worker-1 of each job fails, other pods run, and all succeed
  // once `finish` is set. It shrugs off the outage like a kubelet does, retrying every round.
  const failedOnce = new Set<string>();
  let finish = false;
  let running = true;
  const kubelet = (async () => {
    while (running) {
      try {
        const pods = (await api.pods(ns)).filter((p) => !p.metadata?.deletionTimestamp);
        await Promise.allSettled(pods.map(async (p) => {
          const name = p.metadata!.name!;
          const phase = p.status?.phase;
          // A patch whose answer was lost still took effect: a Failed worker-1 counts as failed.
          if (name.endsWith('-worker-1') && phase === 'Failed') {
            failedOnce.add(name);
          } else if (name.endsWith('-worker-1') && !failedOnce.has(name) && phase === 'Pending') {
            await api.setPodPhase(ns, name, 'Failed');
            failedOnce.add(name);
          } else if (phase === 'Pending') {
            await api.setPodPhase(ns, name, 'Running');
          } else if (phase === 'Running' && finish) {
            await api.setPodPhase(ns, name, 'Succeeded');
          }
        }));
      } catch {
        // the API server is away: try again next round
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  try {
    controller = await ControllerProcess.start(plane(), { extraArgs: ['--request-timeout=5s'] });
    await controller.waitReady();
    const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => api.create(ns, genericJob(name, {
      replicaSpecs: [{ type: 'worker', replicas: REPLICAS, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: template() }],
    }))));
    await waitFor('restarts under way', async () => failedOnce.size >= 3, { timeoutMs: 60_000, intervalMs: 20 });

    await plane().stopApiServer();
    // The controller noticed: a request of its own got no answer.
    await waitFor('the controller sees the outage', async () => /kubejobs_api_requests_total\{[^}]*code="0"\} [1-9]/.test(await controller!.metrics()),
      { timeoutMs: 60_000 });
    await plane().startApiServer();

    finish = true;
    const jobs = await waitFor('every job Succeeded', async () => {
      const list = await api.client.list<GenericJob>(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs`);
      return list.items.length === JOBS && list.items.every((j) => j.status?.phase === 'Succeeded') ? list.items : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    for (const job of jobs) {
      expect({ job: job.metadata.name, restarts: job.status?.tasks?.[0]?.restartCount, backoff: job.status?.backoffCount })
        .toEqual({ job: job.metadata.name, restarts: 1, backoff: 1 });
    }
    const pods = (await api.pods(ns)).filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods).toHaveLength(JOBS * REPLICAS);
    expect(pods.every((p) => p.status?.phase === 'Succeeded')).toBe(true);
    expect(controller.hasExited).toBe(false);
  } finally {
    running = false;
    await kubelet;
  }
}, 400_000);
