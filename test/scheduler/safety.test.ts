import type { RadixBatch } from '../../imports/kubejobs.dev';
import { decide, ObservedJob, payloadSecretRefProblem } from '../../src/controller/radix-batch/decide';
import { ObservedPod, podProblem, podStatuses } from '../../src/controller/radix-batch/pod-status';
import { batchEvent, deleteEvent, qualifyWebhookUrl } from '../../src/controller/radix-batch/webhook';
import { jobModel } from '../../src/scheduler/api-status';
import { requestMemoryBudget } from '../../src/scheduler/memory-budget';
import { ByteBudget } from '../../src/scheduler/semaphore';
import { describeSchemaError } from '../../src/scheduler/validation-errors';

// Pod statuses and job messages from pods, the payload Secret check, webhook URL and Delete event,
// the memory budget of request bodies, and what 422 messages may quote.

function batch(jobs: RadixBatch['spec']['jobs'], webhook?: string): RadixBatch {
  return {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name: 'batch-x', namespace: 'ml', uid: 'u', creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: {
      batchType: 'batch',
      component: { name: 'compute', image: 'i:1', schedulerPort: 9000, timeLimitSeconds: 10, backoffLimit: 0, payload: { path: '/p' }, ...(webhook ? { notifications: { webhook } } : {}) },
      jobs,
    },
  };
}

const JOB: ObservedJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch-x-j0', uid: 'job-uid', creationTimestamp: '2024-01-02T03:04:06Z' }, status: { active: 1 } };

function pod(name: string, created: string, status: ObservedPod['status']): ObservedPod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, creationTimestamp: created }, spec: { containers: [{ name: 'compute', image: 'i:1' }] }, status };
}

const failedPod = pod('batch-x-j0-b', '2024-01-02T03:05:00Z', {
  phase: 'Failed',
  startTime: '2024-01-02T03:05:01Z',
  containerStatuses: [{
    name: 'compute',
    image: 'i:1',
    imageID: 'sha256:abc',
    restartCount: 0,
    state: { terminated: { exitCode: 3, reason: 'Error', message: 'input file missing', startedAt: '2024-01-02T03:05:02Z', finishedAt: '2024-01-02T03:05:09Z' } },
  }],
});
const pendingPod = pod('batch-x-j0-a', '2024-01-02T03:04:07Z', {
  phase: 'Pending',
  containerStatuses: [{ name: 'compute', image: 'i:1', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "i:1"' } } }],
});

test('podStatuses: oldest first with their index, container times, exit code, reason and message, image', () => {
  expect(podStatuses([failedPod, pendingPod], 'compute')).toEqual([
    { name: 'batch-x-j0-a', phase: 'Pending', reason: 'ImagePullBackOff', message: 'ImagePullBackOff: Back-off pulling image "i:1"', exitCode: 0, creationTime: '2024-01-02T03:04:07Z', image: 'i:1', podIndex: 0 },
    {
      name: 'batch-x-j0-b',
      phase: 'Failed',
      reason: 'Error',
      message: 'Error, exit code 3: input file missing',
      exitCode: 3,
      creationTime: '2024-01-02T03:05:00Z',
      startTime: '2024-01-02T03:05:02Z',
      endTime: '2024-01-02T03:05:09Z',
      image: 'i:1',
      imageID: 'sha256:abc',
      podIndex: 1,
    },
  ]);
});

test.each([
  ['OOM kill', { phase: 'Failed', containerStatuses: [{ name: 'compute', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }, 'Memory limit is probably too low. Error: OOMKilled, exit code 137'],
  ['time limit', { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, 'DeadlineExceeded: Pod was active on the node longer than the specified deadline'],
  ['unschedulable', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] }, 'Unschedulable: 0/3 nodes are available'],
  ['starting', { phase: 'Pending', containerStatuses: [{ name: 'compute', state: { waiting: { reason: 'ContainerCreating' } } }] }, undefined],
  ['succeeded', { phase: 'Succeeded', containerStatuses: [{ name: 'compute', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, undefined],
] as const)('pod problem: %s', (_name, status, expected) => {
  expect(podProblem(pod('p', '2024-01-02T03:04:07Z', status as never), 'compute')).toBe(expected);
});

test('a job\'s status carries its pods, and its message is the newest pod\'s problem (before: no podStatuses, no message)', () => {
  const b = batch([{ name: 'j0' }]);
  const plan = decide(b, [JOB], [], '2024-01-02T05:00:00Z', (job) => (job.metadata!.uid === 'job-uid' ? [pendingPod, failedPod] : []));
  const status = plan.status.jobStatuses![0]!;
  expect(status.podStatuses!.map((p) => p.name)).toEqual(['batch-x-j0-a', 'batch-x-j0-b']);
  expect(status.message).toBe('Error, exit code 3: input file missing');
  // The API shows them as Radix's PodStatus, and the message.
  const model = jobModel({ ...b, status: plan.status }, 'j0');
  expect(model.message).toBe('Error, exit code 3: input file missing');
  expect(model.podStatuses).toEqual([
    { name: 'batch-x-j0-a', created: '2024-01-02T03:04:07Z', replicaStatus: { status: 'Pending' }, statusMessage: 'ImagePullBackOff: Back-off pulling image "i:1"', image: 'i:1', exitCode: 0, reason: 'ImagePullBackOff' },
    {
      name: 'batch-x-j0-b',
      created: '2024-01-02T03:05:00Z',
      startTime: '2024-01-02T03:05:02Z',
      endTime: '2024-01-02T03:05:09Z',
      containerStarted: '2024-01-02T03:05:02Z',
      replicaStatus: { status: 'Failed' },
      statusMessage: 'Error, exit code 3: input file missing',
      image: 'i:1',
      imageId: 'sha256:abc',
      podIndex: 1,
      exitCode: 3,
      reason: 'Error',
    },
  ]);
  // A failed Job: the pod's reason beats the Job's "backoff limit" text.
  const failedJob = { ...JOB, status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } };
  const failed = decide(b, [failedJob], [], '2024-01-02T05:00:00Z', () => [failedPod]).status.jobStatuses![0]!;
  expect(failed).toMatchObject({ phase: 'Failed', reason: 'BackoffLimitExceeded', message: 'Error, exit code 3: input file missing' });
  expect(decide(b, [failedJob], [], '2024-01-02T05:00:00Z').status.jobStatuses![0]!.message).toBe('Job has reached the specified backoff limit');
});

test('only the batch\'s own payload Secrets are mounted: another Secret fails the job without a Job (before: mounted)', () => {
  const b = batch([{ name: 'j0', payloadSecretRef: { name: 'batch-x-payloads-0', key: 'j0' } }, { name: 'j1', payloadSecretRef: { name: 'db-credentials', key: 'password' } },
    { name: 'j2', payloadSecretRef: { name: 'batch-x-payloads-0-evil', key: 'k' } }]);
  expect(payloadSecretRefProblem(b, b.spec.jobs[0]!)).toBeUndefined();
  const message = 'job j1: payloadSecretRef.name \'db-credentials\' is not a payload Secret of this batch: it must be named \'batch-x-payloads-<n>\' (the job-scheduler writes these); the job is not run';
  expect(payloadSecretRefProblem(b, b.spec.jobs[1]!)).toBe(message);
  const plan = decide(b, [], [], '2024-01-02T05:00:00Z');
  expect(plan.create.map((o) => o.metadata!.name)).toEqual(['batch-x-j0']);
  expect(plan.refused.map((r) => r.job)).toEqual(['j1', 'j2']);
  expect(plan.status.jobStatuses![1]).toEqual({ name: 'j1', phase: 'Failed', reason: 'InvalidPayloadSecretRef', message, endTime: '2024-01-02T05:00:00Z' });
  // Failed stays: the next reconcile neither creates the Job nor refuses it again.
  const next = decide({ ...b, status: plan.status }, [], [], '2024-01-02T05:01:00Z');
  expect(next.create.map((o) => o.metadata!.name)).toEqual(['batch-x-j0']);
  expect(next.refused).toEqual([]);
});

test.each([
  ['a bare Service name resolves in the batch\'s namespace (before: the controller\'s)', 'http://backend:8080/hook', 'http://backend.ml.svc:8080/hook'],
  ['a qualified name stays', 'http://backend.other.svc:8080/hook', 'http://backend.other.svc:8080/hook'],
  ['localhost stays', 'http://localhost:9999/hook', 'http://localhost:9999/hook'],
  ['an IPv4 address stays', 'http://10.0.0.7/hook', 'http://10.0.0.7/hook'],
  ['an IPv6 address stays', 'http://[::1]:80/hook', 'http://[::1]:80/hook'],
  ['https and a query keep', 'https://backend/hook?a=b', 'https://backend.ml.svc/hook?a=b'],
])('webhook URL: %s', (_name, url, expected) => {
  expect(qualifyWebhookUrl(url, 'ml')).toBe(expected);
});

test('Delete event: the batch as it was, with every job', () => {
  const b = { ...batch([{ name: 'j0' }, { name: 'j1' }], 'http://backend/hook'), status: { jobStatuses: [{ name: 'j0', phase: 'Succeeded' as const }, { name: 'j1', phase: 'Running' as const }] } };
  const event = deleteEvent(b)!;
  expect(event).toMatchObject({ event: 'Delete', name: 'batch-x', batchType: 'batch' });
  expect(event.jobStatuses!.map((j) => [j.name, j.status])).toEqual([['batch-x-j0', 'Succeeded'], ['batch-x-j1', 'Running']]);
  expect(deleteEvent(batch([{ name: 'j0' }]))).toBeUndefined();
});

test('request bodies in flight fit the container memory limit (before: 32 x 32 MiB under a 512 MiB limit)', () => {
  const MiB = 1024 * 1024;
  expect(requestMemoryBudget(512 * MiB)).toEqual({ maxRequestBytes: 32 * MiB, maxInFlightBytes: 80 * MiB });
  expect(requestMemoryBudget(256 * MiB)).toEqual({ maxRequestBytes: 16 * MiB, maxInFlightBytes: 16 * MiB });
  expect(requestMemoryBudget(2048 * MiB)).toEqual({ maxRequestBytes: 32 * MiB, maxInFlightBytes: 464 * MiB });
  expect(requestMemoryBudget(100 * MiB)).toEqual({ maxRequestBytes: MiB, maxInFlightBytes: MiB });
  for (const limit of [256, 512, 1024, 4096]) {
    const b = requestMemoryBudget(limit * MiB);
    expect(192 * MiB + 4 * b.maxInFlightBytes).toBeLessThanOrEqual(limit * MiB);
  }
});

test('byte budget: requests wait for room in arrival order; one larger than the budget takes all of it', async () => {
  const budget = new ByteBudget(100);
  const order: string[] = [];
  expect(await budget.acquire(60)).toBe(60);
  const big = budget.acquire(80).then((n) => order.push(`big ${n}`));
  const small = budget.acquire(10).then((n) => order.push(`small ${n}`));
  await new Promise((r) => setImmediate(r));
  // 10 bytes would fit, but waits behind the larger request that came first.
  expect(order).toEqual([]);
  budget.release(60);
  await Promise.all([big, small]);
  expect(order).toEqual(['big 80', 'small 10']);
  expect(budget.inUse).toBe(90);
  budget.release(90);
  expect(await budget.acquire(500)).toBe(100);
  expect(await budget.acquire(0)).toBe(0);
});

test.each([
  ['a body that is an array of jobs: not quoted (before: the array with its payloads)', { instancePath: '', keyword: 'type', params: { type: 'object' } }, [{ payload: 'secret data' }],
    'the body: must be an object, got an array of 1 item'],
  ['an object where a string belongs: not quoted', { instancePath: '/jobId', keyword: 'type', params: { type: 'string' } }, { jobId: { payload: 'secret data' } },
    'jobId: must be a string, got an object'],
  ['a payload of the wrong type: never quoted', { instancePath: '/jobScheduleDescriptions/0/payload', keyword: 'type', params: { type: 'string' } },
    { jobScheduleDescriptions: [{ payload: 12345 }] }, 'jobScheduleDescriptions[0].payload: must be a string, got (payload not shown)'],
  ['a scalar: quoted', { instancePath: '/timeLimitSeconds', keyword: 'minimum', params: { limit: 1 } }, { timeLimitSeconds: 0 }, 'timeLimitSeconds: must be >= 1, got 0'],
])('422 messages quote scalars only: %s', (_name, error, body, expected) => {
  const text = describeSchemaError(error, body);
  expect(text).toBe(expected);
  expect(text).not.toContain('secret data');
});

test('Update events, as Radix\'s watcher: a job whose message alone changed is sent; a condition change alone sends no job (before: neither)', () => {
  const b = batch([{ name: 'j0' }, { name: 'j1' }], 'http://backend/hook');
  const before = { condition: { type: 'Active' as const, activeTime: '2024-01-02T03:04:06Z' }, jobStatuses: [{ name: 'j0', phase: 'Active' as const }, { name: 'j1', phase: 'Active' as const }] };
  const pulling = { ...before, jobStatuses: [{ name: 'j0', phase: 'Active' as const, message: 'ImagePullBackOff: Back-off pulling image "i:1"' }, before.jobStatuses[1]!] };
  const update = batchEvent(b, before, pulling)!;
  expect(update.event).toBe('Update');
  expect(update.jobStatuses!.map((j) => [j.name, j.message])).toEqual([['batch-x-j0', 'ImagePullBackOff: Back-off pulling image "i:1"']]);
  const noted = { ...pulling, condition: { ...pulling.condition, reason: 'CreateJobFailed', message: 'create Job batch-x-j1: quota exceeded' } };
  expect(batchEvent(b, pulling, noted)).toMatchObject({ event: 'Update', jobStatuses: [], message: 'create Job batch-x-j1: quota exceeded' });
  expect(batchEvent(b, noted, noted)).toBeUndefined();
});
