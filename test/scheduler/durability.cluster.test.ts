/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { SchedulerProcess } from './scheduler-process';
import { COMPUTE, Obj, paths, useScheduler } from './use-scheduler';
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

test('SIGKILL of the scheduler during 200-job batches, then a restart: whole batches or nothing, never a duplicate', async () => {
  const { install, scheduler } = running();
  let current = scheduler;
  const outcomes: string[] = [];
  // Kill points: at once, while the payload Secrets are being written, and after the commit.
  for (const killAfterMs of [0, 40, 150, 400]) {
    const request = current.call('POST', '/api/v1/batches', batchBody()).then((r) => r, (e: Error) => ({ status: 0, body: e.message }));
    await new Promise((r) => setTimeout(r, killAfterMs));
    await current.kill();
    const answer = await request;
    outcomes.push(answer.status === 200 ? 'accepted' : 'failed');
    if (answer.status === 200) expect(answer.body.jobStatuses).toHaveLength(JOBS);
    // The restarted scheduler (the Deployment's args, a short pending timeout) cleans up what a killed request left.
    current = await SchedulerProcess.start(install, ['--pending-timeout=2s']);
    const whole = await expectWholeBatches();
    if (answer.status === 200) expect(whole.map((b) => b.metadata!.name)).toContain(answer.body.name);
  }
  // Whatever the kill points hit, the scheduler still accepts a batch afterwards.
  const last = await current.call('POST', '/api/v1/batches', batchBody());
  expect(last.status).toBe(200);
  const whole = await expectWholeBatches();
  expect(whole.length).toBeGreaterThanOrEqual(1);
  expect(outcomes).toHaveLength(4);
  await current.stop();
}, 600_000);

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
