/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { TestApi } from './helpers';
import type { ArenaJob } from '../../imports/omnia.altairalabs.ai';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { PARENT_LABEL, SCHEDULED_TIME_ANNOTATION } from '../../src/controller/arena-job/schedule-decide';
import { WatchHandle } from '../../src/controller/kube-client';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Scheduled ArenaJobs with an every-minute cron against the real API server: runs appear as child
// ArenaJobs with deterministic names, a SIGKILLed controller (its last status write lost) makes no
// second run for a tick, and Forbid starts nothing while a run is active. Nothing runs the children
// here (the ArenaJob run reconciler is not part of this test), so they stay active until the test
// writes a terminal phase through the status subresource, as a finished run would.

const plane = useControlPlane();
const controllers: ControllerProcess[] = [];
const watches: WatchHandle[] = [];
let api: TestApi;
let ns: string;
/** Creations seen by a watch: child name -> number of ADDED events with a new uid. */
const created = new Map<string, Set<string>>();
/** Bound of every wait for a tick: two minutes and a margin. */
const TICK_WAIT = { timeoutMs: 150_000, intervalMs: 500 };

const path = (name = '') => `/apis/omnia.altairalabs.ai/v1alpha1/namespaces/${ns}/arenajobs${name ? `/${name}` : ''}`;

function parent(name: string, concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace'): ArenaJob {
  return {
    apiVersion: 'omnia.altairalabs.ai/v1alpha1',
    kind: 'ArenaJob',
    metadata: { name, labels: { suite: 'schedule' } },
    spec: { configRef: { name: 'cfg' }, workers: { replicas: 2 }, schedule: { cron: '* * * * *', timezone: 'Europe/Berlin', concurrencyPolicy } },
  };
}

async function children(parentName: string): Promise<ArenaJob[]> {
  const list = await api.client.list<ArenaJob>(path(), { labelSelector: `${PARENT_LABEL}=${parentName}` });
  return list.items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

async function startController(): Promise<ControllerProcess> {
  const c = await ControllerProcess.start(plane(), { logLevel: 'debug' });
  controllers.push(c);
  await c.waitReady();
  return c;
}

/** Every child is a run of `p` for one tick: name, label, annotation, owner and spec agree; no tick twice. */
async function expectWellFormedRuns(p: ArenaJob, runs: readonly ArenaJob[]): Promise<void> {
  // A list can show a run before the test's watch delivers its ADDED event (a loaded machine).
  await waitFor('the watch to see every run', async () => runs.every((r) => created.has(r.metadata.name!)), { timeoutMs: 30_000 });
  const ticks = new Set<number>();
  for (const run of runs) {
    const scheduled = new Date(run.metadata.annotations![SCHEDULED_TIME_ANNOTATION]!);
    expect(scheduled.getTime() % 60_000).toBe(0);
    expect(run.metadata.name).toBe(`${p.metadata.name}-${scheduled.getTime() / 60_000}`);
    expect(run.metadata.labels).toEqual({ suite: 'schedule', [PARENT_LABEL]: p.metadata.name });
    expect(run.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ArenaJob', name: p.metadata.name, uid: p.metadata.uid, controller: true })]);
    expect(run.spec).toEqual({ configRef: { name: 'cfg' }, type: 'evaluation', workers: { replicas: 2 } });
    expect(ticks.has(scheduled.getTime())).toBe(false);
    ticks.add(scheduled.getTime());
    // Created once: one uid ever seen under the name.
    expect({ name: run.metadata.name, creations: created.get(run.metadata.name!)?.size }).toEqual({ name: run.metadata.name, creations: 1 });
  }
}

beforeAll(async () => {
  const kc = plane().kubeConfig;
  api = new TestApi(kc);
  await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
  ns = await freshNamespace(kc, {}, { waitForDefaultServiceAccount: false });
  // Right after a CRD is established its watch cache may still answer "storage is (re)initializing".
  const list = await waitFor('ArenaJob list', () => api.client.list(path()));
  watches.push(await api.client.watch<ArenaJob>(path(), { resourceVersion: list.metadata.resourceVersion }, (e) => {
    if (e.type !== 'ADDED' || !e.object.metadata.labels?.[PARENT_LABEL]) return;
    const name = e.object.metadata.name!;
    if (!created.has(name)) created.set(name, new Set());
    created.get(name)!.add(e.object.metadata.uid as string);
  }));
  await startController();
}, 120_000);

afterAll(async () => {
  for (const w of watches) w.abort();
  await Promise.all(controllers.map((c) => c.stop()));
});

test('every minute: runs with deterministic names, none twice for a tick across a SIGKILL that lost the status write', async () => {
  const p = await api.client.create<ArenaJob>(path(), parent('every-minute', 'Allow'));
  const first = await waitFor('the first run', async () => {
    const runs = await children('every-minute');
    return runs.length >= 1 ? runs[0] : undefined;
  }, TICK_WAIT);
  const firstTick = first.metadata.annotations![SCHEDULED_TIME_ANNOTATION]!;

  // The parent records the run and the next tick.
  const recorded = await waitFor('parent status', async () => {
    const got = await api.client.get<ArenaJob>(path('every-minute'));
    return got?.status?.lastScheduleTime ? got : undefined;
  });
  expect(recorded.status?.phase).toBe('Running');
  expect(new Date(recorded.status!.nextScheduleTime!).getTime() - new Date(recorded.status!.lastScheduleTime!).getTime()).toBe(60_000);

  // SIGKILL, and the status write that followed the run's creation is lost: the next controller
  // must learn the tick from the run itself.
  await controllers[0]!.kill();
  const current = (await api.client.get<ArenaJob>(path('every-minute')))!;
  await api.client.replace(`${path('every-minute')}/status`, { ...current, status: { ...current.status, lastScheduleTime: undefined } });
  await startController();
  const restored = await waitFor('lastScheduleTime restored from the runs', async () => {
    const got = await api.client.get<ArenaJob>(path('every-minute'));
    return got?.status?.lastScheduleTime ? got : undefined;
  }, TICK_WAIT);
  expect(new Date(restored.status!.lastScheduleTime!).getTime()).toBeGreaterThanOrEqual(new Date(firstTick).getTime());

  // The next tick gives a second run; no tick has two.
  const runs = await waitFor('a second run', async () => {
    const all = await children('every-minute');
    return all.length >= 2 ? all : undefined;
  }, TICK_WAIT);
  await expectWellFormedRuns(p, runs);
  expect(runs[0]!.metadata.name).toBe(first.metadata.name);
}, 420_000);

test('Forbid: no new run while one is active; once it finished, the next run starts', async () => {
  const p = await api.client.create<ArenaJob>(path(), parent('forbid', 'Forbid'));
  const [active] = await waitFor('the first run', async () => {
    const runs = await children('forbid');
    return runs.length >= 1 ? runs : undefined;
  }, TICK_WAIT);
  // A tick passes while the run is active: the parent reports it skipped it.
  await api.waitForEvent(ns, 'forbid', 'JobAlreadyActive', TICK_WAIT);
  expect((await children('forbid')).map((r) => r.metadata.name)).toEqual([active!.metadata.name]);

  // The run finishes (as the run reconciler would write it): the due tick runs.
  const run = (await api.client.get<ArenaJob>(path(active!.metadata.name!)))!;
  await api.client.replace(`${path(active!.metadata.name!)}/status`, { ...run, status: { phase: 'Succeeded' } });
  const runs = await waitFor('a second run', async () => {
    const all = await children('forbid');
    return all.length >= 2 ? all : undefined;
  }, TICK_WAIT);
  await expectWellFormedRuns(p, runs);
  expect(runs).toHaveLength(2);
}, 420_000);
