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
// its own ServiceAccount and the RBAC the KubejobsController construct emits.

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

test('1. successRules [{worker:[0]}]: 4 labelled pods; worker-0 exits 0 => Succeeded whatever the others do', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('sr', {
    replicaSpecs: [{ type: 'worker', replicas: 4, template: template() }],
    successRules: [{ worker: [0] }],
  }));
  const pods = await api.waitForPods(ns, 'sr', ['sr-worker-0', 'sr-worker-1', 'sr-worker-2', 'sr-worker-3']);
  const job = await api.job(ns, 'sr');
  for (const [rank, pod] of pods.entries()) {
    expect(pod.metadata?.labels).toMatchObject({
      'genericjob': 'sr',
      'genericjob-replica': `sr-worker-${rank}`,
      'tensorstack.dev/component': 'genericjob',
      'tensorstack.dev/component-type': 'user',
    });
    expect(pod.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', name: 'sr', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec.restartPolicy).toBe('Never');
  }
  await api.setPodPhase(ns, 'sr-worker-1', 'Running');
  await api.setPodPhase(ns, 'sr-worker-2', 'Pending', { scheduled: true });
  await api.setPodPhase(ns, 'sr-worker-0', 'Succeeded');
  const done = await api.waitForJob(ns, 'sr', 'Succeeded', (j) => j.status?.phase === 'Succeeded');
  expect(condition(done, 'Completed')).toMatchObject({ status: 'True', reason: 'Succeeded', message: 'The job has finished successfully.' });
  expect(condition(done, 'Failed')).toMatchObject({ status: 'False', reason: 'Succeeded' });
  expect(condition(done, 'Initialized')).toMatchObject({ status: 'True', message: 'The job has been initialized successfully.' });
  expect(done.status?.observedGeneration).toBe(done.metadata.generation);
  await waitFor('Succeeded event', async () => (await api.eventReasons(ns, 'sr')).includes('Succeeded'));
});

test('2. failureRules [{worker:[0]},{worker:[1]}], policy Never: worker-1 failing fails the job with T9k\'s message', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('fr', {
    replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' }, template: template() }],
    failureRules: [{ worker: [0] }, { worker: [1] }],
  }));
  await api.waitForPods(ns, 'fr', ['fr-worker-0', 'fr-worker-1']);
  await api.setPodPhase(ns, 'fr-worker-0', 'Running');
  await api.setPodPhase(ns, 'fr-worker-1', 'Failed');
  const failed = await api.waitForJob(ns, 'fr', 'Failed', (j) => j.status?.phase === 'Failed');
  const message = 'The job is failed with rule: { "worker": [1] }';
  expect(condition(failed, 'Failed')).toMatchObject({ status: 'True', reason: 'Failed', message });
  expect(condition(failed, 'Completed')).toMatchObject({ status: 'False', reason: 'Failed', message });
  expect(failed.status?.tasks?.[0]?.restartCount).toBe(0);
  // Never: the failed pod stays as it is.
  expect((await api.pod(ns, 'fr-worker-1'))?.status?.phase).toBe('Failed');
});

test('3. multi-type rule {master:[2], worker:[0,1]} holds only when all three succeeded', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('mt', {
    replicaSpecs: [
      { type: 'master', replicas: 3, template: template() },
      { type: 'worker', replicas: 2, template: template() },
    ],
    successRules: [{ master: [2], worker: [0, 1] }],
  }));
  await api.waitForPods(ns, 'mt', ['mt-master-0', 'mt-master-1', 'mt-master-2', 'mt-worker-0', 'mt-worker-1']);
  await api.setPodPhase(ns, 'mt-master-2', 'Succeeded');
  await api.setPodPhase(ns, 'mt-worker-0', 'Succeeded');
  // Two of three: the controller records them and the job goes on.
  const partial = await api.waitForJob(ns, 'mt', 'two succeeded', (j) => j.status?.aggregate?.succeeded === 2);
  expect(partial.status?.phase).not.toBe('Succeeded');
  await api.setPodPhase(ns, 'mt-worker-1', 'Succeeded');
  await api.waitForJob(ns, 'mt', 'Succeeded', (j) => j.status?.phase === 'Succeeded');
});

test('4. OnFailure limit 1: first failure restarts the pod (restartCount 1); second failure fails the job', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('rs', {
    replicaSpecs: [{ type: 'worker', replicas: 1, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: template() }],
    failureRules: [{ worker: [0] }],
  }));
  const [first] = await api.waitForPods(ns, 'rs', ['rs-worker-0']);
  await api.setPodPhase(ns, 'rs-worker-0', 'Failed');
  const restarted = await waitFor('a new rs-worker-0', async () => {
    const p = await api.pod(ns, 'rs-worker-0');
    return p && p.metadata?.uid !== first!.metadata?.uid ? p : undefined;
  });
  const afterRestart = await api.waitForJob(ns, 'rs', 'restartCount 1', (j) => j.status?.tasks?.[0]?.restartCount === 1 &&
    j.status?.tasks?.[0]?.replicas?.[0]?.uid === restarted.metadata?.uid);
  expect(afterRestart.status?.phase).not.toBe('Failed');
  expect(afterRestart.status?.backoffCount).toBe(1);
  await api.setPodPhase(ns, 'rs-worker-0', 'Failed');
  const failed = await api.waitForJob(ns, 'rs', 'Failed', (j) => j.status?.phase === 'Failed');
  expect(condition(failed, 'Failed')?.message).toBe('The job is failed with rule: { "worker": [0] }');
  expect(failed.status?.tasks?.[0]?.restartCount).toBe(1);
  expect((await api.pod(ns, 'rs-worker-0'))?.metadata?.uid).toBe(restarted.metadata?.uid);
  await waitFor('RestartReplica event', async () => (await api.eventReasons(ns, 'rs')).includes('RestartReplica'));
});

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

test.each([
  ['Unfinished', ['cu-worker-0', 'cu-worker-1']],
  ['All', []],
  ['None', ['cu-worker-0', 'cu-worker-1', 'cu-worker-2']],
] as const)('8. cleanUpPolicy %s after completion deletes the matching pods; aggregate.deleted follows', async (policy, remaining) => {
  const ns = await namespace();
  await api.create(ns, genericJob('cu', {
    replicaSpecs: [{ type: 'worker', replicas: 3, template: template() }],
    successRules: [{ worker: [0] }],
    cleanUpPolicy: policy,
  }));
  await api.waitForPods(ns, 'cu', ['cu-worker-0', 'cu-worker-1', 'cu-worker-2']);
  await api.setPodPhase(ns, 'cu-worker-1', 'Succeeded');
  await api.setPodPhase(ns, 'cu-worker-2', 'Running');
  await api.setPodPhase(ns, 'cu-worker-0', 'Succeeded');
  await api.waitForJob(ns, 'cu', 'Succeeded', (j) => j.status?.phase === 'Succeeded');
  await api.waitForPods(ns, 'cu', [...remaining]);
  const job = await api.waitForJob(ns, 'cu', 'aggregate.deleted', (j) => j.status?.aggregate?.deleted === 3 - remaining.length);
  expect(job.status?.phase).toBe('Succeeded');
});

test('9. debug mode: sleep inf by default; per-type command and skipInitContainer', async () => {
  const ns = await namespace();
  const withInit = { spec: { initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['true'] }], containers: [{ name: 'main', image: 'busybox:1.36', command: ['train'], args: ['--epochs', '3'] }] } };
  await api.create(ns, genericJob('dbg', {
    replicaSpecs: [
      { type: 'master', replicas: 1, template: withInit },
      { type: 'worker', replicas: 1, template: withInit },
    ],
    runMode: { debug: { enabled: true, replicaSpecs: [{ type: 'worker', skipInitContainer: true, command: ['/usr/bin/sshd'] }] } },
  }));
  const [master, worker] = await api.waitForPods(ns, 'dbg', ['dbg-master-0', 'dbg-worker-0']);
  expect(master!.spec.containers[0]).toMatchObject({ command: ['sleep', 'inf'] });
  expect(master!.spec.containers[0]!.args).toBeUndefined();
  expect(master!.spec.initContainers).toHaveLength(1);
  expect(worker!.spec.containers[0]).toMatchObject({ command: ['/usr/bin/sshd'] });
  expect(worker!.spec.initContainers).toBeUndefined();
  // Rules are not evaluated in debug mode: a finished replica does not finish the job.
  await api.setPodPhase(ns, 'dbg-master-0', 'Running');
  await api.setPodPhase(ns, 'dbg-worker-0', 'Succeeded');
  const job = await api.waitForJob(ns, 'dbg', 'running', (j) => j.status?.aggregate?.succeeded === 1 && j.status?.phase === 'Running');
  expect(condition(job, 'Completed')).toBeUndefined();
});

test('10. pause deletes every pod (Paused); resume goes Resuming -> Running with resumeSpecs; resumeSpecs is immutable', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('pz', {
    replicaSpecs: [{ type: 'worker', replicas: 2, template: template() }],
    runMode: { pause: { enabled: false, resumeSpecs: [{ type: 'worker', command: ['resume.sh'], args: ['--from-checkpoint'] }] } },
  }));
  await api.waitForPods(ns, 'pz', ['pz-worker-0', 'pz-worker-1']);
  await api.setPodPhase(ns, 'pz-worker-0', 'Running');
  await api.waitForJob(ns, 'pz', 'Running', (j) => j.status?.phase === 'Running');
  await api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { enabled: true } } } });
  await api.waitForPods(ns, 'pz', []);
  const paused = await api.waitForJob(ns, 'pz', 'Paused', (j) => j.status?.phase === 'Paused');
  expect(condition(paused, 'Paused')).toMatchObject({ status: 'True', reason: 'Paused' });
  await expect(api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { resumeSpecs: [{ type: 'worker', command: ['other'] }] } } } }))
    .rejects.toThrow('spec.runMode.pause.resumeSpecs is immutable');
  await api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { enabled: false } } } });
  const resuming = await api.waitForJob(ns, 'pz', 'Resuming', (j) => j.status?.phase === 'Resuming');
  expect(condition(resuming, 'Paused')).toMatchObject({ status: 'False' });
  const pods = await api.waitForPods(ns, 'pz', ['pz-worker-0', 'pz-worker-1']);
  expect(pods[0]!.spec.containers[0]).toMatchObject({ command: ['resume.sh'], args: ['--from-checkpoint'] });
  await api.setPodPhase(ns, 'pz-worker-0', 'Running');
  await api.waitForJob(ns, 'pz', 'Running', (j) => j.status?.phase === 'Running');
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
