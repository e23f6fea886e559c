/**
 * ArenaJob runs whose worker pods really live: the kube-controller-manager Job controller creates
 * the pods of the Indexed worker Job, kube-scheduler binds them to a KWOK node, and KWOK ends each
 * one as the test scripts it (the `scheduling` tier). Pods are released one at a time after the
 * state before was observed, so progress is seen moving, never timed.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ArenaApi, conditionOf, pack } from './arena-helpers';
import { TestApi, TestPod } from './helpers';
import { useController } from './use-controller';
import type { ArenaJob, ArenaConfig } from '../../imports/omnia.altairalabs.ai';
import { ensureBinaries } from '../cluster/control-plane';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(180_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const running = useController(() => cluster().plane);
let api: TestApi;
let arena: ArenaApi;
beforeAll(() => {
  api = running().api;
  arena = new ArenaApi(api.client);
});

const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

async function chain(ns: string, scenarios: string[], maxRetries?: number): Promise<void> {
  await arena.configMap(ns, 'bundle', { 'pack.json': pack(scenarios) });
  await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
  await arena.provider(ns, 'mock', { type: 'mock' });
  await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }], ...(maxRetries !== undefined ? { evaluation: { maxRetries } } : {}) });
  await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Ready', (c) => c.status?.phase === 'Ready');
}

async function workerPods(ns: string, job: string): Promise<TestPod[]> {
  return (await api.client.list<TestPod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: `omnia.altairalabs.ai/job=${job}` })).items;
}

/** Running worker pods nobody has scripted to exit yet. */
async function unreleased(ns: string, job: string): Promise<TestPod[]> {
  return (await workerPods(ns, job)).filter((p) => p.status?.phase === 'Running' && !p.metadata?.annotations?.['kwok.kubejobs.test/exit-code'] && !p.metadata?.deletionTimestamp);
}

async function release(ns: string, pod: TestPod, exitCode: number): Promise<void> {
  await api.scriptPod(ns, pod.metadata!.name!, { exitCode });
}

function kubectlWait(ns: string, job: string, condition: string): Promise<{ code: number; out: string }> {
  return ensureBinaries().then((binDir) => new Promise((resolve) => {
    const child = spawn(join(binDir, 'kubectl'), ['wait', `--for=condition=${condition}`, `arenajob/${job}`, '-n', ns, '--timeout=120s'], {
      env: { ...process.env, KUBECONFIG: cluster().plane.kubeconfigPath },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  }));
}

test('seed workflow: Pending -> Running with progress moving one item at a time -> Succeeded; kubectl wait --for=condition=Complete returns', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  // The job first: it waits Pending for its config.
  await arena.job(ns, 'eval', { configRef: { name: 'cfg' }, workers: { replicas: 1 }, output: { type: 's3', s3: { bucket: 'arena-results', prefix: 'evals/' } } });
  await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Pending', (j) => j.status?.phase === 'Pending');
  const waiting = kubectlWait(ns, 'eval', 'Complete');
  await chain(ns, ['scenarios/a.yaml', 'scenarios/b.yaml', 'scenarios/c.yaml']);
  await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Running', (j) => j.status?.phase === 'Running');
  const seen: string[] = [];
  for (let done = 1; done <= 3; done++) {
    const [pod] = await waitFor(`a running worker pod (item ${done})`, async () => {
      const pods = await unreleased(ns, 'eval');
      return pods.length > 0 ? pods : undefined;
    }, { timeoutMs: 60_000 });
    // One worker (replicas 1): one item at a time.
    expect((await unreleased(ns, 'eval')).length).toBe(1);
    const job = await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'one active worker', (j) => j.status?.activeWorkers === 1);
    seen.push(job.status!.progressSummary!);
    await release(ns, pod!, 0);
    if (done < 3) {
      const moved = await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', `${done}/3`, (j) => j.status?.progress?.completed === done, { timeoutMs: 60_000 });
      expect(moved.status).toMatchObject({ phase: 'Running', progress: { total: 3, completed: done, failed: 0, pending: 3 - done } });
    }
  }
  expect(seen).toEqual(['0/3', '1/3', '2/3']);
  const done = await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  expect(done.status).toMatchObject({ progress: { total: 3, completed: 3, failed: 0, pending: 0 }, progressSummary: '3/3', activeWorkers: 0, result: { url: 's3://arena-results/evals/eval/' } });
  expect(done.status?.completionTime).toBeDefined();
  expect(conditionOf(done, 'Complete')).toMatchObject({ status: 'True', reason: 'JobSucceeded' });
  expect(conditionOf(done, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  const waited = await waiting;
  expect(waited).toEqual({ code: 0, out: expect.stringContaining('arenajob.omnia.altairalabs.ai/eval condition met') });
  await arena.waitForEvent(ns, 'eval', 'JobSucceeded');
});

test('a failed item is retried alone (per-index retries from evaluation.maxRetries) and counted once; the run ends Failed', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  await chain(ns, ['good.yaml', 'bad.yaml'], 1);
  await arena.job(ns, 'flaky', { configRef: { name: 'cfg' }, workers: { replicas: 2 } });
  // Items are sorted: index 0 = bad.yaml, index 1 = good.yaml.
  const attempts = new Map<string, number>();
  await waitFor('the run to finish', async () => {
    for (const pod of await unreleased(ns, 'flaky')) {
      const index = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? '';
      attempts.set(index, (attempts.get(index) ?? 0) + 1);
      await release(ns, pod, index === '0' ? 1 : 0);
    }
    const j = await arena.get<ArenaJob>('arenajobs', ns, 'flaky');
    return j.status?.phase === 'Failed' ? j : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200 });
  const failed = await arena.get<ArenaJob>('arenajobs', ns, 'flaky');
  // bad.yaml ran twice (1 retry), good.yaml once; each counted once.
  expect(Object.fromEntries(attempts)).toEqual({ 0: 2, 1: 1 });
  expect(failed.status?.progress).toEqual({ total: 2, completed: 1, failed: 1, pending: 0 });
  expect(conditionOf(failed, 'Failed')).toMatchObject({ status: 'True', reason: 'JobFailed' });
  expect(conditionOf(failed, 'Failed')?.message).toMatch(/^Worker job failed: FailedIndexes: .* \(1 of 2 work items failed\)$/);
  expect(conditionOf(failed, 'Complete')).toMatchObject({ status: 'False' });
});

test('workers scale: parallelism follows the pending work between minReplicas and maxReplicas, activeWorkers reported', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  await chain(ns, ['1.yaml', '2.yaml', '3.yaml', '4.yaml']);
  await arena.job(ns, 'scaled', { configRef: { name: 'cfg' }, workers: { minReplicas: 1, maxReplicas: 2 } });
  const two = await arena.waitFor<ArenaJob>('arenajobs', ns, 'scaled', 'two active workers', (j) => j.status?.activeWorkers === 2, { timeoutMs: 60_000 });
  expect(two.status?.progress).toMatchObject({ total: 4, pending: 4 });
  expect((await arena.workerJob(ns, 'scaled'))?.spec.parallelism).toBe(2);
  // Finish items until one is left: the pool shrinks to 1.
  for (let done = 1; done <= 3; done++) {
    const [pod] = await waitFor(`a running worker pod (item ${done})`, async () => {
      const pods = await unreleased(ns, 'scaled');
      return pods.length > 0 ? pods : undefined;
    }, { timeoutMs: 60_000 });
    await release(ns, pod!, 0);
    await arena.waitFor<ArenaJob>('arenajobs', ns, 'scaled', `${done} completed`, (j) => (j.status?.progress?.completed ?? 0) >= done, { timeoutMs: 60_000 });
  }
  await waitFor('parallelism 1', async () => (await arena.workerJob(ns, 'scaled'))?.spec.parallelism === 1, { timeoutMs: 60_000 });
  await arena.waitForEvent(ns, 'scaled', 'WorkersScaled');
  const [last] = await waitFor('the last worker pod', async () => {
    const pods = await unreleased(ns, 'scaled');
    return pods.length > 0 ? pods : undefined;
  }, { timeoutMs: 60_000 });
  await release(ns, last!, 0);
  const done = await arena.waitFor<ArenaJob>('arenajobs', ns, 'scaled', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  expect(done.status?.progress).toEqual({ total: 4, completed: 4, failed: 0, pending: 0 });
});
