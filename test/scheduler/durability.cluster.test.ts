/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { SchedulerProcess } from './scheduler-process';
import { COMPUTE, Obj, paths, useScheduler } from './use-scheduler';
import { FaultProxy, FaultRule, RuleHandle } from '../cluster/fault-proxy';
import { freePorts } from '../cluster/free-port';
import { waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';
import { ControllerProcess } from '../controller/controller-process';

// A batch is one atomic write: whenever the scheduler is SIGKILLed, either the request failed and
// nothing of it remains, or every job of it ends up as exactly one Kubernetes Job. State lives in
// the cluster, so a restarted scheduler and a second replica answer alike.

const plane = useControlPlane();
// No ports: 200 jobs would need 200 Services, more cluster IPs than the test plane's range has.
const running = useScheduler(plane, { ...COMPUTE, ports: undefined });
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await FaultProxy.start({ server: plane().server, caData: plane().caData });
});
afterAll(() => proxy?.close());

const JOBS = 200;
const batchBody = () => JSON.stringify({ jobScheduleDescriptions: Array.from({ length: JOBS }, (_, i) => ({ jobId: `job-${i}`, payload: `payload ${i} `.repeat(200) })) });

async function batches(): Promise<Obj[]> {
  const { namespace, kube } = running();
  return (await kube.list<Obj>(paths(namespace).batches)).items;
}

/** Each committed batch has exactly one Job per job; none is pending any more. */
async function expectWholeBatches(): Promise<Obj[]> {
  const { namespace, kube } = running();
  await waitFor('no pending batch left', async () => (await batches()).every((b) => b.metadata?.annotations?.['kubejobs.dev/payloads-pending'] === undefined), { timeoutMs: 60_000 });
  const committed = await batches();
  for (const b of committed) {
    const want = (b.spec.jobs as Array<{ name: string }>).map((j) => `${b.metadata!.name}-${j.name}`).sort();
    const jobs = await waitFor(`${want.length} Jobs of ${b.metadata!.name}`, async () => {
      const list = await kube.list<Obj>(paths(namespace).jobs, { labelSelector: `radix-batch-name=${b.metadata!.name}` });
      return list.items.length >= want.length ? list.items : undefined;
    }, { timeoutMs: 120_000 });
    expect(jobs.map((j) => j.metadata!.name).sort()).toEqual(want);
  }
  return committed;
}

/** A scheduler on a fresh port whose API requests go through the fault proxy. */
async function startViaProxy(extraArgs: readonly string[] = []): Promise<SchedulerProcess> {
  const { install } = running();
  const [port] = await freePorts(1);
  return SchedulerProcess.start(install, [`--kubeconfig=${install.kubeconfigVia(proxy.url)}`, `--port=${port}`, ...extraArgs]);
}

const names = (list: Obj[]) => new Set(list.map((b) => b.metadata!.name!));
const RADIX_BATCHES = /\/radixbatches$/;
const RADIX_BATCH = /\/radixbatches\/[^/]+$/;

/**
 * Where in a request the scheduler is killed, each stage reached by what the fault proxy or the
 * cluster shows, never by a delay: `rule` holds the request at that point, `reached` says the
 * scheduler got there. `outcome` is what must remain: nothing of the request, or the whole batch.
 */
interface KillStage {
  readonly name: string;
  readonly rule?: FaultRule;
  readonly reached: (rule: RuleHandle | undefined, before: Set<string>, answered: () => boolean) => Promise<boolean>;
  readonly outcome: 'nothing' | 'whole';
}

const newBatches = async (before: Set<string>) => (await batches()).filter((b) => !before.has(b.metadata!.name!));
const STAGES: KillStage[] = [
  {
    name: 'the RadixBatch POST sent, not yet on the API server',
    rule: { method: 'POST', path: RADIX_BATCHES, action: 'hang' },
    reached: async (rule) => (rule?.hits ?? 0) > 0,
    outcome: 'nothing',
  },
  {
    name: 'the RadixBatch written, its answer not yet back (the pending window)',
    rule: { method: 'POST', path: RADIX_BATCHES, action: 'holdResponse' },
    reached: async (_rule, before) => (await newBatches(before)).length > 0,
    outcome: 'nothing',
  },
  {
    name: 'the payload Secrets being written',
    rule: { method: 'POST', path: /\/secrets$/, action: 'hang' },
    reached: async (rule) => (rule?.hits ?? 0) > 0,
    outcome: 'nothing',
  },
  {
    name: 'the commit written, its answer not yet back',
    rule: { method: 'PATCH', path: RADIX_BATCH, action: 'holdResponse' },
    reached: async (_rule, before) => (await newBatches(before)).some((b) => b.metadata!.annotations?.['kubejobs.dev/payloads-pending'] === undefined),
    outcome: 'whole',
  },
  { name: 'the answer sent', reached: async (_rule, _before, answered) => answered(), outcome: 'whole' },
];

test.each(STAGES.map((s) => [s.name, s] as const))('SIGKILL of the scheduler during a 200-job batch, %s, then a restart: whole batches or nothing, never a duplicate', async (_name, stage) => {
  const before = names(await batches());
  const scheduler = await startViaProxy();
  const rule = stage.rule ? proxy.addRule(stage.rule) : undefined;
  let answered = false;
  const request = scheduler.call('POST', '/api/v1/batches', batchBody()).then((r) => r, (e: Error) => ({ status: 0, body: e.message }))
    .finally(() => (answered = true));
  try {
    await waitFor(`the stage: ${stage.name}`, () => stage.reached(rule, before, () => answered), { timeoutMs: 60_000, intervalMs: 20 });
    await scheduler.kill();
  } finally {
    rule?.remove();
  }
  const answer = await request;
  if (stage.outcome === 'nothing') expect(answer.status).toBe(0);
  if (answer.status === 200) expect(answer.body.jobStatuses).toHaveLength(JOBS);

  // The restarted scheduler (a short pending timeout) deletes what a killed request left pending.
  const restarted = await startViaProxy(['--pending-timeout=2s']);
  try {
    await expectWholeBatches();
    const left = await newBatches(before);
    if (stage.outcome === 'nothing') {
      expect(left).toEqual([]);
    } else {
      // Committed before the kill: the whole batch stays, answered or not (a kill between the commit and the answer
      // cannot be told apart by the client from a kill before it; the batch is then whole, never half).
      expect(left).toHaveLength(1);
      if (answer.status === 200) expect(left[0]!.metadata!.name).toBe(answer.body.name);
    }
    // Whatever the kill hit, the scheduler accepts a batch afterwards.
    const next = await restarted.call('POST', '/api/v1/batches', JSON.stringify({ jobScheduleDescriptions: [{ payload: 'after' }] }));
    expect(next.status).toBe(200);
  } finally {
    await restarted.stop();
  }
}, 600_000);

test('a create or commit whose answer is lost (the API request timed out) is sent again: the request succeeds once', async () => {
  const scheduler = await startViaProxy(['--request-timeout=3s']);
  const post = proxy.addRule({ method: 'POST', path: RADIX_BATCHES, action: 'holdResponse', count: 1 });
  const commit = proxy.addRule({ method: 'PATCH', path: RADIX_BATCH, action: 'holdResponse', count: 1 });
  try {
    const res = await scheduler.call('POST', '/api/v1/batches', { jobScheduleDescriptions: [{ jobId: 'a', payload: 'p-a' }, { jobId: 'b', payload: 'p-b' }] });
    // Before: 500, and the batch deleted.
    expect(res.status).toBe(200);
    expect(res.body.jobStatuses.map((j: { jobId: string }) => j.jobId)).toEqual(['a', 'b']);
    expect([post.hits, commit.hits]).toEqual([1, 1]);
    const logged = scheduler.log();
    expect(logged).toContain('create outcome unknown: sending it again');
    expect(logged).toContain('commit outcome unknown: reading the batch back');
    const whole = await expectWholeBatches();
    expect(whole.filter((b) => b.metadata!.name === res.body.name)).toHaveLength(1);
  } finally {
    post.remove();
    commit.remove();
    await scheduler.stop();
  }
}, 300_000);

test('SIGTERM: unready at once, requests still served while it drains, then exit 0', async () => {
  // A generous timeout: the exit code then says how the shutdown went, not how loaded the machine is.
  const scheduler = await startViaProxy(['--shutdown-drain=8s', '--shutdown-timeout=120s']);
  process.kill(scheduler.pid, 'SIGTERM');
  const readyz = () => fetch(`http://127.0.0.1:${scheduler.healthPort}/readyz`).then((r) => r.status, () => 0);
  await waitFor('/readyz 503', async () => (await readyz()) === 503, { intervalMs: 20 });
  // Before: the listener closed at once (connection refused).
  const during = await scheduler.call('POST', '/api/v1/jobs', { jobId: 'while-draining' });
  expect(during.status).toBe(200);
  expect(await scheduler.exited).toMatchObject({ code: 0 });
  expect(scheduler.log()).toContain('closing the listener: finishing requests in flight');
}, 240_000);

test('SIGKILL of the controller while it creates 200 Jobs, then a restart: 200 Jobs, none duplicated', async () => {
  const { install } = running();
  const [port] = await freePorts(1);
  const scheduler = await SchedulerProcess.start(install, [`--port=${port}`]);
  const { controller } = running();
  const res = await scheduler.call('POST', '/api/v1/batches', batchBody());
  expect(res.status).toBe(200);
  const { namespace, kube } = running();
  await waitFor('the first Jobs', async () => (await kube.list(paths(namespace).jobs, { labelSelector: `radix-batch-name=${res.body.name}` })).items.length > 0, { intervalMs: 10 });
  await controller.kill();
  const restarted = await ControllerProcess.start(plane());
  try {
    await restarted.waitReady();
    await expectWholeBatches();
    const done = await waitFor('the batch status of 200 jobs', async () => {
      const b = (await scheduler.call('GET', `/api/v1/batches/${res.body.name}`)).body;
      return b.jobStatuses.every((j: { created: string | null }) => j.created !== null) ? b : undefined;
    }, { timeoutMs: 120_000 });
    expect(new Set(done.jobStatuses.map((j: { name: string }) => j.name)).size).toBe(JOBS);
  } finally {
    await restarted.stop();
    await scheduler.stop();
  }
}, 600_000);

test('two replicas answer alike: a job created through one is seen, stopped and deleted through the other', async () => {
  const { install } = running();
  const [portA, portB] = await freePorts(2);
  const a = await SchedulerProcess.start(install, [`--port=${portA}`]);
  const b = await SchedulerProcess.start(install, [`--port=${portB}`]);
  try {
    const created = await a.call('POST', '/api/v1/jobs', { jobId: 'twin', payload: 'x' });
    expect(created.status).toBe(200);
    const fromB = await b.call('GET', `/api/v1/jobs/${created.body.name}`);
    expect(fromB).toMatchObject({ status: 200, body: { name: created.body.name, jobId: 'twin' } });
    // The controller moves statuses on meanwhile: compare answers given while A's did not change.
    for (const route of [`/api/v1/jobs/${created.body.name}`, '/api/v1/jobs', '/api/v1/batches']) {
      const { fromA, fromB: other } = await answersWhileStable(a, b, route);
      expect(other).toEqual(fromA);
    }
    expect((await b.call('POST', `/api/v1/jobs/${created.body.name}/stop`)).status).toBe(200);
    expect((await a.call('GET', `/api/v1/jobs/${created.body.name}`)).body.status).toMatch(/^Stopp(ing|ed)$/);
    expect((await a.call('DELETE', `/api/v1/jobs/${created.body.name}`)).status).toBe(200);
    expect((await b.call('GET', `/api/v1/jobs/${created.body.name}`)).status).toBe(404);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

/** `route` read from A, then B, then A again, until both reads of A agree (bounded): B's answer then must be A's. */
async function answersWhileStable(a: SchedulerProcess, b: SchedulerProcess, route: string): Promise<{ fromA: unknown; fromB: unknown }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const before = await a.call('GET', route);
    const fromB = await b.call('GET', route);
    const after = await a.call('GET', route);
    if (JSON.stringify(before) === JSON.stringify(after)) return { fromA: before, fromB };
  }
  throw new Error(`${route}: A's answer kept changing over 50 reads`);
}
