import { readFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import { parseAllDocuments } from 'yaml';
import {
  AppWrapperJob,
  AppWrapperJobProps,
  AppWrapperVolcanoAccess,
  CleanPodPolicy,
  InnerJobType,
  KueueClusterQueue,
  KueueLocalQueue,
  NetworkTopologyMode,
  NprocPerNode,
} from '../src';
import { validateManifest } from '../src/api';

/** §A2.3 and §A2.4 of shared/reference/appwrapper-radix.md: what the arena fork renders. */
const [FORK_PYTORCH, FORK_PYTORCH_SERVICE, FORK_VOLCANO]: any[] = parseAllDocuments(
  readFileSync(join(__dirname, 'fixtures', 'appwrapper-fork-renderings.yaml'), 'utf-8'),
  { merge: true },
).map((d) => JSON.parse(JSON.stringify(d.toJS())));

const COMMAND = ['sh', '-c', 'python train.py'];

/** `arena submit appwrapperjob --name pytorch-test --image pytorch/pytorch:latest --gpus 1 --workers 2 --kueue-queue default-queue "python train.py"` */
const PYTORCH_TEST: AppWrapperJobProps = {
  metadata: { name: 'pytorch-test' },
  image: 'pytorch/pytorch:latest',
  command: COMMAND,
  gpusPerPod: 1,
  workers: 2,
  queue: 'default-queue',
};

/** The §A2.4 command: `--inner-type volcano --replicas 2 --gpus 8 --nproc-per-node 8 --kueue-queue team-a-queue --network-topology-mode hard --highest-tier-allowed 1 --total-partitions 1 --partition-size 2`. */
const VC_TEST: AppWrapperJobProps = {
  metadata: { name: 'vc-test' },
  image: 'pytorch/pytorch:latest',
  command: COMMAND,
  innerType: InnerJobType.VOLCANO,
  replicas: 2,
  gpusPerPod: 8,
  nprocPerNode: NprocPerNode.of(8),
  queue: 'team-a-queue',
  networkTopology: { mode: NetworkTopologyMode.HARD, highestTierAllowed: 1 },
  partitions: { totalPartitions: 1, partitionSize: 2 },
};

function synthAll(props: AppWrapperJobProps): any[] {
  const chart = Testing.chart();
  new AppWrapperJob(chart, 'job', props);
  return Testing.synth(chart);
}

const synth = (props: AppWrapperJobProps): any => synthAll(props)[0];
const inner = (aw: any): any => aw.spec.components[0].template;
const podTemplates = (aw: any): any[] => {
  const job = inner(aw);
  return job.kind === 'PyTorchJob' ? Object.values(job.spec.pytorchReplicaSpecs).map((r: any) => r.template) : job.spec.tasks.map((t: any) => t.template);
};
const env = (aw: any): Record<string, unknown> => Object.fromEntries(
  podTemplates(aw)[0].spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]),
);
const TASK_INDEX = { fieldRef: { fieldPath: "metadata.annotations['volcano.sh/task-index']" } };
const FAULT_TOLERANCE_KEYS = [
  'workload.codeflare.dev.appwrapper/retryLimit',
  'workload.codeflare.dev.appwrapper/admissionGracePeriodDuration',
  'workload.codeflare.dev.appwrapper/warmupGracePeriodDuration',
  'workload.codeflare.dev.appwrapper/failureGracePeriodDuration',
  'workload.codeflare.dev.appwrapper/retryPausePeriodDuration',
];

/** Every custom resource in an AppWrapper: itself and each wrapped object. */
function validateAll(aw: any): string[] {
  return [...validateManifest(aw), ...aw.spec.components.flatMap((c: any) => validateManifest(c.template))];
}

// The deliberate differences from the fork, each applied to the fork's rendering by one function.
// Every one of them has its own test below and a line in the README's compatibility notes.

/** compatibility: no Helm bookkeeping labels (`chart`, `heritage: Helm`); the objects are not Helm-managed. */
function dropHelmLabels(o: any): void {
  for (const labels of [o.metadata?.labels, ...(o.spec?.components ?? []).map((c: any) => c.template.metadata.labels)]) {
    delete labels?.chart;
    delete labels?.heritage;
  }
}
/** compatibility: `spec.suspend` is left to Kueue (no `suspend: false` that a re-apply would force back). */
function dropSuspend(aw: any): void {
  delete aw.spec.suspend;
}
/** compatibility: pod templates carry no `metadata.name` (Kubernetes ignores it) and no fault-tolerance annotations (read from the AppWrapper only); Helm labels dropped there too. */
function cleanPodTemplates(aw: any): void {
  for (const t of podTemplates(aw)) {
    delete t.metadata.name;
    for (const key of FAULT_TOLERANCE_KEYS) delete t.metadata.annotations[key];
    t.metadata.labels = { ...t.metadata.labels };
    delete t.metadata.labels.chart;
    delete t.metadata.labels.heritage;
  }
}

describe('AppWrapperJob reproduces the fork\'s renderings (reference §A2.3, §A2.4)', () => {
  test('§A2.3 (PyTorch): the same AppWrapper, minus the fork quirks fixed on purpose', () => {
    const expected = JSON.parse(JSON.stringify(FORK_PYTORCH));
    dropHelmLabels(expected);
    dropSuspend(expected);
    cleanPodTemplates(expected);
    // compatibility: quirk 1 — no `schedulerName: volcano` leaking into PyTorch pods.
    for (const t of podTemplates(expected)) delete t.spec.schedulerName;
    // compatibility: quirk 2 — run policies under `spec.runPolicy`, not the flat fields the v1 CRD prunes.
    const spec = inner(expected).spec;
    spec.runPolicy = { cleanPodPolicy: spec.cleanPodPolicy, backoffLimit: spec.backoffLimit };
    // compatibility: quirk 7 — cleanPodPolicy None, not the fork's Running (see the next test).
    expect(spec.runPolicy.cleanPodPolicy).toEqual('Running');
    spec.runPolicy.cleanPodPolicy = 'None';
    delete spec.cleanPodPolicy;
    delete spec.backoffLimit;
    expect(synth(PYTORCH_TEST)).toEqual(expected);
  });

  test('§A2.3 (PyTorch): the fork\'s unwrapped headless Service is not emitted', () => {
    // compatibility: the training-operator's own per-replica Service `<job>-master-0` is what
    // MASTER_ADDR resolves to; the fork's extra Service lives outside the AppWrapper, exists while
    // the job is queued and survives resets.
    expect(FORK_PYTORCH_SERVICE.kind).toEqual('Service');
    const objects = synthAll(PYTORCH_TEST);
    expect(objects.map((o) => o.kind)).toEqual(['AppWrapper']);
    expect(inner(objects[0]).spec.pytorchReplicaSpecs.Master.replicas).toEqual(1);
  });

  test('§A2.4 (Volcano): the same AppWrapper, minus the fork quirks fixed on purpose', () => {
    const expected = JSON.parse(JSON.stringify(FORK_VOLCANO));
    dropHelmLabels(expected);
    dropSuspend(expected);
    cleanPodTemplates(expected);
    // compatibility: quirk 4 — no pod-level RANK when a pod runs 8 processes (torchrun derives each
    // process's RANK from NODE_RANK); NODE_RANK keeps the task index.
    const container = podTemplates(expected)[0].spec.containers[0];
    container.env = container.env.filter((e: any) => e.name !== 'RANK');
    expect(synth(VC_TEST)).toEqual(expected);
  });

  test.each([['pytorch-test', PYTORCH_TEST], ['vc-test', VC_TEST]])('%s: the AppWrapper and the wrapped job validate against their schemas', (_name, props) => {
    const aw = synth(props);
    expect(validateAll(aw)).toEqual([]);
    expect(aw.spec.components).toHaveLength(1);
  });
});

describe('AppWrapperJob: the fork quirks fixed on purpose', () => {
  test('compatibility: quirk 1 — PyTorch pods use the default scheduler unless schedulerName is given', () => {
    for (const t of podTemplates(synth(PYTORCH_TEST))) expect(t.spec.schedulerName).toBeUndefined();
    for (const t of podTemplates(synth({ ...PYTORCH_TEST, schedulerName: 'volcano' }))) expect(t.spec.schedulerName).toEqual('volcano');
    // The Volcano Job keeps its `volcano` default.
    expect(inner(synth(VC_TEST)).spec.schedulerName).toEqual('volcano');
  });

  test('compatibility: quirk 7 — cleanPodPolicy defaults to None, so a Master finishing first does not get the Workers deleted', () => {
    expect(inner(synth(PYTORCH_TEST)).spec.runPolicy.cleanPodPolicy).toEqual('None');
    expect(inner(synth({ ...PYTORCH_TEST, cleanPodPolicy: CleanPodPolicy.RUNNING })).spec.runPolicy.cleanPodPolicy).toEqual('Running');
  });

  test('compatibility: quirk 2 — cleanPodPolicy and backoffLimit are under spec.runPolicy', () => {
    const spec = inner(synth({ ...PYTORCH_TEST, cleanPodPolicy: CleanPodPolicy.ALL })).spec;
    expect(spec.runPolicy).toEqual({ cleanPodPolicy: 'All', backoffLimit: 0 });
    expect(spec.cleanPodPolicy).toBeUndefined();
    expect(spec.backoffLimit).toBeUndefined();
    // The flat fields the fork writes are unknown to kubeflow.org/v1: the schema rejects them.
    expect(validateManifest(inner(FORK_PYTORCH))).toEqual([
      'spec.cleanPodPolicy: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling',
      'spec.backoffLimit: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling',
      'spec.pytorchReplicaSpecs.Master.template.metadata.name: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling',
      'spec.pytorchReplicaSpecs.Worker.template.metadata.name: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling',
    ]);
  });

  test('compatibility: quirk 3 — retryLimit 0 is emitted as "0" (no retries), not dropped', () => {
    expect(synth({ ...PYTORCH_TEST, retryLimit: 0 }).metadata.annotations['workload.codeflare.dev.appwrapper/retryLimit']).toEqual('0');
    expect(synth(PYTORCH_TEST).metadata.annotations['workload.codeflare.dev.appwrapper/retryLimit']).toEqual('3');
  });

  test('compatibility: quirk 4 — RANK is set only when each pod runs one process', () => {
    expect(env(synth(VC_TEST))).not.toHaveProperty('RANK');
    expect(env(synth(VC_TEST)).NODE_RANK).toEqual(TASK_INDEX);
    const onePerPod = env(synth({ ...VC_TEST, nprocPerNode: undefined }));
    expect(onePerPod).toMatchObject({ RANK: TASK_INDEX, NODE_RANK: TASK_INDEX, WORLD_SIZE: '2', NNODES: '2' });
    expect(onePerPod).not.toHaveProperty('LOCAL_WORLD_SIZE');
    expect(env(synth({ ...VC_TEST, nprocPerNode: NprocPerNode.of(1) }))).toMatchObject({ RANK: TASK_INDEX, WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '1' });
    // A symbolic count (auto/cpu/gpu) leaves the sizes to torchrun.
    const auto = env(synth({ ...VC_TEST, nprocPerNode: NprocPerNode.AUTO }));
    expect(auto).toMatchObject({ PET_NPROC_PER_NODE: 'auto', WORLD_SIZE: '2', NODE_RANK: TASK_INDEX });
    expect(auto).not.toHaveProperty('RANK');
    expect(auto).not.toHaveProperty('NPROC_PER_NODE');
  });

  test('compatibility: open question 5 — a single-replica Volcano job still gets usable rendezvous values', () => {
    const single = env(synth({ ...VC_TEST, replicas: 1, partitions: undefined, nprocPerNode: NprocPerNode.of(4) }));
    expect(single).toMatchObject({ MASTER_ADDR: 'localhost', MASTER_PORT: '23456', NNODES: '1', WORLD_SIZE: '4', NODE_RANK: TASK_INDEX, LOCAL_WORLD_SIZE: '4' });
  });

  test('compatibility: quirk 6 — PyTorch sets spec.nprocPerNode instead of a PET_NPROC_PER_NODE env the operator overrides', () => {
    const aw = synth({ ...PYTORCH_TEST, nprocPerNode: NprocPerNode.GPU });
    expect(inner(aw).spec.nprocPerNode).toEqual('gpu');
    for (const t of podTemplates(aw)) expect(t.spec.containers[0].env.map((e: any) => e.name)).toEqual(['gpus', 'workers']);
    expect(inner(synth(PYTORCH_TEST)).spec.nprocPerNode).toBeUndefined();
  });

  test('compatibility: no Helm labels; spec.suspend left to Kueue unless asked', () => {
    const aw = synth(PYTORCH_TEST);
    expect(aw.metadata.labels).toEqual({
      'app': 'appwrapperjob',
      'release': 'pytorch-test',
      'createdBy': 'AppWrapperJob',
      'workload.codeflare.dev/appwrapper': 'pytorch-test',
      'kueue.x-k8s.io/queue-name': 'default-queue',
    });
    expect(aw.spec).not.toHaveProperty('suspend');
    expect(synth({ ...PYTORCH_TEST, suspend: true }).spec.suspend).toBe(true);
  });

  test('compatibility: fault-tolerance annotations only on the AppWrapper, not on pods; pod templates carry no name', () => {
    for (const props of [PYTORCH_TEST, VC_TEST]) {
      const aw = synth(props);
      for (const key of FAULT_TOLERANCE_KEYS) expect(aw.metadata.annotations).toHaveProperty([key]);
      for (const t of podTemplates(aw)) {
        expect(Object.keys(t.metadata.annotations)).toEqual(['requestGPUsOfJobOwner']);
        expect(t.metadata).not.toHaveProperty('name');
      }
    }
  });
});

describe('AppWrapperJob', () => {
  test('defaultChild is the AppWrapper API object', () => {
    const chart = Testing.chart();
    const job = new AppWrapperJob(chart, 'job', PYTORCH_TEST);
    const child = Node.of(job).defaultChild as ApiObject;
    expect(child.kind).toEqual('AppWrapper');
    expect(child.apiVersion).toEqual('workload.codeflare.dev/v1beta2');
    expect(job.innerType).toEqual(InnerJobType.PYTORCH);
    expect(job.podCount).toEqual(2);
  });

  test('PyTorch: Master + (workers - 1) Workers, and pod sets that match what AppWrapper infers', () => {
    const aw = synth({ ...PYTORCH_TEST, workers: 4 });
    const replicaSpecs = inner(aw).spec.pytorchReplicaSpecs;
    expect(Object.keys(replicaSpecs)).toEqual(['Master', 'Worker']);
    expect([replicaSpecs.Master.replicas, replicaSpecs.Worker.replicas]).toEqual([1, 3]);
    expect(replicaSpecs.Master.template.spec.containers[0].name).toEqual('pytorch');
    expect(aw.spec.components[0].podSets).toEqual([
      { path: 'template.spec.pytorchReplicaSpecs.Master.template', replicas: 1 },
      { path: 'template.spec.pytorchReplicaSpecs.Worker.template', replicas: 3 },
    ]);
    expect(aw.metadata.annotations.requestGPUsOfJobOwner).toEqual('4');
    // One pod: a Master alone, no Worker spec and one pod set.
    const single = synth({ ...PYTORCH_TEST, workers: 1 });
    expect(Object.keys(inner(single).spec.pytorchReplicaSpecs)).toEqual(['Master']);
    expect(single.spec.components[0].podSets).toEqual([{ path: 'template.spec.pytorchReplicaSpecs.Master.template', replicas: 1 }]);
    expect(validateAll(single)).toEqual([]);
  });

  test('Volcano: declared pod set, svc plugin, rendezvous env from task name and port', () => {
    const aw = synth({ ...VC_TEST, metadata: { name: 'llm' }, replicas: 4, minAvailable: 3, taskName: 'trainer', masterPort: 29500, maxRetry: 2, partitions: { totalPartitions: 2, partitionSize: 2 } });
    expect(aw.spec.components[0].podSets).toEqual([{ path: 'template.spec.tasks[0].template', replicas: 4 }]);
    const job = inner(aw);
    expect(job.spec.plugins).toEqual({ svc: ['--publish-not-ready-addresses=true'] });
    expect(job.spec.minAvailable).toEqual(3);
    expect(job.spec.tasks[0]).toMatchObject({ name: 'trainer', replicas: 4, maxRetry: 2, partitionPolicy: { totalPartitions: 2, partitionSize: 2 } });
    expect(env(aw)).toMatchObject({ MASTER_ADDR: 'llm-trainer-0.llm', MASTER_PORT: '29500', NNODES: '4', WORLD_SIZE: '32', NPROC_PER_NODE: '8' });
    expect(validateAll(aw)).toEqual([]);
  });

  test('fault-tolerance settings become the AppWrapper annotations in Go duration syntax', () => {
    const annotations = synth({
      ...PYTORCH_TEST,
      retryLimit: 5,
      admissionGracePeriod: Duration.seconds(0),
      warmupGracePeriod: Duration.minutes(90),
      failureGracePeriod: Duration.seconds(30),
      retryPausePeriod: Duration.hours(24),
      successTtl: Duration.days(2),
      terminalExitCodes: [3, 10],
      retryableExitCodes: [137],
    }).metadata.annotations;
    expect(annotations).toMatchObject({
      'workload.codeflare.dev.appwrapper/retryLimit': '5',
      'workload.codeflare.dev.appwrapper/admissionGracePeriodDuration': '0s',
      'workload.codeflare.dev.appwrapper/warmupGracePeriodDuration': '90m',
      'workload.codeflare.dev.appwrapper/failureGracePeriodDuration': '30s',
      'workload.codeflare.dev.appwrapper/retryPausePeriodDuration': '24h',
      'workload.codeflare.dev.appwrapper/successTTLDuration': '48h',
      'workload.codeflare.dev.appwrapper/terminalExitCodes': '3,10',
      'workload.codeflare.dev.appwrapper/retryableExitCodes': '137',
    });
  });

  test('Kueue labels go on the AppWrapper only; user labels and annotations on the AppWrapper, the job and the pods', () => {
    const aw = synth({ ...PYTORCH_TEST, priorityClass: 'high', labels: { team: 'nlp' }, annotations: { 'example.com/owner': 'ada' } });
    expect(aw.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'default-queue', 'kueue.x-k8s.io/priority-class': 'high', 'team': 'nlp' });
    expect(aw.metadata.annotations['example.com/owner']).toEqual('ada');
    expect(inner(aw).metadata.labels.team).toEqual('nlp');
    for (const t of podTemplates(aw)) {
      expect(t.metadata.labels.team).toEqual('nlp');
      expect(t.metadata.labels).not.toHaveProperty(['kueue.x-k8s.io/queue-name']);
      expect(t.metadata.annotations['example.com/owner']).toEqual('ada');
    }
    expect(inner(aw).metadata.labels).not.toHaveProperty(['kueue.x-k8s.io/priority-class']);
  });

  test('pod options: resources, env, tolerations, node selector, pull policy, working dir, shared memory', () => {
    const aw = synth({
      ...VC_TEST,
      cpu: kplus.Cpu.units(16),
      memory: Size.gibibytes(128),
      env: { NCCL_DEBUG: 'INFO' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector: { 'node.kubernetes.io/instance-type': 'gpu-8x' },
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      workingDir: '/workspace',
      sharedMemory: Size.mebibytes(512),
    });
    const pod = podTemplates(aw)[0].spec;
    const c = pod.containers[0];
    expect(c.resources).toEqual({
      requests: { 'nvidia.com/gpu': '8', 'cpu': '16', 'memory': '128Gi' },
      limits: { 'nvidia.com/gpu': '8', 'cpu': '16', 'memory': '128Gi' },
    });
    expect(c.env[c.env.length - 1]).toEqual({ name: 'NCCL_DEBUG', value: 'INFO' });
    expect(c.imagePullPolicy).toEqual('IfNotPresent');
    expect(c.workingDir).toEqual('/workspace');
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'gpu-8x' });
    expect(pod.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '512Mi' } }]);
    expect(validateAll(aw)).toEqual([]);
    // No shared memory: no volume and no mount.
    const noShm = podTemplates(synth({ ...VC_TEST, sharedMemory: Size.mebibytes(0), gpusPerPod: 0 }))[0].spec;
    expect(noShm.volumes).toBeUndefined();
    expect(noShm.containers[0].volumeMounts).toBeUndefined();
    expect(noShm.containers[0].resources).toBeUndefined();
  });

  test('a KueueLocalQueue of the app can be the queue; one in another namespace is rejected at synth', () => {
    const chart = new Chart(Testing.app(), 'team-a', { namespace: 'team-a' });
    const clusterQueue = KueueClusterQueue.fromClusterQueueName('cluster-queue');
    const queue = new KueueLocalQueue(chart, 'queue', { metadata: { name: 'team-a-queue' }, clusterQueue });
    new AppWrapperJob(chart, 'job', { ...PYTORCH_TEST, queue });
    const aw = Testing.synth(chart).find((o) => o.kind === 'AppWrapper');
    expect(aw.metadata.labels['kueue.x-k8s.io/queue-name']).toEqual('team-a-queue');

    const other = new Chart(Testing.app(), 'team-b', { namespace: 'team-b' });
    new AppWrapperJob(other, 'job', { ...PYTORCH_TEST, queue });
    expect(() => Testing.synth(other)).toThrow('\'queue\' is LocalQueue \'team-a-queue\' in namespace \'team-a\', but the AppWrapper is in namespace \'team-b\': a LocalQueue takes workloads of its own namespace only; use a LocalQueue in \'team-b\'');
  });

  test('the wrapped job is validated against its own schema at synth', () => {
    const chart = Testing.chart();
    const job = new AppWrapperJob(chart, 'job', PYTORCH_TEST);
    job.apiObject.addJsonPatch(JsonPatch.add('/spec/components/0/template/spec/pytorchReplicaSpecs/Chief', { replicas: 1 }));
    expect(() => Testing.synth(chart)).toThrow('spec.components[0].template.spec.pytorchReplicaSpecs.Chief: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling');
  });

  test('addComponent wraps other objects, with declared pod sets', () => {
    const chart = Testing.chart();
    const job = new AppWrapperJob(chart, 'job', VC_TEST);
    job.addComponent({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hosts' }, data: { a: 'b' } });
    job.addComponent(
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'eval' }, spec: { template: { spec: { containers: [{ name: 'e', image: 'x' }], restartPolicy: 'Never' } } } },
      { podSets: [{ path: 'template.spec.template', replicas: 1 }], annotations: { note: 'eval' } },
    );
    const aw = Testing.synth(chart)[0];
    expect(aw.spec.components.map((c: any) => c.template.kind)).toEqual(['Job', 'ConfigMap', 'Job']);
    expect(aw.spec.components[2]).toMatchObject({ podSets: [{ path: 'template.spec.template', replicas: 1 }], annotations: { note: 'eval' } });
    expect(validateAll(aw)).toEqual([]);
  });

  test('AppWrapperVolcanoAccess grants the AppWrapper controller the Volcano Job verbs', () => {
    const chart = Testing.chart();
    new AppWrapperVolcanoAccess(chart, 'access', { grantToNamespaceEditors: true });
    const objects = Testing.synth(chart);
    const [role, editRole] = objects.filter((o) => o.kind === 'ClusterRole');
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    expect(role.metadata.name).toEqual('appwrapper-volcano-jobs');
    expect(role.rules).toEqual([{ apiGroups: ['batch.volcano.sh'], resources: ['jobs'], verbs }]);
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'appwrapper-volcano-jobs' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'appwrapper-controller-manager', namespace: 'appwrapper-system' }]);
    expect(editRole.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(editRole.rules).toEqual(role.rules);
    // Without the option: no role for users; a custom controller install.
    const other = Testing.chart();
    new AppWrapperVolcanoAccess(other, 'access', { controllerServiceAccount: 'codeflare-operator', controllerNamespace: 'opendatahub' });
    const objs = Testing.synth(other);
    expect(objs.filter((o) => o.kind === 'ClusterRole')).toHaveLength(1);
    expect(objs.find((o) => o.kind === 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'codeflare-operator', namespace: 'opendatahub' }]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new AppWrapperJob(chart, 'job', {
      ...VC_TEST,
      priorityClass: 'high',
      retryLimit: 0,
      successTtl: Duration.hours(12),
      terminalExitCodes: [3],
      cpu: kplus.Cpu.units(32),
      memory: Size.gibibytes(256),
    });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('AppWrapperJob bad props', () => {
  const at = (props: Partial<AppWrapperJobProps>) => () => new AppWrapperJob(Testing.chart(), 'job', { ...PYTORCH_TEST, ...props });
  const volcano = (props: Partial<AppWrapperJobProps>) => at({ innerType: InnerJobType.VOLCANO, workers: undefined, ...props });

  test.each<[string, () => void, string]>([
    ['empty image', at({ image: ' ' }), '\'image\' (" ") is empty: name the container image, e.g. \'python:3.12-slim\''],
    ['empty command', at({ command: [] }), '\'command\' is empty: give the command the pods run, e.g. [\'sh\', \'-c\', \'python train.py\']'],
    ['name not DNS-1035', at({ metadata: { name: '1-job' } }),
      '\'metadata.name\' (\'1-job\') must be a DNS-1035 label (lowercase letters, digits and \'-\', starting with a letter, ending with a letter or digit, at most 63 characters): it also names the wrapped job and its Service'],
    ['pod names too long', volcano({ metadata: { name: 'a'.repeat(55) }, taskName: 'trainer', replicas: 12 }),
      `'metadata.name' ('${'a'.repeat(55)}') is too long: pod '${'a'.repeat(55)}-trainer-11' would have 66 characters, but a pod's hostname (and its Service) is at most 63; shorten the name or 'taskName'`],
    ['minAvailable above replicas', volcano({ replicas: 4, minAvailable: 5 }), '\'minAvailable\' (5) must be <= \'replicas\' (4)'],
    ['partitions not covering replicas', volcano({ replicas: 4, partitions: { totalPartitions: 3, partitionSize: 2 } }),
      '\'partitions\' (3 x 2 = 6 pods) must cover \'replicas\' (4) exactly: totalPartitions * partitionSize == replicas'],
    ['partitions with PyTorch', at({ partitions: { totalPartitions: 1, partitionSize: 2 } }),
      '\'partitions\' is only for the Volcano inner type, but \'innerType\' is \'pytorch\': set innerType: InnerJobType.VOLCANO or remove \'partitions\''],
    ['network topology with PyTorch', at({ networkTopology: { mode: NetworkTopologyMode.SOFT } }),
      '\'networkTopology\' is only for the Volcano inner type, but \'innerType\' is \'pytorch\': set innerType: InnerJobType.VOLCANO or remove \'networkTopology\''],
    ['workers with Volcano', volcano({ workers: 4 }), '\'workers\' is only for the PyTorch inner type, but \'innerType\' is \'volcano\': set the pod count with \'replicas\''],
    ['zero workers', at({ workers: 0 }), '\'workers\' (0) must be an integer of at least 1: the number of pods, the Master included'],
    ['negative retry limit', at({ retryLimit: -1 }), '\'retryLimit\' (-1) must be an integer of at least 0: the AppWrapper\'s resets before it fails (0: no retries)'],
    ['grace period above 24h', at({ warmupGracePeriod: Duration.hours(25) }),
      '\'warmupGracePeriod\' (25h) is longer than 24 hours: the AppWrapper controller would silently clamp it to 24h (its gracePeriodCeiling); use at most Duration.hours(24)'],
    ['success TTL above 7 days', at({ successTtl: Duration.days(8) }),
      '\'successTtl\' (192h) is longer than 7 days: the AppWrapper controller would silently cap it at 7 days (its successTTLCeiling); use at most Duration.days(7)'],
    ['zero success TTL', at({ successTtl: Duration.seconds(0) }),
      '\'successTtl\' (0s) must be longer than 0: the AppWrapper controller would silently use its 7-day ceiling instead; leave successTtl unset for 7 days'],
    ['exit code 0', at({ terminalExitCodes: [0] }), '\'terminalExitCodes\' contains 0: exit codes are integers from 1 to 255 (0 is success)'],
    ['exit code both terminal and retryable', at({ terminalExitCodes: [3], retryableExitCodes: [3] }),
      '\'terminalExitCodes\' and \'retryableExitCodes\' both contain 3: an exit code is either terminal or retryable'],
    ['task name not a DNS label', volcano({ taskName: 'Worker' }),
      '\'taskName\' (\'Worker\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters'],
    ['master port out of range', volcano({ masterPort: 70000 }), '\'masterPort\' (70000) must be an integer from 1 to 65535'],
    ['bad queue name', at({ queue: 'Team A' }),
      '\'queue\' (\'Team A\') must be a LocalQueue name: a DNS-1123 subdomain of at most 63 characters (it is the value of a kueue.x-k8s.io label)'],
    ['queue label in labels', at({ labels: { 'kueue.x-k8s.io/queue-name': 'q' } }),
      '\'labels\' sets \'kueue.x-k8s.io/queue-name\': use the \'queue\' prop, which labels the AppWrapper only: Kueue must find the queue on the AppWrapper, not on the wrapped job or its pods'],
    ['fault-tolerance annotation in annotations', at({ annotations: { 'workload.codeflare.dev.appwrapper/retryLimit': '1' } }),
      '\'annotations\' sets \'workload.codeflare.dev.appwrapper/retryLimit\': \'annotations\' also go on every pod; use the props (retryLimit, admissionGracePeriod, ...) or put AppWrapper controller settings in \'metadata.annotations\''],
    ['fault-tolerance annotation in metadata', at({ metadata: { name: 'j', annotations: { 'workload.codeflare.dev.appwrapper/warmupGracePeriodDuration': '10m' } } }),
      '\'metadata.annotations\' sets \'workload.codeflare.dev.appwrapper/warmupGracePeriodDuration\', which the \'warmupGracePeriod\' prop renders: use \'warmupGracePeriod\''],
    ['rendezvous env overridden', volcano({ env: { MASTER_PORT: '1234' } }), '\'env\' sets \'MASTER_PORT\', which AppWrapperJob sets itself: remove it from \'env\' and set \'masterPort\''],
    ['toleration without key', at({ tolerations: [{ effect: 'NoSchedule' }] }),
      '\'tolerations[0]\' has no key, so its operator must be \'Exists\' (it then tolerates every taint); set a key or operator: \'Exists\''],
    ['nproc of 0', () => NprocPerNode.of(0), '\'nprocPerNode\' (0) must be an integer from 1 to 1024'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });

  test('addComponent: more than 8 pod sets, bad paths, nested AppWrappers and other namespaces are rejected', () => {
    const job = new AppWrapperJob(Testing.chart(), 'job', PYTORCH_TEST);
    const batchJob = { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    for (let i = 0; i < 6; i++) job.addComponent(batchJob);
    expect(() => job.addComponent(batchJob)).toThrow(
      '\'addComponent\' (components[7]) would give the AppWrapper 9 pod sets, but an AppWrapper has at most 8 (Kueue\'s limit per workload): split the work into several AppWrapperJobs',
    );
    const other = new AppWrapperJob(Testing.chart(), 'job', PYTORCH_TEST);
    expect(() => other.addComponent(batchJob, { podSets: [{ path: 'template.spec.containers' }] })).toThrow(
      '\'addComponent\' (components[1]) podSets[0].path \'template.spec.containers\' does not lead to a pod template in the Job: start at \'template\' and step with \'.field\' and \'[index]\', e.g. \'template.spec.template\'',
    );
    expect(() => other.addComponent({ apiVersion: 'workload.codeflare.dev/v1beta2', kind: 'AppWrapper' })).toThrow(
      '\'addComponent\' (components[1]): an AppWrapper cannot wrap another AppWrapper; add its components instead',
    );
    expect(() => other.addComponent({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'elsewhere' } })).toThrow(
      '\'addComponent\' (components[1]): the Service is in namespace \'elsewhere\', but the AppWrapper is in no explicit namespace: wrapped objects live in the AppWrapper\'s namespace; remove metadata.namespace',
    );
  });
});
