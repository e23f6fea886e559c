/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { COMPUTE, Obj, paths, useScheduler } from './use-scheduler';
import { waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';
import { TestApi } from '../controller/helpers';

// Status transitions as pods really run: kube-scheduler binds the batch's pods to a KWOK node, KWOK
// runs them, and the test lets each one end (exit 0, an OOM kill) only after seeing it Running.
// The API answers follow: job and pod statuses, the job's message from its pod, the batch status.

jest.setTimeout(300_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'node-a' }] });
const running = useScheduler(() => cluster().plane, COMPUTE);

async function podsOf(batchName: string): Promise<Obj[]> {
  const { namespace, kube } = running();
  return (await kube.list<Obj>(paths(namespace).pods, { labelSelector: `radix-batch-name=${batchName}` })).items;
}

async function waitBatch(name: string, what: string, test: (b: any) => boolean): Promise<any> {
  let last: unknown;
  try {
    return await waitFor(`batch ${name}: ${what}`, async () => {
      const res = await running().scheduler.call('GET', `/api/v1/batches/${name}`);
      last = res.body;
      return res.status === 200 && test(res.body) ? res.body : undefined;
    }, { timeoutMs: 120_000, intervalMs: 200 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}`);
  }
}

test('a batch\'s jobs go Waiting, Running, then Succeeded, Failed (OOM kill, with its message) and Stopped as their pods do; the batch Completed', async () => {
  const { scheduler, namespace } = running();
  const api = new TestApi(cluster().plane.kubeConfig);
  const created = await scheduler.call('POST', '/api/v1/batches', {
    jobScheduleDescriptions: [{ jobId: 'ok', payload: 'a' }, { jobId: 'oom', payload: 'b' }, { jobId: 'stop', payload: 'c' }],
  });
  expect(created.status).toBe(200);
  const name: string = created.body.name;
  const [ok, oom, stop] = created.body.jobStatuses.map((j: { name: string }) => j.name) as [string, string, string];
  expect(created.body.jobStatuses.map((j: { status: string }) => j.status)).toEqual(['Waiting', 'Waiting', 'Waiting']);

  // The pods run (no exit scripted yet): every job Running, each with its one Running pod.
  const allRunning = await waitBatch(name, 'every job Running', (b) => b.jobStatuses.every((j: any) => j.status === 'Running' && j.podStatuses?.[0]?.replicaStatus.status === 'Running'));
  expect(allRunning.status).toBe('Active');
  expect(allRunning.started).toMatch(/Z$/);
  for (const j of allRunning.jobStatuses) {
    expect(j.podStatuses).toEqual([expect.objectContaining({ image: 'registry.example.com/compute:1.0', exitCode: 0, startTime: expect.stringMatching(/Z$/) })]);
    expect(j.message).toBeUndefined();
  }
  const pods = await podsOf(name);
  const podOf = (job: string) => pods.find((p) => p.metadata!.labels!['batch.kubernetes.io/job-name'] === job)!;

  await api.scriptPod(namespace, podOf(ok).metadata!.name!, { exitCode: 0 });
  const afterOk = await waitBatch(name, `${ok} Succeeded`, (b) => b.jobStatuses[0].status === 'Succeeded');
  expect(afterOk.jobStatuses[0]).toMatchObject({ ended: expect.stringMatching(/Z$/), podStatuses: [expect.objectContaining({ replicaStatus: { status: 'Succeeded' }, exitCode: 0, reason: 'Completed' })] });
  expect(afterOk.status).toBe('Active');

  await api.scriptPod(namespace, podOf(oom).metadata!.name!, { exitCode: 137, reason: 'OOMKilled' });
  const afterOom = await waitBatch(name, `${oom} Failed`, (b) => b.jobStatuses[1].status === 'Failed');
  expect(afterOom.jobStatuses[1]).toMatchObject({
    name: oom,
    message: 'Memory limit is probably too low. Error: OOMKilled, exit code 137',
    podStatuses: [expect.objectContaining({ replicaStatus: { status: 'Failed' }, exitCode: 137, reason: 'OOMKilled' })],
  });

  expect((await scheduler.call('POST', `/api/v1/batches/${name}/jobs/${stop}/stop`)).status).toBe(200);
  const done = await waitBatch(name, 'Completed', (b) => b.status === 'Completed');
  expect(done.jobStatuses.map((j: any) => [j.name, j.status])).toEqual([[ok, 'Succeeded'], [oom, 'Failed'], [stop, 'Stopped']]);
  expect(done.ended).toMatch(/Z$/);
  // The stopped job's pod goes with its Job (KWOK confirms the deletion as a kubelet would).
  await waitFor('the stopped job\'s pod to go', async () => (await podsOf(name)).every((p) => p.metadata!.labels!['batch.kubernetes.io/job-name'] !== stop), { timeoutMs: 120_000 });
});
