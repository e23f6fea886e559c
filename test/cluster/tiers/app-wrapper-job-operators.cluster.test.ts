/**
 * AppWrapperJob output run by the operators it is written for: Kueue (v1beta2) admits the
 * AppWrapper into the app's own ClusterQueue, the CodeFlare AppWrapper controller (as its upstream
 * ServiceAccount) creates the PyTorchJob, the Kubeflow training-operator makes the pods, the real
 * kube-scheduler binds them to KWOK GPU nodes, and the pods exit as scripted: the AppWrapper ends
 * Succeeded. Their admission webhooks are on, so "accepted" means what it means in a cluster.
 *
 * Volcano does not build here (its module versions are refused by the Go module proxy, see
 * tiers/README.md): the Volcano variant is proven up to the AppWrapper controller creating the
 * Volcano Job (its CRD from our schemas), which is what `AppWrapperVolcanoAccess` grants.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi, PatchStrategy, V1Pod } from '@kubernetes/client-node';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { scriptAppWrapperPods } from './app-wrapper-scripts';
import { APPWRAPPER_NAMESPACE, APPWRAPPER_SERVICE_ACCOUNT } from './operators-tier';
import { PodScript } from './pod-script';
import { GPU_PRODUCT_LABEL } from './scheduling-tier';
import { ensureTierBinaries, pinnedModules } from './tier-binaries';
import { useOperatorsTier } from './use-tier';
import { cdk8sSynth } from '../../../projenrc/examples';
import {
  AppWrapperJob, AppWrapperJobProps, CleanPodPolicy, InnerJobType, NetworkTopologyMode, NprocPerNode,
} from '../../../src';
import { crdManifestOf } from '../../../src/api';
import { VOLCANO_JOB } from '../../../src/api/upstream/volcano-job';
import { runKubejobs } from '../../cli/cli-process';
import { isAllowed } from '../access-review';
import { constructCharts } from '../construct-charts';
import { applyManifests, describeError, waitFor } from '../kube-helpers';
import { getJson, serviceAccountUser } from '../kube-requests';

jest.setTimeout(240_000);

const cluster = useOperatorsTier({ nodes: [{ name: 'gpu-0', gpus: 8 }, { name: 'gpu-1', gpus: 8 }] });
const TEAM = 'team-a';
const CONTROLLER = serviceAccountUser(APPWRAPPER_NAMESPACE, APPWRAPPER_SERVICE_ACCOUNT);
/** The master finishes first: what made the old `cleanPodPolicy: Running` default reset a finished job. */
const MASTER_FIRST = (podSetPath: string): PodScript =>
  ({ exitCode: 0, runForMs: podSetPath.includes('.Master.') ? 500 : 3000 });

let exampleObjects: Record<string, any>[] = [];

beforeAll(async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-aw-example-'));
  try {
    cdk8sSynth(path.join(__dirname, '..', '..', '..', 'examples', 'app-wrapper-job'), outdir);
    exampleObjects = fs.readdirSync(outdir).sort().flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS()));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  await applyManifests(kc(), [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEAM } },
    // No Volcano here: its Job CRD from our schemas, so the AppWrapper controller can create one.
    crdManifestOf(VOLCANO_JOB) as KubernetesObject,
  ]);
}, 180_000);

function kc(): KubeConfig {
  return cluster().plane.kubeConfig;
}

async function appWrapper(namespace: string, name: string): Promise<Record<string, any>> {
  return await getJson(kc(), `/apis/workload.codeflare.dev/v1beta2/namespaces/${namespace}/appwrappers/${name}`) as Record<string, any>;
}

async function waitForPhase(namespace: string, name: string, phase: string, timeoutMs = 150_000): Promise<Record<string, any>> {
  let last: Record<string, any> | undefined;
  try {
    return await waitFor(`AppWrapper ${namespace}/${name} ${phase}`, async () => {
      last = await appWrapper(namespace, name);
      return last.status?.phase === phase ? last : undefined;
    }, { timeoutMs, intervalMs: 500 });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
  }
}

async function pods(namespace: string, appWrapperName: string): Promise<V1Pod[]> {
  return (await kc().makeApiClient(CoreV1Api).listNamespacedPod({
    namespace, labelSelector: `workload.codeflare.dev/appwrapper=${appWrapperName}`,
  })).items;
}

async function deleteAppWrapper(namespace: string, name: string): Promise<void> {
  await KubernetesObjectApi.makeApiClient(kc()).delete({
    apiVersion: 'workload.codeflare.dev/v1beta2', kind: 'AppWrapper', metadata: { name, namespace },
  });
  await waitFor(`AppWrapper ${namespace}/${name} gone`, async () => {
    try {
      await appWrapper(namespace, name);
      return false;
    } catch {
      return true;
    }
  }, { timeoutMs: 60_000, intervalMs: 500 });
}

/**
 * The example's platform objects (Namespace 'team-a', ResourceFlavor, ClusterQueue 'team-a', the AppWrapper
 * controller's Volcano access) and its LocalQueue 'team-a-queue', server-side applied: each test
 * that queues an AppWrapper applies them itself, so it runs alone as well as after the others.
 */
async function applyExampleQueue(): Promise<void> {
  const platform = exampleObjects.filter((o) => !o.metadata.namespace);
  expect(platform.map((o) => o.kind).sort()).toEqual(['ClusterQueue', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'ResourceFlavor']);
  await applyManifests(kc(), [...platform, ...exampleObjects.filter((o) => o.kind === 'LocalQueue')]);
}

function synthAppWrapper(props: AppWrapperJobProps, namespace = TEAM): Record<string, any> {
  const chart = new Chart(Testing.app(), 'chart', { namespace });
  new AppWrapperJob(chart, 'job', props);
  const [aw] = Testing.synth(chart);
  return aw;
}

test('drift check: the AppWrapper controller and training-operator run at the versions Kueue is built against', async () => {
  const built = await ensureTierBinaries('operators');
  const kueueGoMod = fs.readFileSync(path.join(built.get('kueue')!.manifestsDir, 'go.mod'), 'utf8');
  for (const name of ['appwrapper', 'training-operator']) {
    const pin = pinnedModules().find((p) => p.name === name)!;
    expect({ name, required: new RegExp(`^\\s*${pin.module.replace(/[.]/g, '\\.')} (v\\S+)`, 'm').exec(kueueGoMod)?.[1] })
      .toEqual({ name, required: pin.version });
    expect(built.get(name)!.binary).toContain(`/${name}@${pin.version}/`);
  }
});

test('without AppWrapperVolcanoAccess the controller\'s upstream ServiceAccount may not create Volcano Jobs', async () => {
  expect(await isAllowed(kc(), CONTROLLER, { verb: 'create', group: 'batch.volcano.sh', resource: 'jobs', namespace: TEAM })).toBe(false);
  expect(await isAllowed(kc(), CONTROLLER, { verb: 'create', group: 'kubeflow.org', resource: 'pytorchjobs', namespace: TEAM })).toBe(true);
});

test('examples/app-wrapper-job: the PyTorch AppWrapper runs to Succeeded in the app\'s own Kueue queue, master first', async () => {
  await applyExampleQueue();
  const finetune = exampleObjects.find((o) => o.kind === 'AppWrapper' && o.metadata.name === 'bert-finetune')!;
  expect(finetune.spec.components[0].template.spec.runPolicy.cleanPodPolicy).toBe('None');
  await applyManifests(kc(), [scriptAppWrapperPods(finetune, MASTER_FIRST)]);

  const done = await waitForPhase(TEAM, 'bert-finetune', 'Succeeded');
  // Queued by Kueue (the mutating webhooks suspended it on creation), admitted in the example's
  // queue, and finished there (the quota is released: QuotaReserved is False again by now).
  expect(done.status.conditions.find((c: any) => c.type === 'QuotaReserved')).toBeDefined();
  const workload = await waitFor('the Kueue Workload of bert-finetune Finished', async () => {
    const list = await getJson(kc(), `/apis/kueue.x-k8s.io/v1beta2/namespaces/${TEAM}/workloads`) as { items: Record<string, any>[] };
    const w = list.items.find((x) => x.metadata.ownerReferences?.some((o: any) => o.kind === 'AppWrapper' && o.name === 'bert-finetune'));
    return w?.status?.conditions?.some((c: any) => c.type === 'Finished' && c.status === 'True') ? w : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  expect(workload.spec.queueName).toBe('team-a-queue');
  expect(workload.status.conditions.find((c: any) => c.type === 'Finished')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  const ran = await pods(TEAM, 'bert-finetune');
  expect(ran.map((p) => p.metadata?.name).sort())
    .toEqual(['bert-finetune-master-0', 'bert-finetune-worker-0', 'bert-finetune-worker-1', 'bert-finetune-worker-2']);
  for (const p of ran) {
    expect({ pod: p.metadata?.name, phase: p.status?.phase, node: p.spec?.nodeName?.startsWith('gpu-') })
      .toEqual({ pod: p.metadata?.name, phase: 'Succeeded', node: true });
    // The ResourceFlavor's node labels, injected by Kueue on admission.
    expect(p.spec?.nodeSelector?.[GPU_PRODUCT_LABEL]).toBeDefined();
  }
  // AppWrapper v1.2.0 counts resets in status.resettingCount (Go field Retries); omitted while 0.
  expect(done.status.resettingCount ?? 0).toBe(0);
});

test('examples/app-wrapper-job: AppWrapperVolcanoAccess lets the controller create the wrapped Volcano Job', async () => {
  await applyExampleQueue();
  expect(await isAllowed(kc(), CONTROLLER, { verb: 'create', group: 'batch.volcano.sh', resource: 'jobs', namespace: TEAM })).toBe(true);
  const pretrain = exampleObjects.find((o) => o.kind === 'AppWrapper' && o.metadata.name === 'llm-pretrain')!;
  await applyManifests(kc(), [pretrain]);
  const job = await waitFor('Volcano Job llm-pretrain created by the AppWrapper controller', async () =>
    await getJson(kc(), `/apis/batch.volcano.sh/v1alpha1/namespaces/${TEAM}/jobs/llm-pretrain`) as Record<string, any>,
  { timeoutMs: 90_000, intervalMs: 500 });
  expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'AppWrapper', name: 'llm-pretrain' });
  expect(job.spec.tasks[0].replicas).toBe(4);
  // Nothing runs Volcano Jobs here: free the quota for the next tests.
  await deleteAppWrapper(TEAM, 'llm-pretrain');
});

test('the construct test chart\'s AppWrappers: the PyTorchJob one Succeeded, the Volcano one creates its Job', async () => {
  const chart = constructCharts().charts.find((c) => c.name.startsWith('AppWrapperJob:'))!;
  await applyManifests(kc(), [
    { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'WorkloadPriorityClass', metadata: { name: 'high' }, value: 1000 } as KubernetesObject,
  ]);
  const objects = chart.objects.map((o) => (o.kind === 'AppWrapper' ? scriptAppWrapperPods(o, MASTER_FIRST) : o));
  // The chart's LocalQueue is the example's ('team-a-queue' in ClusterQueue 'team-a').
  await applyExampleQueue();
  await applyManifests(kc(), objects.filter((o) => o.kind === 'AppWrapper'), { namespace: TEAM });
  await waitForPhase(TEAM, 'pytorch-test', 'Succeeded');
  expect((await pods(TEAM, 'pytorch-test')).map((p) => p.status?.phase)).toEqual(['Succeeded', 'Succeeded']);
  await waitFor('Volcano Job vc-test created', async () =>
    getJson(kc(), `/apis/batch.volcano.sh/v1alpha1/namespaces/${TEAM}/jobs/vc-test`), { timeoutMs: 90_000, intervalMs: 500 });
  await deleteAppWrapper(TEAM, 'vc-test');
});

test('an explicit cleanPodPolicy Running still deletes the workers when the master finishes first (why it is no longer the default)', async () => {
  const aw = synthAppWrapper({
    metadata: { name: 'clean-running' },
    image: 'busybox',
    command: ['true'],
    workers: 2,
    gpusPerPod: 1,
    queue: 'team-a-queue',
    cleanPodPolicy: CleanPodPolicy.RUNNING,
    // Shorter than the 1 min default, so the reset this test documents comes soon after the worker
    // is gone; long enough that the time before the training-operator creates the pods never
    // counts as too few pods.
    admissionGracePeriod: Duration.seconds(20),
  });
  await applyExampleQueue();
  // The worker would run for a minute: the training-operator deletes it when the master succeeds.
  await applyManifests(kc(), [scriptAppWrapperPods(aw, (p) => ({ exitCode: 0, runForMs: p.includes('.Master.') ? 500 : 60_000 }))]);
  const core = kc().makeApiClient(CoreV1Api);
  await waitFor('worker Running', async () => (await core.readNamespacedPod({ name: 'clean-running-worker-0', namespace: TEAM })).status?.phase === 'Running',
    { timeoutMs: 90_000, intervalMs: 300 });
  await waitFor('worker deleted by the training-operator after the master Succeeded', async () => {
    try {
      const w = await core.readNamespacedPod({ name: 'clean-running-worker-0', namespace: TEAM });
      return w.metadata?.deletionTimestamp !== undefined;
    } catch {
      return true;
    }
  }, { timeoutMs: 60_000, intervalMs: 300 });
  // AppWrapper v1.2.0 counts 1 of 2 pods (the deleted worker is gone): after admissionGracePeriod
  // it marks itself Unhealthy (InsufficientPodsReady) and resets, undoing the finished training.
  let last: Record<string, any> | undefined;
  const reset = await waitFor('AppWrapper clean-running reset (status.resettingCount >= 1)', async () => {
    last = (await appWrapper(TEAM, 'clean-running')).status;
    return (last?.resettingCount ?? 0) >= 1 ? last : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last)}`);
  });
  expect(reset.phase).not.toBe('Succeeded');
  await waitFor('event Unhealthy: InsufficientPodsReady on clean-running', async () => {
    const events = await getJson(kc(), `/api/v1/namespaces/${TEAM}/events?fieldSelector=involvedObject.name%3Dclean-running`) as { items: Record<string, any>[] };
    return events.items.some((e) => e.reason === 'Unhealthy' && String(e.message).startsWith('InsufficientPodsReady:'));
  }, { timeoutMs: 30_000, intervalMs: 500 });
  await deleteAppWrapper(TEAM, 'clean-running');
});

/** AppWrapperJob props covering every option the construct renders differently. */
const VARIANTS: [string, AppWrapperJobProps][] = [
  ['PyTorch defaults', { image: 'busybox', command: ['true'] }],
  ['PyTorch, 4 workers with GPUs, CPU, memory, nprocPerNode, every fault-tolerance setting', {
    image: 'busybox',
    command: ['sh', '-c', 'torchrun train.py'],
    workers: 4,
    gpusPerPod: 2,
    cpu: kplus.Cpu.units(4),
    memory: Size.gibibytes(16),
    nprocPerNode: NprocPerNode.GPU,
    queue: 'team-a-queue',
    priorityClass: 'high',
    retryLimit: 0,
    admissionGracePeriod: Duration.minutes(2),
    warmupGracePeriod: Duration.minutes(10),
    failureGracePeriod: Duration.seconds(30),
    retryPausePeriod: Duration.minutes(3),
    successTtl: Duration.hours(1),
    terminalExitCodes: [3, 4],
    retryableExitCodes: [1],
  }],
  ['PyTorch, cleanPodPolicy All, no shared memory, scheduler, tolerations, nodeSelector, labels, annotations, env, suspend', {
    image: 'busybox',
    command: ['true'],
    workers: 2,
    cleanPodPolicy: CleanPodPolicy.ALL,
    sharedMemory: Size.mebibytes(0),
    schedulerName: 'default-scheduler',
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    nodeSelector: { [GPU_PRODUCT_LABEL]: 'NVIDIA-A100-SXM4-80GB' },
    labels: { team: 'a' },
    annotations: { note: 'x' },
    env: { EPOCHS: '3' },
    suspend: true,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    workingDir: '/work',
    nprocPerNode: NprocPerNode.of(2),
  }],
  ['Volcano defaults', { image: 'busybox', command: ['true'], innerType: InnerJobType.VOLCANO }],
  ['Volcano, partitions, network topology, minAvailable, task name, port, retries', {
    image: 'busybox',
    command: ['true'],
    innerType: InnerJobType.VOLCANO,
    replicas: 4,
    minAvailable: 2,
    taskName: 'trainer',
    masterPort: 29500,
    maxRetry: 3,
    gpusPerPod: 8,
    nprocPerNode: NprocPerNode.of(8),
    networkTopology: { mode: NetworkTopologyMode.HARD, highestTierAllowed: 1 },
    partitions: { totalPartitions: 2, partitionSize: 2 },
    queue: 'team-a-queue',
  }],
];

describe('the AppWrapper webhooks accept every AppWrapper the construct emits', () => {
  test.each(VARIANTS)('%s', async (_name, props) => {
    const aw = synthAppWrapper({ metadata: { name: 'variant' }, ...props });
    const client = KubernetesObjectApi.makeApiClient(kc());
    // dryRun: the mutating and validating webhooks run (they declare no side effects), nothing is stored.
    const stored = await client.create(aw as KubernetesObject, undefined, 'All').catch((err: unknown) => {
      throw new Error(`rejected: ${describeError(err)}`);
    });
    // The mutating webhook ran: it records who created the AppWrapper.
    expect((stored.metadata?.labels ?? {})['workload.codeflare.dev/user']).toBeDefined();
  });

  test('with a wrapped Service and a ConfigMap next to the job', async () => {
    const chart = new Chart(Testing.app(), 'chart', { namespace: TEAM });
    const job = new AppWrapperJob(chart, 'job', { metadata: { name: 'with-extras' }, image: 'busybox', command: ['true'], workers: 2 });
    job.addComponent({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'with-extras-svc' }, spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80 }] } });
    job.addComponent({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'with-extras-cfg' }, data: { a: 'b' } });
    job.addComponent({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'with-extras-prep' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    const [aw] = Testing.synth(chart);
    await expect(KubernetesObjectApi.makeApiClient(kc()).create(aw as KubernetesObject, undefined, 'All')).resolves.toBeDefined();
  });

  test('and the validating webhook does check: a pod set path into nothing is denied', async () => {
    const aw = synthAppWrapper({ metadata: { name: 'broken' }, image: 'busybox', command: ['true'], workers: 2 });
    aw.spec.components[0].podSets[1].path = 'template.spec.pytorchReplicaSpecs.Wrker.template';
    const err = await KubernetesObjectApi.makeApiClient(kc()).create(aw as KubernetesObject, undefined, 'All').then(() => undefined, (e: unknown) => e);
    expect(describeError(err)).toMatch(/vappwrapper\.kb\.io.*Wrker|Wrker.*vappwrapper\.kb\.io|denied the request.*Wrker/s);
  });
});

test('from a terminal: the seed\'s quick-start `submit appwrapperjob` runs to Succeeded; list, get, logs, wait and delete read it', async () => {
  await applyExampleQueue();
  const kubejobs = (...args: string[]) => runKubejobs(cluster().plane.kubeconfigPath, ...args);
  await cluster().scheduling.setPodLog(TEAM, 'quickstart-pt-master-0', ['rank 0: epoch 1 done']);
  // The seed's quick-start command (its queue is this cluster's LocalQueue; its name 'pytorch-test' is
  // taken in this namespace by the construct chart's AppWrapper). The pods run until the
  // test ends them, worker first, once both were seen Running.
  const submitted = await kubejobs('submit', 'appwrapperjob', '--name', 'quickstart-pt', '--image', 'pytorch/pytorch:latest', '--gpus', '1',
    '--workers', '2', '--kueue-queue', 'team-a-queue', '--namespace', TEAM, 'python train.py');
  expect(submitted).toEqual({ code: 0, stdout: 'appwrapper.workload.codeflare.dev/quickstart-pt created\n', stderr: '' });
  await waitFor('both pods Running', async () => {
    const ran = await pods(TEAM, 'quickstart-pt');
    return ran.length === 2 && ran.every((p) => p.status?.phase === 'Running');
  }, { timeoutMs: 150_000, intervalMs: 500 });
  // Running once the AppWrapper controller says its pods are ready (PodsReady), not when its phase first reads Running.
  expect(await kubejobs('wait', 'quickstart-pt', '--namespace', TEAM, '--for', 'running', '--timeout', '2m'))
    .toEqual({ code: 0, stdout: 'appwrapperjob/quickstart-pt running\n', stderr: '' });
  const listed = await kubejobs('list', '--namespace', TEAM, '--type', 'appwrapperjob');
  expect(listed.stdout).toMatch(/^NAME +TYPE +STATUS +PODS +GPUS +AGE\n(.*\n)*quickstart-pt +appwrapperjob +RUNNING +2\/2 +2 +\d+s\n/);
  const exit = (pod: string) => KubernetesObjectApi.makeApiClient(kc()).patch(
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: TEAM, annotations: { 'kwok.kubejobs.test/exit-code': '0' } } } as KubernetesObject,
    undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
  await exit('quickstart-pt-worker-0');
  await waitFor('the worker Succeeded', async () => (await pods(TEAM, 'quickstart-pt')).some((p) => p.metadata?.name === 'quickstart-pt-worker-0' && p.status?.phase === 'Succeeded'),
    { timeoutMs: 60_000, intervalMs: 500 });
  await exit('quickstart-pt-master-0');

  expect(await kubejobs('wait', 'quickstart-pt', '--namespace', TEAM, '--for', 'complete', '--timeout', '3m'))
    .toEqual({ code: 0, stdout: 'appwrapperjob/quickstart-pt complete\n', stderr: '' });
  const shown = await kubejobs('get', 'quickstart-pt', '--namespace', TEAM);
  expect(shown.stdout).toMatch(/^NAME +TYPE +STATUS +PODS +GPUS +AGE\nquickstart-pt +appwrapperjob +SUCCEEDED +2\/2 +2 +\d+s\n/);
  expect(shown.stdout).toMatch(/\nPods:\n {2}NAME +STATUS +NODE +AGE\n {2}quickstart-pt-master-0 +Succeeded +gpu-\d +\d+s\n {2}quickstart-pt-worker-0 +Succeeded +gpu-\d +\d+s\n/);
  expect(await kubejobs('logs', 'quickstart-pt', '--namespace', TEAM)).toEqual({ code: 0, stdout: 'rank 0: epoch 1 done\n', stderr: '' });

  expect(await kubejobs('delete', 'quickstart-pt', '--namespace', TEAM)).toEqual({ code: 0, stdout: 'appwrapperjob/quickstart-pt deleted\n', stderr: '' });
  expect(await pods(TEAM, 'quickstart-pt')).toEqual([]);
});
