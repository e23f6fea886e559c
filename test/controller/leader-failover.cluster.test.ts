/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { FaultProxy, ProxiedRequest } from '../cluster/fault-proxy';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Split brain: the leader's Lease renewal hangs (a partition between it and the API server that
// spares its other requests) while a standby waits. The leader must stop at its renew deadline,
// before the standby may take the Lease, so the two never write at the same time. Each replica
// talks through its own proxy, whose log says who wrote what, and when.

const plane = useControlPlane();
const LEASE_TIMING = ['--leader-elect-lease-duration=8s', '--leader-elect-renew-deadline=5s', '--leader-elect-retry-period=1s'];
const controllers: ControllerProcess[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  await applyManifests(plane().kubeConfig, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
}, 60_000);

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop(2_000)));
  await Promise.all(proxies.map((p) => p.close()));
});

async function replica(): Promise<{ controller: ControllerProcess; proxy: FaultProxy }> {
  const proxy = await FaultProxy.start({ server: plane().server, caData: plane().caData });
  proxies.push(proxy);
  const controller = await ControllerProcess.start(plane(), { server: proxy.url, leaderElect: true, extraArgs: LEASE_TIMING });
  controllers.push(controller);
  await controller.waitReady();
  return { controller, proxy };
}

async function isLeader(c: ControllerProcess): Promise<boolean> {
  return !c.hasExited && /^kubejobs_leader 1$/m.test(await c.metrics().catch(() => ''));
}

/** Writes to the cluster's objects (Lease traffic is the election itself, not reconciling). */
function writes(p: FaultProxy): ProxiedRequest[] {
  return p.requests((r) => r.method !== 'GET' && !/\/leases(\/|$)/.test(r.path));
}

test('a leader whose renewals hang stops at its renew deadline, before the standby takes over: never two writers', async () => {
  const api = new TestApi(plane().kubeConfig);
  const a = await replica();
  await waitFor('a leads', () => isLeader(a.controller), { timeoutMs: 30_000 });
  const b = await replica();
  expect(await isLeader(b.controller)).toBe(false);

  // Work keeps arriving throughout, so whichever replica leads keeps writing.
  const ns = await freshNamespace(plane().kubeConfig);
  let creating = true;
  let created = 0;
  const creator = (async () => {
    while (creating && created < 300) {
      await api.create(ns, genericJob(`job-${created}`, { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
      created++;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  try {
    await waitFor('a writes', async () => writes(a.proxy).length > 0, { timeoutMs: 30_000 });
    const partition = a.proxy.addRule({ path: /\/leases(\/|$)/, action: 'hang' });
    const exit = await a.controller.exited;
    expect(exit.code).toBe(1);
    expect(partition.hits).toBeGreaterThanOrEqual(1);
    expect(a.controller.logLines().some((l) => l.msg === 'lost leadership: could not renew the lease within the renew deadline')).toBe(true);

    await waitFor('b leads', () => isLeader(b.controller), { timeoutMs: 60_000 });
    const createdWhenBLed = created;
    await waitFor('b writes for new jobs', async () => created > createdWhenBLed + 2, { timeoutMs: 60_000 });
    creating = false;
    await creator;
    const jobs = Array.from({ length: created }, (_, i) => `job-${i}-worker-0`);
    await waitFor('every job has its pod', async () => (await api.pods(ns)).length === jobs.length, { timeoutMs: 60_000 });

    const lastOfA = Math.max(...writes(a.proxy).map((r) => r.finishedAt ?? Number.POSITIVE_INFINITY));
    const firstOfB = Math.min(...writes(b.proxy).map((r) => r.startedAt));
    expect(writes(b.proxy).length).toBeGreaterThan(0);
    // Every write of the old leader had ended before the new leader wrote anything.
    expect(lastOfA).toBeLessThan(firstOfB);
    a.proxy.clearRules();
  } finally {
    creating = false;
    await creator;
  }
}, 240_000);
