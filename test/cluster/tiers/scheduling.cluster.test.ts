/**
 * The `scheduling` tier: the real kube-scheduler binds pods to KWOK's fake GPU nodes, and KWOK
 * takes each pod through the life its annotations script (pod-script.ts), so a Job completes on
 * its own and a failing pod reports the exit code a test chose.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchV1Api, CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { podScript } from './pod-script';
import { FAKE_GPU_PRODUCT, GPU_PRODUCT_LABEL } from './scheduling-tier';
import { ensureTierBinaries, pinnedModules } from './tier-binaries';
import { useSchedulingTier } from './use-tier';
import { TestApi } from '../../controller/helpers';
import { freshNamespace, waitFor } from '../kube-helpers';

jest.setTimeout(120_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'gpu-a', gpus: 2 }] });

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

function pod(name: string, annotations: Record<string, string>, gpus = 0): V1Pod {
  return {
    metadata: { name, annotations },
    spec: {
      restartPolicy: 'Never',
      tolerations: [GPU_TOLERATION],
      containers: [{
        name: 'main',
        image: 'busybox',
        ...(gpus > 0 ? { resources: { requests: { 'nvidia.com/gpu': String(gpus) }, limits: { 'nvidia.com/gpu': String(gpus) } } } : {}),
      }],
    },
  };
}

async function waitForPod(ns: string, name: string, what: string, test: (p: V1Pod) => boolean): Promise<V1Pod> {
  const core = cluster().plane.kubeConfig.makeApiClient(CoreV1Api);
  return waitFor(`pod ${name} ${what}`, async () => {
    const p = await core.readNamespacedPod({ name, namespace: ns });
    return test(p) ? p : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

test('the pinned versions are the ones built, and each module is pinned once', async () => {
  const pins = pinnedModules();
  expect(pins.map((p) => p.name).sort()).toEqual(['appwrapper', 'kueue', 'kwok', 'training-operator']);
  for (const p of pins) expect(p.version).toMatch(/^v\d+\.\d+\.\d+$/);
  const built = await ensureTierBinaries('scheduling');
  const k8sVersion = fs.readFileSync(path.join(__dirname, '..', 'K8S_VERSION'), 'utf8').trim();
  expect(execFileSync(built.get('kube-scheduler')!.binary, ['--version'], { encoding: 'utf8' }).trim()).toBe(`Kubernetes ${k8sVersion}`);
  const kwokPin = pins.find((p) => p.name === 'kwok')!;
  expect(built.get('kwok')!.binary).toContain(`/kwok@${kwokPin.version}/`);
});

test('a new fake node is Ready, keeps its GPU capacity and loses the not-ready taint', async () => {
  const [node] = await cluster().scheduling.addNodes([{ name: 'gpu-b', gpus: 4, labels: { pool: 'b' } }]);
  expect(node.status?.capacity?.['nvidia.com/gpu']).toBe('4');
  expect(node.metadata?.labels?.[GPU_PRODUCT_LABEL]).toBe(FAKE_GPU_PRODUCT);
  expect(node.spec?.taints?.map((t) => `${t.key}=${t.value}:${t.effect}`)).toEqual(['nvidia.com/gpu=present:NoSchedule']);
});

test('a Job runs on a fake node through Running to Complete, as its pods are scripted', async () => {
  const kc = cluster().plane.kubeConfig;
  const ns = await freshNamespace(kc);
  // No exit code yet: the pods run until the test releases them, so both are seen Running first.
  await kc.makeApiClient(BatchV1Api).createNamespacedJob({
    namespace: ns,
    body: { metadata: { name: 'two' }, spec: { completions: 2, parallelism: 2, template: pod('', {}, 1) } },
  });
  const core = kc.makeApiClient(CoreV1Api);
  const running = await waitFor('both pods Running on a fake node', async () => {
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  expect(running.map((p) => p.spec?.nodeName)).toEqual([expect.stringMatching(/^gpu-/), expect.stringMatching(/^gpu-/)]);
  expect(running.every((p) => p.status?.podIP)).toBe(true);
  const api = new TestApi(kc);
  for (const p of running) await api.scriptPod(ns, p.metadata!.name!, { exitCode: 0 });
  const job = await waitFor('Job two Complete', async () => {
    const j = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'two', namespace: ns });
    return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  expect(job.status?.succeeded).toBe(2);
});

test('a pod fails with the exit code and reason its annotations give', async () => {
  const kc = cluster().plane.kubeConfig;
  const ns = await freshNamespace(kc);
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: pod('oom', podScript({ exitCode: 137, reason: 'OOMKilled' })) });
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: pod('bad', podScript({ exitCode: 3, runForMs: 300 })) });
  const oom = await waitForPod(ns, 'oom', 'Failed', (p) => p.status?.phase === 'Failed');
  expect(oom.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  const bad = await waitForPod(ns, 'bad', 'Failed', (p) => p.status?.phase === 'Failed');
  expect(bad.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
});

test('a pod without an exit code runs until deleted, and a deleted pod goes away', async () => {
  const kc = cluster().plane.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const ns = await freshNamespace(kc);
  await core.createNamespacedPod({ namespace: ns, body: pod('server', {}) });
  await waitForPod(ns, 'server', 'Running', (p) => p.status?.phase === 'Running');
  await core.deleteNamespacedPod({ name: 'server', namespace: ns });
  await waitFor('pod server gone', async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
    { timeoutMs: 60_000, intervalMs: 200 });
});

test('the scheduler honours GPU capacity: a pod asking for more GPUs than any node has stays Pending as Unschedulable', async () => {
  const kc = cluster().plane.kubeConfig;
  const ns = await freshNamespace(kc);
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: pod('greedy', {}, 64) });
  const p = await waitForPod(ns, 'greedy', 'Unschedulable', (x) =>
    x.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable') === true);
  expect(p.spec?.nodeName).toBeUndefined();
  expect(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toMatch(/Insufficient nvidia\.com\/gpu/);
});
