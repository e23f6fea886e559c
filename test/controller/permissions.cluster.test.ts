/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ArenaApi } from './arena-helpers';
import { ControllerProcess } from './controller-process';
import { condition, genericJob, template, TestApi, TestPod } from './helpers';
import { useController } from './use-controller';
import { PARENT_LABEL, SCHEDULED_TIME_ANNOTATION } from '../../src/controller/arena-job/schedule-decide';
import { KubeObject } from '../../src/controller/kube-client';
import { CONTROLLER_PERMISSIONS, IMPLIED_PERMISSIONS, LEADER_ELECTION_PERMISSIONS } from '../../src/controller-permissions';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Least privilege, proven both ways: the controller runs under the ServiceAccount and RBAC the
// KubejobsController construct emits, goes through everything it can do, and then its own count
// of API requests shows that none was forbidden and that every permission of its table was used.

const plane = useControlPlane();
const running = useController(plane, { podGroups: true, leaderElect: true });
let api: TestApi;
let controller: ControllerProcess;
beforeAll(() => {
  ({ api, controller } = running());
});


/** `verb group/resource` of every request the controller made, with the HTTP status codes seen. */
async function requestsMade(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const re = /^kubejobs_api_requests_total\{verb="([^"]+)",group="([^"]*)",resource="([^"]+)",code="(\d+|refused)"\} \d+$/gm;
  for (const m of (await controller.metrics()).matchAll(re)) {
    const key = `${m[1]} ${m[2]}/${m[3]}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(m[4]!);
  }
  return out;
}

test('every request is allowed by the emitted RBAC, and every permission in it is used', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  // A job with Services, a PodGroup and restarts: creates, deletes and repeated Events.
  await api.create(ns, genericJob('full', {
    replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure', limit: 2 }, template: template() }],
    service: { ports: [{ name: 'http', port: 8080 }] },
    scheduler: { t9kScheduler: { queue: 'default' } },
  }));
  await api.waitForPods(ns, 'full', ['full-worker-0', 'full-worker-1']);
  for (let restart = 1; restart <= 2; restart++) {
    const before = (await api.pod(ns, 'full-worker-0'))!.metadata!.uid;
    await api.setPodPhase(ns, 'full-worker-0', 'Failed');
    await waitFor(`restart ${restart}`, async () => {
      const pod = await api.pod(ns, 'full-worker-0');
      return pod !== undefined && pod.metadata!.uid !== before;
    });
  }
  // The same Event twice is one Event counted twice (events patch).
  await waitFor('RestartReplica counted twice', async () => {
    const events = await api.client.list<{ reason?: string; count?: number }>(`/api/v1/namespaces/${ns}/events`);
    return events.items.some((e) => e.reason === 'RestartReplica' && e.count === 2);
  });
  // Someone edits a replica Service: it is put back (services update).
  await api.client.mergePatch(`/api/v1/namespaces/${ns}/services/full-worker-1`, { spec: { ports: [{ name: 'http', port: 9999, targetPort: 8080 }] } });
  await waitFor('Service repaired', async () =>
    (await api.client.get<{ spec: { ports: Array<{ port: number }> } }>(`/api/v1/namespaces/${ns}/services/full-worker-1`))?.spec.ports[0]?.port === 8080);
  // Its ports removed from the job: the Services go (services delete).
  await api.client.mergePatch(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs/full`, { spec: { service: null } });
  await waitFor('Services deleted', async () => (await api.services(ns)).length === 0);

  // Names held by others: read back, never changed (pods, services and podgroups get).
  const owner = await api.client.create<KubeObject>(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
  const foreignRef = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true }];
  await api.client.create(`/apis/scheduler.tensorstack.dev/v1beta1/namespaces/${ns}/podgroups`, {
    apiVersion: 'scheduler.tensorstack.dev/v1beta1', kind: 'PodGroup', metadata: { name: 'grouped', ownerReferences: foreignRef }, spec: { minMember: 1 },
  });
  await api.create(ns, genericJob('grouped', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }], scheduler: { t9kScheduler: { queue: 'default' } } }));
  await api.client.create(`/api/v1/namespaces/${ns}/services`, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-worker-0', ownerReferences: foreignRef }, spec: { ports: [{ port: 80 }] },
  });
  await api.create(ns, genericJob('svc', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }], service: { ports: [{ name: 'http', port: 8080 }] } }));
  await api.client.create(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-worker-0', ownerReferences: foreignRef }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  });
  await api.create(ns, genericJob('pod', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  for (const name of ['grouped', 'svc', 'pod']) {
    const job = await api.waitForJob(ns, name, 'NameConflict', (j) => condition(j, 'ReplicaFailure')?.reason === 'NameConflict');
    expect(condition(job, 'ReplicaFailure')?.message).toMatch(/is controlled by ConfigMap\/owner \(uid [0-9a-f-]+\), not by this GenericJob/);
  }

  // RadixBatches: a Job per batch job (jobs create), the status (radixbatches/status update), a stop
  // (jobs delete), and a Job name held by someone else (jobs get: read back, never changed).
  const batches = `/apis/kubejobs.dev/v1/namespaces/${ns}/radixbatches`;
  const component = { name: 'compute', image: 'busybox:1.36', schedulerPort: 9000, timeLimitSeconds: 60, backoffLimit: 0 };
  const radixBatch = (name: string) => ({ apiVersion: 'kubejobs.dev/v1', kind: 'RadixBatch', metadata: { name }, spec: { batchType: 'batch', component, jobs: [{ name: 'aaaaaaaa' }] } });
  await api.client.create(batches, radixBatch('rb'));
  await waitFor('the Job of RadixBatch rb', () => api.client.get(`/apis/batch/v1/namespaces/${ns}/jobs/rb-aaaaaaaa`));
  await api.client.mergePatch(`${batches}/rb`, { spec: { jobs: [{ name: 'aaaaaaaa', stop: true }] } });
  await waitFor('the stopped Job to go', async () => (await api.client.get(`/apis/batch/v1/namespaces/${ns}/jobs/rb-aaaaaaaa`)) === undefined);
  await api.client.create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'rbx-aaaaaaaa', ownerReferences: foreignRef },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
  });
  await api.client.create(batches, radixBatch('rbx'));
  await waitFor('RadixBatch rbx reports the name clash', async () =>
    /controlled by ConfigMap\/owner/.test((await api.client.get<{ status?: { condition?: { message?: string } } }>(`${batches}/rbx`))?.status?.condition?.message ?? ''));

  // Scheduled ArenaJobs, with runs made by hand whose scheduled times are long past, so a run is
  // due at once: a run created (arenajobs create, status update), an active run cancelled under
  // Replace (arenajobs patch) and a finished run beyond the history limit deleted (arenajobs delete).
  const arenaJobs = `/apis/omnia.altairalabs.ai/v1alpha1/namespaces/${ns}/arenajobs`;
  const scheduledParent = (name: string, concurrencyPolicy: string) => api.client.create<KubeObject>(arenaJobs, {
    apiVersion: 'omnia.altairalabs.ai/v1alpha1',
    kind: 'ArenaJob',
    metadata: { name },
    spec: { configRef: { name: 'cfg' }, schedule: { cron: '0 0 1 1 *', concurrencyPolicy } },
  });
  const handMadeRun = async (parentJob: KubeObject, name: string, minute: number, phase?: string) => {
    const parentName = parentJob.metadata!.name!;
    const run = await api.client.create<KubeObject>(arenaJobs, {
      apiVersion: 'omnia.altairalabs.ai/v1alpha1',
      kind: 'ArenaJob',
      metadata: {
        name,
        labels: { [PARENT_LABEL]: parentName },
        annotations: { [SCHEDULED_TIME_ANNOTATION]: new Date(minute * 60_000).toISOString() },
        ownerReferences: [{ apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', name: parentName, uid: parentJob.metadata!.uid!, controller: true }],
      },
      spec: { configRef: { name: 'cfg' } },
    });
    // Read again on each try: the ArenaJob reconciler may have written the run's first status meanwhile.
    if (phase) {
      await waitFor(`${name} ${phase}`, async () => {
        const current = await api.client.get<KubeObject>(`${arenaJobs}/${name}`);
        await api.client.replace(`${arenaJobs}/${name}/status`, { ...current, status: { phase } });
        return true;
      });
    }
    return run;
  };
  const replacing = await scheduledParent('replacing', 'Replace');
  await handMadeRun(replacing, 'replacing-old', 1, 'Failed');
  await handMadeRun(replacing, 'replacing-newer', 2, 'Failed');
  await handMadeRun(replacing, 'replacing-active', 3);
  await waitFor('the older failed run deleted', async () => (await api.client.get(`${arenaJobs}/replacing-old`)) === undefined);
  await waitFor('the active run cancelled', async () => (await requestsMade()).has('patch omnia.altairalabs.ai/arenajobs'));
  const allowing = await scheduledParent('allowing', 'Allow');
  await handMadeRun(allowing, 'allowing-active', 1);
  await waitFor('a run created', async () => (await api.client.list<KubeObject>(arenaJobs, { labelSelector: `${PARENT_LABEL}=allowing` })).items.length === 2);

  // The Arena chain: a configmap source (configmaps get), a provider's Secret (secrets get), the
  // four statuses (…/status update), a worker Job (jobs create) scaled down as items finish
  // (jobs patch).
  const arena = new ArenaApi(api.client);
  await arena.configMap(ns, 'bundle', { 'pack.json': JSON.stringify({ scenarios: ['a.yaml', 'b.yaml', 'c.yaml'] }) });
  await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
  await arena.secret(ns, 'key', { 'api-key': 'x' });
  await arena.provider(ns, 'mock', { type: 'mock', secretRef: { name: 'key' } });
  await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }] });
  await arena.job(ns, 'aj', { configRef: { name: 'cfg' }, workers: { minReplicas: 1, maxReplicas: 5 } });
  await waitFor('3 worker pods', async () => (await api.client.list<TestPod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'omnia.altairalabs.ai/job=aj' })).items.length === 3);
  const [first] = (await api.client.list<TestPod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'omnia.altairalabs.ai/job=aj' })).items;
  await api.setPodPhase(ns, first!.metadata!.name!, 'Succeeded');
  await waitFor('the worker Job scaled to 2', async () => (await arena.workerJob(ns, 'aj'))?.spec.parallelism === 2);

  // The leader has renewed its Lease at least once (leases update).
  await waitFor('a Lease renewal', async () => (await requestsMade()).has('update coordination.k8s.io/leases'));
  const made = await requestsMade();
  // 401/403: the API server said no; `refused`: the controller's own gate did (not in its table).
  const forbidden = [...made].filter(([, codes]) => codes.has('401') || codes.has('403') || codes.has('refused')).map(([k]) => k);
  expect(forbidden).toEqual([]);
  const granted = [...CONTROLLER_PERMISSIONS, ...LEADER_ELECTION_PERMISSIONS]
    .flatMap((p) => p.resources.flatMap((r) => p.verbs.map((v) => `${v} ${p.apiGroup}/${r}`)));
  const implied = new Set(IMPLIED_PERMISSIONS.map((p) => `${p.verb} ${p.apiGroup}/${p.resource}`));
  expect(granted.filter((g) => !implied.has(g) && !made.has(g)).sort()).toEqual([]);
  expect([...made.keys()].filter((m) => !granted.includes(m)).sort()).toEqual([]);
  // The implied permission is exercised too: children carry blockOwnerDeletion, which the API
  // server allows only to whoever may update the owner's finalizers.
  const pod = await api.pod(ns, 'full-worker-1');
  expect(pod?.metadata?.ownerReferences?.[0]?.blockOwnerDeletion).toBe(true);
}, 240_000);
