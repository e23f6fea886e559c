/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi, TestPod } from './helpers';
import { expectEachSucceededWithOneRestart, KubeletStandIn } from './kubelet-stand-in';
import type { GenericJob } from '../../imports/batch.tensorstack.dev';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { WatchHandle } from '../../src/controller/kube-client';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// 50 GenericJobs x 4 replicas in flight; the controller is SIGKILLed mid-way and started again.
// A kubelet stand-in runs the pods: every worker-1 fails once (one restart each, limit 1), the
// rest succeed. Every job must end Succeeded with exactly one restart, no pod created twice
// (except the one restart), none lost, and no status observed going backwards.

const JOBS = 50;
const REPLICAS = 4;
const plane = useControlPlane();
const controllers: ControllerProcess[] = [];

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()));
});

test('SIGKILL mid-flight and restart: every job converges, no pod duplicated or lost, no status goes backwards', async () => {
  const kc = plane().kubeConfig;
  const api = new TestApi(kc);
  await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
  const ns = await freshNamespace(kc);

  // Observers: every pod creation (uid per name) and every job status, in order.
  const podUids = new Map<string, Set<string>>();
  const statuses = new Map<string, NonNullable<GenericJob['status']>[]>();
  const watches: WatchHandle[] = [];
  // Right after a CRD is established its watch cache may still answer "storage is (re)initializing".
  const podList = await waitFor('pod list', () => api.client.list(`/api/v1/namespaces/${ns}/pods`));
  watches.push(await api.client.watch<TestPod>(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: podList.metadata.resourceVersion }, (e) => {
    if (e.type !== 'ADDED') return;
    const name = e.object.metadata!.name!;
    if (!podUids.has(name)) podUids.set(name, new Set());
    podUids.get(name)!.add(e.object.metadata!.uid!);
  }));
  const jobList = await waitFor('job list', () => api.client.list(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs`));
  watches.push(await api.client.watch<GenericJob>(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs`, { resourceVersion: jobList.metadata.resourceVersion }, (e) => {
    if (e.type !== 'MODIFIED' || !e.object.status) return;
    const name = e.object.metadata.name!;
    if (!statuses.has(name)) statuses.set(name, []);
    statuses.get(name)!.push(e.object.status);
  }));

  // The kubelet stand-in: Pending -> Running; the first worker-1 of each job fails; Running pods
  // succeed once told to.
  const kubelet = new KubeletStandIn(api, ns, '-worker-1');

  try {
    const first = await ControllerProcess.start(plane(), { logLevel: 'info' });
    controllers.push(first);
    await first.waitReady();
    const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    const createJobs = (batch: string[]) => Promise.all(batch.map((name) => api.create(ns, genericJob(name, {
      replicaSpecs: [{ type: 'worker', replicas: REPLICAS, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: template() }],
    }))));
    // Half the jobs while the first controller runs; it is killed while it is creating pods and
    // restarting failed replicas.
    const firstHalf = names.slice(0, JOBS / 2);
    const creating = createJobs(firstHalf);
    await waitFor('pods and restarts under way', async () => podUids.size >= 30 && kubelet.failed.size >= 3, { timeoutMs: 60_000, intervalMs: 5 });
    await first.kill();
    await creating;
    // The other half arrives while no controller runs.
    await createJobs(names.slice(JOBS / 2));
    expect(podUids.size).toBeLessThan(JOBS * REPLICAS);

    const second = await ControllerProcess.start(plane(), { logLevel: 'info' });
    controllers.push(second);
    await second.waitReady();
    kubelet.finishAll();
    const jobs = await expectEachSucceededWithOneRestart(api, ns, JOBS, REPLICAS);
    // No pod duplicated: one creation per replica, two for each worker-1 (the restart).
    for (const job of jobs) {
      for (let rank = 0; rank < REPLICAS; rank++) {
        const name = `${job.metadata.name}-worker-${rank}`;
        expect({ name, creations: podUids.get(name)?.size }).toEqual({ name, creations: rank === 1 ? 2 : 1 });
      }
    }
    // No status went backwards: restart counts never fall, a finished job stays finished.
    for (const [name, seen] of statuses) {
      let maxRestarts = 0;
      let terminal: string | undefined;
      for (const s of seen) {
        const r = s.tasks?.[0]?.restartCount ?? 0;
        expect({ name, restartCount: r >= maxRestarts }).toEqual({ name, restartCount: true });
        maxRestarts = Math.max(maxRestarts, r);
        if (terminal) expect({ name, phase: s.phase }).toEqual({ name, phase: terminal });
        if (s.phase === 'Succeeded' || s.phase === 'Failed') terminal = s.phase;
      }
    }
    expect(second.hasExited).toBe(false);
    expect([...first.forbidden(), ...second.forbidden()]).toEqual([]);
  } finally {
    await kubelet.stop();
    for (const w of watches) {
      w.abort();
      await w.done.catch(() => undefined);
    }
  }
}, 300_000);
