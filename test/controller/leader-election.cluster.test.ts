/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { controllerIdentity } from '../cluster/controller-identity';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Two `kubejobs controller --leader-elect=true` processes: one reconciles, the other stands by and
// takes over when the leader dies (lease 15 s) or leaves (it releases the Lease on SIGTERM). They
// run as the controller's ServiceAccount, whose leader-election Role is in its own namespace.

const plane = useControlPlane();
let api: TestApi;
let leaseNamespace: string;
const started: ControllerProcess[] = [];

interface Lease { spec: { holderIdentity?: string; leaseTransitions?: number } }

beforeAll(async () => {
  api = new TestApi(plane().kubeConfig);
  await applyManifests(plane().kubeConfig, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
  leaseNamespace = (await controllerIdentity(plane())).namespace;
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()));
});

async function start(): Promise<ControllerProcess> {
  const c = await ControllerProcess.start(plane(), { leaderElect: true, leaderElectionNamespace: leaseNamespace });
  started.push(c);
  await c.waitReady();
  return c;
}

async function isLeader(c: ControllerProcess): Promise<boolean> {
  return /^kubejobs_leader 1$/m.test(await c.metrics());
}

async function reconciles(c: ControllerProcess): Promise<number> {
  const m = (await c.metrics()).match(/kubejobs_reconcile_total\{controller="genericjob",result="[a-z]+"\} \d+/g) ?? [];
  return m.reduce((n, line) => n + Number(line.split(' ').pop()), 0);
}

function holder(): Promise<string | undefined> {
  return api.client.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/kubejobs-controller`).then((l) => l?.spec.holderIdentity);
}

test('only the leader reconciles; SIGKILL it and the standby takes over within the lease time; SIGTERM releases at once', async () => {
  const a = await start();
  await waitFor('a leads', () => isLeader(a), { timeoutMs: 20_000 });
  const b = await start();
  // Both ready (a standby is ready: it must not be restarted by its probe), only one leads.
  expect(await b.probe('/readyz')).toBe(200);
  expect(await isLeader(b)).toBe(false);

  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('one', { replicaSpecs: [{ type: 'worker', replicas: 3, template: template() }] }));
  await api.waitForPods(ns, 'one', ['one-worker-0', 'one-worker-1', 'one-worker-2']);
  await api.waitForJob(ns, 'one', 'status', (j) => j.status?.phase === 'Pending');
  expect(await reconciles(a)).toBeGreaterThan(0);
  expect(await reconciles(b)).toBe(0);
  expect(b.logLines().some((l) => l.msg === 'caches synced: starting workers')).toBe(false);
  const leaseHolder = await holder();
  expect(leaseHolder).toBeDefined();

  // The leader dies without releasing the Lease.
  const killedAt = Date.now();
  await a.kill();
  await api.create(ns, genericJob('two', { replicaSpecs: [{ type: 'worker', replicas: 2, template: template() }] }));
  await waitFor('b leads', () => isLeader(b), { timeoutMs: 90_000, intervalMs: 200 });
  // It did wait for the lease to expire (a lower bound: a loaded machine only makes it later).
  expect(Date.now() - killedAt).toBeGreaterThan(5_000);
  await api.waitForPods(ns, 'two', ['two-worker-0', 'two-worker-1']);
  expect(await holder()).not.toBe(leaseHolder);

  // A graceful stop releases the Lease: a new standby takes over within a couple of retry periods.
  const c = await start();
  expect(await isLeader(c)).toBe(false);
  const exit = await b.stop();
  expect(exit.code).toBe(0);
  expect(b.logLines().some((l) => l.msg === 'released the leader lease')).toBe(true);
  // c takes the Lease b released (the log line above) and holds it under its own identity.
  await waitFor('c leads', () => isLeader(c), { timeoutMs: 60_000, intervalMs: 100 });
  const lease = await api.client.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/${leaseNamespace}/leases/kubejobs-controller`);
  expect(lease?.spec.holderIdentity).toMatch(/_[0-9a-f]{8}$/);
  expect(lease?.spec.holderIdentity).not.toBe(leaseHolder);
  await api.create(ns, genericJob('three', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  await api.waitForPods(ns, 'three', ['three-worker-0']);
  expect(started.flatMap((s) => s.forbidden())).toEqual([]);
}, 240_000);
