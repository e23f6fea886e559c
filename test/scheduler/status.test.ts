import type { RadixBatch, RadixBatchJobStatus } from '../../imports/kubejobs.dev';
import { decide, ObservedJob } from '../../src/controller/radix-batch/decide';
import { batchEvent } from '../../src/controller/radix-batch/webhook';
import { batchApiStatus, batchModel, jobApiStatus } from '../../src/scheduler/api-status';
import { historyToDelete } from '../../src/scheduler/store';

// Statuses (B7), batch status rules (upstream TestGetRadixBatchStatus), the controller's decision
// (Jobs -> phases, sticky done phases, stop), webhook events (only changed jobs) and history (B8).

function batch(jobStatuses: Array<Partial<RadixBatchJobStatus> & { stop?: boolean }>, type: 'job' | 'batch' = 'batch', extra: Partial<RadixBatch['status']> = {}): RadixBatch {
  return {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name: 'batch-x', namespace: 'ml', uid: 'u', generation: 2, creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: {
      batchType: type,
      component: { name: 'compute', image: 'i:1', schedulerPort: 9000, timeLimitSeconds: 10, backoffLimit: 0, notifications: { webhook: 'http://backend:8080/hook' } },
      jobs: jobStatuses.map((s, i) => ({ name: `j${i}`, ...(s.stop ? { stop: true } : {}) })),
    },
    status: { jobStatuses: jobStatuses.filter((s) => s.phase).map((s, i) => ({ name: `j${i}`, phase: s.phase!, ...s, stop: undefined }) as RadixBatchJobStatus), ...extra },
  };
}

test('job API status: phase, Waiting without one, Stopping while a stop is pending, Failed when every pod failed', () => {
  expect(jobApiStatus(undefined, undefined)).toBe('Waiting');
  expect(jobApiStatus(false, { name: 'a', phase: 'Running' })).toBe('Running');
  expect(jobApiStatus(true, { name: 'a', phase: 'Running' })).toBe('Stopping');
  expect(jobApiStatus(true, { name: 'a', phase: 'Waiting' })).toBe('Stopping');
  expect(jobApiStatus(true, { name: 'a', phase: 'Succeeded' })).toBe('Succeeded');
  expect(jobApiStatus(false, { name: 'a', phase: 'Active', podStatuses: [{ name: 'p', phase: 'Failed' }] })).toBe('Failed');
});

test.each([
  ['no rules: the condition', [], ['Running', 'Succeeded'], 'Active', 'Active'],
  ['any failed => Failed', [{ condition: 'Any', operator: 'In', jobStatuses: ['Failed'], batchStatus: 'Failed' }], ['Failed', 'Running'], 'Active', 'Failed'],
  ['any failed does not hold', [{ condition: 'Any', operator: 'In', jobStatuses: ['Failed'], batchStatus: 'Failed' }], ['Succeeded', 'Running'], 'Active', 'Active'],
  ['all succeeded => Succeeded', [{ condition: 'All', operator: 'In', jobStatuses: ['Succeeded'], batchStatus: 'Succeeded' }], ['Succeeded', 'Succeeded'], 'Completed', 'Succeeded'],
  ['all not in Waiting => Running', [{ condition: 'All', operator: 'NotIn', jobStatuses: ['Waiting'], batchStatus: 'Running' }], ['Running', 'Active'], 'Active', 'Running'],
  ['first rule wins', [
    { condition: 'Any', operator: 'In', jobStatuses: ['Running'], batchStatus: 'Running' },
    { condition: 'Any', operator: 'In', jobStatuses: ['Failed'], batchStatus: 'Failed' },
  ], ['Failed', 'Running'], 'Active', 'Running'],
  ['any not in Succeeded', [{ condition: 'Any', operator: 'NotIn', jobStatuses: ['Succeeded'], batchStatus: 'Failed' }], ['Succeeded', 'Stopped'], 'Completed', 'Failed'],
] as const)('batch status rules: %s', (_n, rules, phases, condition, expected) => {
  const b = batch(phases.map((phase) => ({ phase })), 'batch', { condition: { type: condition } });
  expect(batchApiStatus(b, rules as never)).toBe(expected);
});

test('a single-job batch has its job\'s status, rules or not', () => {
  const b = batch([{ phase: 'Failed' }], 'job', { condition: { type: 'Completed' } });
  expect(batchApiStatus(b, [{ condition: 'All', operator: 'In', jobStatuses: ['Failed'], batchStatus: 'Succeeded' }])).toBe('Failed');
});

test('batch model: RFC 3339 UTC times, null when unknown, DeploymentName, jobs named <batch>-<job> with batchName', () => {
  const b = batch([{ phase: 'Succeeded', startTime: '2024-01-02T03:04:06Z', endTime: '2024-01-02T04:00:00.000Z' }], 'batch', { condition: { type: 'Completed', activeTime: '2024-01-02T03:04:06Z', completionTime: '2024-01-02T04:00:00Z' } });
  b.spec.batchId = 'b-1';
  expect(batchModel(b)).toEqual({
    batchId: 'b-1',
    name: 'batch-x',
    created: '2024-01-02T03:04:05Z',
    started: '2024-01-02T03:04:06Z',
    ended: '2024-01-02T04:00:00Z',
    updated: null,
    status: 'Completed',
    batchType: 'batch',
    DeploymentName: 'compute',
    jobStatuses: [{ batchName: 'batch-x', batchId: 'b-1', name: 'batch-x-j0', created: null, started: '2024-01-02T03:04:06Z', ended: '2024-01-02T04:00:00Z', updated: null, status: 'Succeeded', DeploymentName: '' }],
  });
});

function k8sJob(name: string, status: ObservedJob['status']): ObservedJob {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, uid: `uid-${name}`, creationTimestamp: '2024-01-02T03:04:05Z' }, status };
}

test('decide: creates missing Jobs, maps Job status to phases, Completed when all are done', () => {
  const b = batch([{}, {}, {}, {}]);
  b.status = undefined;
  const now = '2024-01-02T05:00:00Z';
  const first = decide(b, [], [], now);
  expect(first.create.map((o) => o.metadata?.name)).toEqual(['batch-x-j0', 'batch-x-j1', 'batch-x-j2', 'batch-x-j3']);
  expect(first.status).toEqual({ condition: { type: 'Waiting' }, jobStatuses: ['j0', 'j1', 'j2', 'j3'].map((name) => ({ name, phase: 'Waiting' })), observedGeneration: 2 });
  const jobs = [
    k8sJob('batch-x-j0', { active: 1 }),
    k8sJob('batch-x-j1', { active: 1, ready: 1, startTime: '2024-01-02T03:05:00Z' }),
    k8sJob('batch-x-j2', { succeeded: 1, completionTime: '2024-01-02T04:00:00Z', conditions: [{ type: 'Complete', status: 'True' }] }),
    k8sJob('batch-x-j3', { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: '2024-01-02T04:01:00Z' }] }),
  ];
  const second = decide({ ...b, status: first.status }, jobs, [], now);
  expect(second.create).toEqual([]);
  expect(second.status.condition).toEqual({ type: 'Active', activeTime: now });
  expect(second.status.jobStatuses!.map((s) => s.phase)).toEqual(['Active', 'Running', 'Succeeded', 'Failed']);
  expect(second.status.jobStatuses![3]).toMatchObject({ reason: 'BackoffLimitExceeded', endTime: '2024-01-02T04:01:00Z', failed: 1 });
  const finished = [k8sJob('batch-x-j0', { conditions: [{ type: 'Failed', status: 'True' }] }), k8sJob('batch-x-j1', { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] })];
  const third = decide({ ...b, status: second.status }, finished, [], '2024-01-02T06:00:00Z');
  // j2 and j3 are done: their Jobs being gone (TTL) does not run them again.
  expect(third.create).toEqual([]);
  expect(third.status.condition).toEqual({ type: 'Completed', activeTime: now, completionTime: '2024-01-02T06:00:00Z' });
});

test('decide: stop deletes the Job and marks Stopped once; a done job stays done', () => {
  const b = batch([{ phase: 'Running', stop: true }, { phase: 'Succeeded', stop: true }]);
  const plan = decide(b, [k8sJob('batch-x-j0', { active: 1, ready: 1 }), k8sJob('batch-x-j1', { succeeded: 1 })], [], '2024-01-02T05:00:00Z');
  expect(plan.deleteJobs).toEqual([{ name: 'batch-x-j0', uid: 'uid-batch-x-j0' }, { name: 'batch-x-j1', uid: 'uid-batch-x-j1' }]);
  expect(plan.status.jobStatuses!.map((s) => [s.phase, s.endTime])).toEqual([['Stopped', '2024-01-02T05:00:00Z'], ['Succeeded', undefined]]);
  expect(plan.create).toEqual([]);
});

test('webhook events: Create first, then only the jobs whose status changed, none when nothing did', () => {
  const b = batch([{ phase: 'Waiting' }, { phase: 'Waiting' }]);
  const created = batchEvent(b, undefined, b.status!)!;
  expect(created.event).toBe('Create');
  expect(created.jobStatuses!.map((j) => j.name)).toEqual(['batch-x-j0', 'batch-x-j1']);
  const after = { ...b.status!, jobStatuses: [{ name: 'j0', phase: 'Running' as const }, { name: 'j1', phase: 'Waiting' as const }] };
  const update = batchEvent(b, b.status, after)!;
  expect(update.event).toBe('Update');
  expect(update.jobStatuses!.map((j) => [j.name, j.status])).toEqual([['batch-x-j0', 'Running']]);
  expect(batchEvent(b, after, after)).toBeUndefined();
  const silent = { ...b, spec: { ...b.spec, component: { ...b.spec.component, notifications: undefined } } };
  expect(batchEvent(silent, undefined, b.status!)).toBeUndefined();
});

test('history: keeps the newest N per bucket among batches completed over an hour ago', () => {
  const now = Date.parse('2024-01-10T00:00:00Z');
  const done = (name: string, hoursAgo: number, phase: 'Succeeded' | 'Failed', type: 'job' | 'batch') => {
    const b = batch([{ phase }], type, { condition: { type: 'Completed', completionTime: new Date(now - hoursAgo * 3_600_000).toISOString() } });
    b.metadata.name = name;
    return b;
  };
  const all = [done('s1', 2, 'Succeeded', 'batch'), done('s2', 3, 'Succeeded', 'batch'), done('s3', 4, 'Succeeded', 'batch'), done('recent', 0.5, 'Succeeded', 'batch'),
    done('f1', 5, 'Failed', 'batch'), done('f2', 6, 'Failed', 'batch'), done('j1', 2, 'Succeeded', 'job'), done('j2', 9, 'Succeeded', 'job')];
  expect(historyToDelete(all, 1, now).map((b) => b.metadata.name).sort()).toEqual(['f2', 'j2', 's2', 's3']);
});
