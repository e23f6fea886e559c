/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { condition, genericJob, template, TestApi } from './helpers';
import { useController } from './use-controller';
import { KubeObject } from '../../src/controller/kube-client';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The controller writes only children its job controls. A same-named Service or pod that belongs
// to someone else is left exactly as it is; the job says who holds the name and waits.

const plane = useControlPlane();
const running = useController(plane, {});
let api: TestApi;
beforeAll(() => {
  ({ api } = running());
});


interface Service extends KubeObject { spec: { selector?: Record<string, string>; ports: Array<{ name?: string; port: number }> } }

test('a Service of the same name owned by no job: left unchanged, not deleted with the job, and named in a condition', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  const theirs = await api.client.create<Service>(`/api/v1/namespaces/${ns}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'clash-worker-0' },
    spec: { selector: { app: 'theirs' }, ports: [{ name: 'web', port: 80 }] },
  });
  await api.create(ns, genericJob('clash', {
    replicaSpecs: [{ type: 'worker', replicas: 2, template: template() }],
    service: { ports: [{ name: 'http', port: 8080 }] },
  }));
  const job = await api.waitForJob(ns, 'clash', 'NameConflict', (j) => condition(j, 'ReplicaFailure')?.reason === 'NameConflict');
  expect(condition(job, 'ReplicaFailure')?.message).toBe(
    'Service clash-worker-0 already exists and is controlled by no controller (created by hand or by another tool), not by this GenericJob: ' +
    'kubejobs leaves it unchanged. Delete or rename that Service, or give the GenericJob another name.');
  await api.waitForEvent(ns, 'clash', 'NameConflict');
  // No pod starts while a peer's name would resolve to someone else's endpoints.
  expect(await api.pods(ns, 'clash')).toEqual([]);
  // Its own Service for the other replica exists; theirs is untouched.
  await waitFor('clash-worker-1 Service', async () => (await api.services(ns)).some((s) => s.metadata?.name === 'clash-worker-1'));
  const after = await api.client.get<Service>(`/api/v1/namespaces/${ns}/services/clash-worker-0`);
  expect(after?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
  expect(after?.spec.selector).toEqual({ app: 'theirs' });
  expect(after?.metadata?.ownerReferences).toBeUndefined();

  // Deleting the job removes its children only.
  await api.client.delete(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs/clash`, { propagationPolicy: 'Foreground' });
  await waitFor('the job and its Service gone', async () =>
    !(await api.services(ns)).some((s) => s.metadata?.name === 'clash-worker-1') &&
    (await api.client.get(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs/clash`)) === undefined, { timeoutMs: 60_000 });
  expect((await api.client.get<Service>(`/api/v1/namespaces/${ns}/services/clash-worker-0`))?.metadata?.uid).toBe(theirs.metadata?.uid);
});

test('a pod of the same name owned by someone else: the job names it and waits, then goes on once the name is free', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  const owner = await api.client.create<KubeObject>(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
  const theirs = await api.client.create<KubeObject>(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'taken-worker-0', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true }] },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  });
  await api.create(ns, genericJob('taken', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  const job = await api.waitForJob(ns, 'taken', 'NameConflict', (j) => condition(j, 'ReplicaFailure')?.reason === 'NameConflict');
  expect(condition(job, 'ReplicaFailure')?.message).toMatch(/^Pod taken-worker-0 already exists and is controlled by ConfigMap\/owner \(uid [0-9a-f-]+\), not by this GenericJob/);
  expect((await api.pod(ns, 'taken-worker-0'))?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);

  // The other owner lets go of the name: the job creates its own pod (on its next look, <= 30 s).
  await api.client.delete(`/api/v1/namespaces/${ns}/pods/taken-worker-0`);
  await waitFor('the job\'s own pod', async () => {
    const pod = await api.pod(ns, 'taken-worker-0');
    return pod?.metadata?.ownerReferences?.some((r) => r.kind === 'GenericJob' && r.controller) ?? false;
  }, { timeoutMs: 90_000 });
  const resolved = await api.waitForJob(ns, 'taken', 'conflict cleared', (j) => condition(j, 'ReplicaFailure')?.status === 'False');
  expect(condition(resolved, 'ReplicaFailure')?.reason).toBe('NameConflictResolved');
}, 120_000);
