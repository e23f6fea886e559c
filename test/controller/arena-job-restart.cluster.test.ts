/**
 * A controller SIGKILLed in the middle of an ArenaJob run (issue 12, item 6): the replacement
 * finds the worker Job it did not create, never creates a second one, and the run's progress never
 * goes backwards. Worker pods live on the scheduling tier and are released one at a time.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { ArenaApi, pack, TestBatchJob } from './arena-helpers';
import { ControllerProcess } from './controller-process';
import { TestApi, TestPod } from './helpers';
import type { ArenaConfig, ArenaJob } from '../../imports/omnia.altairalabs.ai';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(240_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const controllers: ControllerProcess[] = [];
afterAll(async () => {
  for (const c of controllers) if (!c.hasExited) await c.stop();
});

test('SIGKILL mid-run: no second worker Job, progress never backwards, the run still succeeds', async () => {
  const kc = cluster().plane.kubeConfig;
  await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
  const api = new TestApi(kc);
  const arena = new ArenaApi(api.client);
  const ns = await freshNamespace(kc);
  const start = async () => {
    const c = await ControllerProcess.start(cluster().plane, { logLevel: 'info' });
    controllers.push(c);
    await c.waitReady();
    return c;
  };
  const first = await start();

  await arena.configMap(ns, 'bundle', { 'pack.json': pack(['1.yaml', '2.yaml', '3.yaml', '4.yaml']) });
  await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
  await arena.provider(ns, 'mock', { type: 'mock' });
  await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }] });
  await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Ready', (c) => c.status?.phase === 'Ready');
  await arena.job(ns, 'eval', { configRef: { name: 'cfg' }, workers: { replicas: 1 } });
  await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Running', (j) => j.status?.phase === 'Running');
  const worker = (await arena.workerJob(ns, 'eval'))!;

  // Every progress the status shows, in order.
  const seen: number[] = [];
  let watching = true;
  const recorder = (async () => {
    while (watching) {
      const j = await api.client.get<ArenaJob>(arena.path('arenajobs', ns, 'eval')).catch(() => undefined);
      const c = j?.status?.progress?.completed;
      if (c !== undefined && seen[seen.length - 1] !== c) seen.push(c);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const releaseNext = async (what: string) => {
    const [pod] = await waitFor(`a running worker pod (${what})`, async () => {
      const pods = (await api.client.list<TestPod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'omnia.altairalabs.ai/job=eval' })).items
        .filter((p) => p.status?.phase === 'Running' && !p.metadata?.annotations?.['kwok.kubejobs.test/exit-code']);
      return pods.length > 0 ? pods : undefined;
    }, { timeoutMs: 60_000 });
    await api.scriptPod(ns, pod!.metadata!.name!, { exitCode: 0 });
  };
  await releaseNext('item 1');
  await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', '1 completed', (j) => j.status?.progress?.completed === 1, { timeoutMs: 60_000 });
  // Item 2 finishes as the controller dies; item 3 while none runs.
  await releaseNext('item 2');
  await first.kill();
  await releaseNext('item 3');
  await waitFor('the Job counted 3 items', async () => (await arena.workerJob(ns, 'eval'))?.status?.succeeded === 3, { timeoutMs: 60_000 });

  await start();
  await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', '3 completed', (j) => j.status?.progress?.completed === 3, { timeoutMs: 60_000 });
  await releaseNext('item 4');
  const done = await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  watching = false;
  await recorder;

  expect(done.status?.progress).toEqual({ total: 4, completed: 4, failed: 0, pending: 0 });
  const jobs = (await api.client.list<TestBatchJob>(`/apis/batch/v1/namespaces/${ns}/jobs`, { labelSelector: 'omnia.altairalabs.ai/job=eval' })).items;
  expect(jobs.map((j) => j.metadata?.uid)).toEqual([worker.metadata?.uid]);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(seen[seen.length - 1]).toBe(4);
});
