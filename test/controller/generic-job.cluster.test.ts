/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { condition, genericJob, template, TestApi } from './helpers';
import { useController } from './use-controller';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The 11 cases derived from T9k's GenericJob documentation (shared/reference/arena-genericjob.md
// §2.5), against a real control plane, with the controller run from the production bundle under
// its own ServiceAccount and the RBAC the KubejobsController construct emits. Cases 1-4 and 8-10,
// where pods run and finish, are in generic-job-lifecycle.cluster.test.ts on the `scheduling` tier
// (real scheduler, KWOK pods); 11 stays here: it needs one pod of a replica type left unscheduled
// while the others run, which no scheduler does for identical pods.

const plane = useControlPlane();
const running = useController(plane, { podGroups: true });
let api: TestApi;
let controller: ControllerProcess;
beforeAll(() => {
  ({ api, controller } = running());
});


async function namespace(): Promise<string> {
  return freshNamespace(plane().kubeConfig);
}

test('5. service.ports: a headless Service per replica and every variable substituted', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('svc', {
    replicaSpecs: [{
      type: 'worker',
      replicas: 4,
      template: {
        spec: {
          containers: [{
            name: 'main',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'peer=$(service.worker[1].host):$(service.port[http])'],
            args: ['$(type)', '$(rank)', '$(replicas[worker])', '$(HOME)', '$(replicas[nosuch])'],
            env: [{ name: 'TF_CONFIG', value: '{"task":{"type":"$(type)","index":$(rank)}}' }],
          }],
        },
      },
    }],
    service: { ports: [{ name: 'http', port: 2222 }] },
  }));
  const pods = await api.waitForPods(ns, 'svc', ['svc-worker-0', 'svc-worker-1', 'svc-worker-2', 'svc-worker-3']);
  const c = pods[2]!.spec.containers[0]!;
  expect(c.command).toEqual(['sh', '-c', 'peer=svc-worker-1:2222']);
  expect(c.args).toEqual(['worker', '2', '4', '$(HOME)', '$(replicas[nosuch])']);
  expect(c.env).toEqual([{ name: 'TF_CONFIG', value: '{"task":{"type":"worker","index":2}}' }]);
  const services = await waitFor('4 Services', async () => {
    const s = (await api.services(ns)).filter((x) => x.metadata?.labels?.genericjob === 'svc');
    return s.length === 4 ? s : undefined;
  });
  const svc1 = services.find((s) => s.metadata?.name === 'svc-worker-1') as { spec: Record<string, unknown> } | undefined;
  expect(svc1?.spec).toMatchObject({
    clusterIP: 'None',
    publishNotReadyAddresses: true,
    selector: { 'genericjob-replica': 'svc-worker-1' },
    ports: [{ name: 'http', port: 2222, targetPort: 2222, protocol: 'TCP' }],
  });
});

test('6. without service: no Services, $(service...) left as written', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('nosvc', {
    replicaSpecs: [{
      type: 'worker',
      replicas: 2,
      template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36', args: ['$(service.worker[0].host):$(service.port[http])', '$(rank)'] }] } },
    }],
  }));
  const pods = await api.waitForPods(ns, 'nosvc', ['nosvc-worker-0', 'nosvc-worker-1']);
  expect(pods[1]!.spec.containers[0]!.args).toEqual(['$(service.worker[0].host):$(service.port[http])', '1']);
  await api.waitForJob(ns, 'nosvc', 'status written', (j) => j.status?.aggregate !== undefined);
  expect((await api.services(ns)).filter((s) => s.metadata?.labels?.genericjob === 'nosvc')).toEqual([]);
});

test('7. t9kScheduler {queue: default, priority: 50}: PodGroup <job> with minMember = all replicas; pods labelled', async () => {
  const ns = await namespace();
  const job = await api.create(ns, genericJob('sched', {
    replicaSpecs: [
      { type: 'master', replicas: 1, template: template() },
      { type: 'worker', replicas: 3, template: template() },
    ],
    scheduler: { t9kScheduler: { queue: 'default', priority: 50 } },
  }));
  const pods = await api.waitForPods(ns, 'sched', ['sched-master-0', 'sched-worker-0', 'sched-worker-1', 'sched-worker-2']);
  const group = await waitFor('PodGroup', () => api.client.get<{ spec: unknown; metadata: { ownerReferences: unknown[] } }>(`/apis/scheduler.tensorstack.dev/v1beta1/namespaces/${ns}/podgroups/sched`));
  expect(group.spec).toEqual({ minMember: 4, queue: 'default', priority: 50 });
  expect(group.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'GenericJob', name: 'sched', uid: job.metadata.uid, controller: true })]);
  expect(pods[1]!.metadata?.labels).toMatchObject({
    'scheduler.tensorstack.dev/group-name': 'sched',
    'scheduler.tensorstack.dev/queue': 'default',
    'scheduler.tensorstack.dev/role': 'worker',
  });
  expect(pods[1]!.spec.schedulerName).toBe('t9k-scheduler');
});

test('11. aggregate counts match the pod phases (1 Pending + 2 Running + 1 Creating)', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('agg', { replicaSpecs: [{ type: 'worker', replicas: 4, template: template() }] }));
  await api.waitForPods(ns, 'agg', ['agg-worker-0', 'agg-worker-1', 'agg-worker-2', 'agg-worker-3']);
  await api.setPodPhase(ns, 'agg-worker-0', 'Pending', { scheduled: true });
  await api.setPodPhase(ns, 'agg-worker-1', 'Running');
  await api.setPodPhase(ns, 'agg-worker-2', 'Running');
  const job = await api.waitForJob(ns, 'agg', 'aggregate', (j) => j.status?.aggregate?.running === 2 && j.status.aggregate.pending === 1);
  expect(job.status?.aggregate).toEqual({ creating: 1, pending: 1, running: 2, succeeded: 0, failed: 0, unknown: 0, deleted: 0 });
  expect(job.status?.phase).toBe('Running');
  expect(condition(job, 'Running')).toMatchObject({ status: 'True', message: 'All pods are running normally.' });
  expect(job.status?.tasks?.[0]?.replicas?.map((r) => r.phase)).toEqual(['Pending', 'Running', 'Running', 'Creating']);
  expect(job.status?.tasks?.[0]?.replicas?.[1]?.containers).toEqual([{ name: 'main', state: 'Running' }]);
});

test('the runtime serves /healthz, /readyz and Prometheus /metrics', async () => {
  expect(await controller.probe('/healthz')).toBe(200);
  expect(await controller.probe('/readyz')).toBe(200);
  const metrics = await controller.metrics();
  expect(metrics).toMatch(/kubejobs_reconcile_total\{controller="genericjob",result="success"\} [1-9]/);
  expect(metrics).toContain('kubejobs_reconcile_duration_seconds_bucket');
  expect(metrics).toContain('kubejobs_workqueue_depth{controller="genericjob"}');
  expect(metrics).toMatch(/kubejobs_cached_objects\{kind="GenericJob"\} [1-9]/);
  expect(metrics).toContain('kubejobs_process_resident_memory_bytes');
  // JSON logs.
  expect(controller.logLines().some((l) => l.msg === 'caches synced: starting workers')).toBe(true);
});

test('the controller ran as its ServiceAccount and RBAC refused it nothing', () => {
  expect(controller.user).toBe('system:serviceaccount:kubejobs-system:kubejobs-controller');
  expect(controller.forbidden()).toEqual([]);
});
