import { appWrapperStatus, arenaJobStatus, genericJobStatus, JobObject, kindOf } from '../../src/cli/kinds';
import { waitOutcome } from '../../src/cli/wait-outcome';

const job = (kind: string, status: Record<string, unknown> | undefined, spec: Record<string, unknown> = {}): JobObject =>
  ({ apiVersion: 'v1', kind, metadata: { name: 'j' }, spec, status });
const unhealthy = { type: 'Unhealthy', status: 'True' };

describe('status as Arena shows it', () => {
  test.each([
    [undefined, 'PENDING'], ['Pending', 'PENDING'], ['Running', 'RUNNING'], ['Paused', 'RUNNING'], ['Resuming', 'RUNNING'],
    ['Succeeded', 'SUCCEEDED'], ['Failed', 'FAILED'], ['Mystery', 'UNKNOWN'],
  ])('GenericJob %s -> %s', (phase, shown) => {
    expect(genericJobStatus(job('GenericJob', phase === undefined ? undefined : { phase }))).toBe(shown);
  });

  test.each([
    ['', [], 'QUEUING'], ['Suspended', [], 'QUEUING'], ['Resuming', [], 'RUNNING'], ['Running', [], 'RUNNING'],
    ['Running', [unhealthy], 'FAILED'], ['Running', [{ type: 'Unhealthy', status: 'False' }], 'RUNNING'],
    ['Resetting', [], 'PENDING'], ['Suspending', [], 'PENDING'], ['Terminating', [], 'PENDING'],
    ['Succeeded', [], 'SUCCEEDED'], ['Failed', [], 'FAILED'], ['Mystery', [], 'UNKNOWN'],
  ])('AppWrapper %j with conditions %j -> %s', (phase, conditions, shown) => {
    expect(appWrapperStatus(job('AppWrapper', { phase: phase || undefined, conditions }))).toBe(shown);
  });

  test.each([
    [undefined, 'PENDING'], ['Pending', 'PENDING'], ['Running', 'RUNNING'], ['Succeeded', 'SUCCEEDED'],
    ['Failed', 'FAILED'], ['Cancelled', 'FAILED'], ['Mystery', 'UNKNOWN'],
  ])('ArenaJob %s -> %s', (phase, shown) => {
    expect(arenaJobStatus(job('ArenaJob', phase === undefined ? undefined : { phase }))).toBe(shown);
  });
});

describe('the progress column of each kind', () => {
  test('GenericJob: REPLICAS running or done of all replicas', () => {
    const kind = kindOf('genericjob');
    expect(kind.progressHeader).toBe('REPLICAS');
    expect(kind.progress(job('GenericJob', { aggregate: { running: 1, succeeded: 1, failed: 1 } },
      { replicaSpecs: [{ type: 'master', replicas: 1 }, { type: 'worker', replicas: 3 }] }))).toBe('2/4');
  });

  test('AppWrapper: PODS running or done (counted from its pods) of the pod sets\' replicas', () => {
    const kind = kindOf('appwrapperjob');
    expect(kind.progressHeader).toBe('PODS');
    expect(kind.progressFromPods).toBe(true);
    const wrapper = job('AppWrapper', { phase: 'Running' }, { components: [{ podSets: [{ replicas: 1 }, { replicas: 2 }] }, { podSets: [{}] }] });
    const pod = (phase: string) => ({ metadata: {}, status: { phase } });
    expect(kind.progress(wrapper, [pod('Running'), pod('Succeeded'), pod('Pending'), pod('Failed')])).toBe('2/4');
    expect(kind.progress(wrapper)).toBe('0/4');
  });

  test('ArenaJob: PROGRESS work items completed of the total; a scheduled parent shows its schedule', () => {
    const kind = kindOf('arenajob');
    expect(kind.progressHeader).toBe('PROGRESS');
    expect(kind.progress(job('ArenaJob', { progress: { total: 5, completed: 3, failed: 1 } }))).toBe('3/5');
    expect(kind.progress(job('ArenaJob', undefined))).toBe('-');
    expect(kind.progress(job('ArenaJob', { phase: 'Running', progress: { total: 0 } }, { schedule: { cron: '0 2 * * *' } }))).toBe('cron 0 2 * * *');
  });
});

describe('kubejobs wait decides from the job\'s own phase', () => {
  const generic = kindOf('genericjob');
  const wrapper = kindOf('appwrapperjob');
  const arena = kindOf('arenajob');

  test('complete: Succeeded is reached; Failed means never', () => {
    expect(waitOutcome(generic, job('GenericJob', { phase: 'Succeeded' }), 'complete')).toEqual({ reached: true });
    expect(waitOutcome(generic, job('GenericJob', { phase: 'Running' }), 'complete')).toBeUndefined();
    expect(waitOutcome(generic, job('GenericJob', { phase: 'Failed' }), 'complete'))
      .toEqual({ reached: false, why: 'genericjob \'j\' is FAILED, so it will never be complete' });
  });

  test('failed: Failed or Cancelled is reached; an AppWrapper Running but Unhealthy (Arena\'s FAILED) is not, it resets and retries', () => {
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Failed' }), 'failed')).toEqual({ reached: true });
    expect(waitOutcome(arena, job('ArenaJob', { phase: 'Cancelled' }), 'failed')).toEqual({ reached: true });
    expect(waitOutcome(arena, job('ArenaJob', { phase: 'Cancelled' }), 'complete'))
      .toEqual({ reached: false, why: 'arenajob \'j\' is Cancelled (shown FAILED), so it will never be complete' });
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running', conditions: [unhealthy] }), 'failed')).toBeUndefined();
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Succeeded' }), 'failed'))
      .toEqual({ reached: false, why: 'appwrapperjob \'j\' is SUCCEEDED, so it will never be failed' });
  });

  test('running: pods at work; a Paused GenericJob (Arena\'s RUNNING) or an Unhealthy AppWrapper is not running', () => {
    expect(waitOutcome(generic, job('GenericJob', { phase: 'Running' }), 'running')).toEqual({ reached: true });
    expect(waitOutcome(generic, job('GenericJob', { phase: 'Paused' }), 'running')).toBeUndefined();
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running', conditions: [unhealthy] }), 'running')).toBeUndefined();
    // Running as soon as its components exist, pods maybe still Pending: running once PodsReady.
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running' }), 'running')).toBeUndefined();
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running', conditions: [{ type: 'PodsReady', status: 'False' }] }), 'running')).toBeUndefined();
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running', conditions: [{ type: 'PodsReady', status: 'True' }] }), 'running')).toEqual({ reached: true });
    expect(waitOutcome(wrapper, job('AppWrapper', { phase: 'Running', conditions: [{ type: 'PodsReady', status: 'True' }, unhealthy] }), 'running')).toBeUndefined();
    expect(waitOutcome(arena, job('ArenaJob', { phase: 'Succeeded' }), 'running'))
      .toEqual({ reached: false, why: 'arenajob \'j\' is SUCCEEDED, so it will never be running' });
  });

  test('a scheduled ArenaJob never completes nor fails itself: wait says so at once and points to its runs', () => {
    const parent = job('ArenaJob', { phase: 'Running' }, { schedule: { cron: '0 2 * * *' } });
    expect(waitOutcome(arena, parent, 'complete')).toEqual({
      reached: false, why: 'arenajob \'j\' runs on the schedule \'0 2 * * *\' and is never complete itself: wait for one of its runs (\'kubejobs get j\' lists them)',
    });
    expect(waitOutcome(arena, parent, 'failed')).toMatchObject({ reached: false });
    expect(waitOutcome(arena, parent, 'running')).toEqual({ reached: true });
  });
});
