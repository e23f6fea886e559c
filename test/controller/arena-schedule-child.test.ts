import type { ArenaJob } from '../../imports/omnia.altairalabs.ai';
import { decideSchedule } from '../../src/controller/arena-job/schedule-decide';
import { formatInZone, scheduledChild } from '../../src/controller/arena-schedule/child';
import { scheduledParentStatus } from '../../src/controller/arena-schedule/status';

const parent: ArenaJob = {
  apiVersion: 'omnia.altairalabs.ai/v1alpha1',
  kind: 'ArenaJob',
  metadata: { name: 'nightly', namespace: 'arena', uid: 'parent-uid', generation: 2, labels: { team: 'qa' }, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    configRef: { name: 'cfg' },
    workers: { replicas: 5 },
    schedule: { cron: '30 1 * * *', timezone: 'America/New_York', concurrencyPolicy: 'Forbid' },
  },
};

describe('scheduledChild', () => {
  test('the parent\'s spec without schedule, its labels plus the parent label, the tick, an owner reference', () => {
    const child = scheduledChild(parent, 'nightly-29870730', new Date('2026-11-01T06:30:00Z'), 'America/New_York');
    expect(child).toEqual({
      apiVersion: 'omnia.altairalabs.ai/v1alpha1',
      kind: 'ArenaJob',
      metadata: {
        name: 'nightly-29870730',
        namespace: 'arena',
        labels: { 'team': 'qa', 'arena.omnia.altairalabs.ai/parent': 'nightly' },
        annotations: { 'arena.omnia.altairalabs.ai/scheduled-time': '2026-11-01T01:30:00-05:00' },
        ownerReferences: [{ apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', name: 'nightly', uid: 'parent-uid', controller: true, blockOwnerDeletion: true }],
      },
      spec: { configRef: { name: 'cfg' }, workers: { replicas: 5 } },
    });
  });

  test('a cancelled parent spec does not give a cancelled run', () => {
    const cancelled = { ...parent, spec: { ...parent.spec, cancelled: true } } as ArenaJob;
    expect(scheduledChild(cancelled, 'c', new Date(), 'UTC').spec).not.toHaveProperty('cancelled');
  });
});

describe('formatInZone', () => {
  test.each([
    ['2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01T01:30:00-04:00'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01T01:30:00-05:00'],
    ['2026-06-01T03:30:00Z', 'Asia/Kolkata', '2026-06-01T09:00:00+05:30'],
    ['2026-06-01T03:30:00Z', 'UTC', '2026-06-01T03:30:00Z'],
  ])('%s in %s', (instant, zone, expected) => {
    expect(formatInZone(new Date(instant), zone)).toBe(expected);
    expect(new Date(expected).getTime()).toBe(new Date(instant).getTime());
  });
});

describe('scheduledParentStatus', () => {
  const now = '2026-11-01T05:30:05Z';
  test('a valid schedule: Running, Ready, progress at zero, both schedule times', () => {
    const plan = decideSchedule({ parent, children: [], now: new Date(now) });
    const status = scheduledParentStatus(parent, plan, now);
    expect(status).toEqual({
      phase: 'Running',
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Scheduled', message: 'Runs are created on schedule', observedGeneration: 2, lastTransitionTime: now }],
      progress: { total: 0, completed: 0, failed: 0, pending: 0 },
      lastScheduleTime: '2026-11-01T05:30:00.000Z',
      nextScheduleTime: '2026-11-01T06:30:00.000Z',
    });
    // Unchanged condition: its transition time stays.
    const later = scheduledParentStatus({ ...parent, status }, plan, '2026-11-01T05:31:00Z');
    expect(later.conditions?.[0]?.lastTransitionTime).toBe(now);
  });

  test('an invalid schedule: Pending, never terminal, Ready False naming the problem', () => {
    const bad = { ...parent, spec: { ...parent.spec, schedule: { cron: '61 * * * *' } } };
    const plan = decideSchedule({ parent: bad, children: [], now: new Date(now) });
    const status = scheduledParentStatus(bad, plan, now);
    expect(status.phase).toBe('Pending');
    expect(status.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'InvalidSchedule' });
    expect(status.conditions?.[0]?.message).toMatch(/^spec\.schedule\.cron '61 \* \* \* \*' is not a valid cron expression: /);
    expect(status).not.toHaveProperty('nextScheduleTime');
  });
});
