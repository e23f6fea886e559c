/**
 * @jest-environment ./test/cluster/environment.ts
 */
import * as http from 'node:http';
import { podOf, setPod, useScheduler } from './use-scheduler';
import { BatchStatusRule, RadixBatchStatus, RadixJobStatus } from '../../src/radix-job-scheduler';
import { freePorts } from '../cluster/free-port';
import { waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Webhook notifications (Radix BatchEvent: Create, then Update with only the changed jobs),
// batchStatusRules, and a component without a payload path, against a receiver on 127.0.0.1.

const received: any[] = [];
let receiver: http.Server;
let hookPort = 0;
beforeAll(async () => {
  [hookPort] = (await freePorts(1)) as [number];
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url, ...JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const plane = useControlPlane();
// `localhost` is a one-label host name, as an in-cluster Service name is; here it reaches 127.0.0.1.
const running = useScheduler(plane, () => ({
  name: 'etl',
  image: 'registry.example.com/etl:2.1',
  notifications: { webhook: `http://localhost:${hookPort}/hook` },
  batchStatusRules: [BatchStatusRule.anyJobIn([RadixJobStatus.FAILED], RadixBatchStatus.FAILED)],
}));

test('Create, then Update events with only the jobs whose status changed; batchStatusRules give the batch status', async () => {
  const { scheduler, namespace, kube } = running();
  const created = await scheduler.call('POST', '/api/v1/batches', { batchId: 'b-1', jobScheduleDescriptions: [{ jobId: 'a' }, { jobId: 'b' }] });
  expect(created.status).toBe(200);
  const name: string = created.body.name;
  const [jobA, jobB] = created.body.jobStatuses.map((j: { name: string }) => j.name);
  const events = () => received.filter((e) => e.name === name);
  const create = await waitFor('the Create event', async () => events().find((e) => e.event === 'Create'));
  expect(create).toMatchObject({ path: '/hook', name, batchId: 'b-1', batchType: 'batch', status: 'Waiting' });
  expect(create.jobStatuses.map((j: any) => [j.name, j.jobId, j.status])).toEqual([[jobA, 'a', 'Waiting'], [jobB, 'b', 'Waiting']]);

  await setPod(kube, namespace, await podOf(kube, namespace, jobA), { running: true });
  const runningEvent = await waitFor('an Update with job a Running', async () =>
    events().find((e) => e.event === 'Update' && e.jobStatuses.some((j: any) => j.name === jobA && j.status === 'Running')));
  expect(runningEvent.jobStatuses.map((j: any) => j.name)).toEqual([jobA]);

  await setPod(kube, namespace, await podOf(kube, namespace, jobB), { exitCode: 1 });
  const failedEvent = await waitFor('an Update with job b Failed', async () =>
    events().find((e) => e.event === 'Update' && e.jobStatuses.some((j: any) => j.name === jobB && j.status === 'Failed')));
  expect(failedEvent.jobStatuses.map((j: any) => j.name)).toEqual([jobB]);
  // The rule "any job Failed => Failed" gives the batch its status while job a still runs.
  expect(failedEvent.status).toBe('Failed');
  expect((await scheduler.call('GET', `/api/v1/batches/${name}`)).body.status).toBe('Failed');
  // Every event names only changed jobs: no job appears twice with the same status and message.
  const seen = events().flatMap((e) => e.jobStatuses.map((j: any) => `${j.name}=${j.status}=${j.message}`));
  expect(new Set(seen).size).toBe(seen.length);

  // Deleting the batch sends Radix's Delete event: the batch as it was, with every job.
  expect((await scheduler.call('DELETE', `/api/v1/batches/${name}`)).status).toBe(200);
  const deleted = await waitFor('the Delete event', async () => events().find((e) => e.event === 'Delete'));
  expect(deleted).toMatchObject({ path: '/hook', name, batchId: 'b-1', batchType: 'batch', status: 'Failed' });
  expect(deleted.jobStatuses.map((j: any) => [j.name, j.status])).toEqual([[jobA, 'Running'], [jobB, 'Failed']]);
});

test('DELETE of a single job sends a Delete event for its batch', async () => {
  const { scheduler } = running();
  const created = await scheduler.call('POST', '/api/v1/jobs', { jobId: 'solo' });
  const name: string = created.body.name;
  const batchName = name.slice(0, name.lastIndexOf('-'));
  await waitFor('the Create event', async () => received.find((e) => e.name === batchName && e.event === 'Create'));
  expect((await scheduler.call('DELETE', `/api/v1/jobs/${name}`)).status).toBe(200);
  const deleted = await waitFor('the Delete event', async () => received.find((e) => e.name === batchName && e.event === 'Delete'));
  expect(deleted).toMatchObject({ batchType: 'job', event: 'Delete' });
  expect(deleted.jobStatuses.map((j: any) => [j.name, j.jobId])).toEqual([[name, 'solo']]);
});

test('a payload for a component without a payload path is a 422 that says what to fix (upstream: 500)', async () => {
  expect(await running().scheduler.call('POST', '/api/v1/jobs', { payload: 'data' })).toEqual({
    status: 422,
    body: {
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'payload is invalid: missing an expected payload path, but there is a payload in the job #0: the job component \'etl\' has no payload path; '
        + 'remove the payload, or give the RadixJobScheduler a payloadPath',
    },
  });
  // Whitespace only is no payload (Radix trims it).
  expect((await running().scheduler.call('POST', '/api/v1/jobs', { payload: '  \n' })).status).toBe(200);
});
