import {
  decideSchedule, historyToDelete, MAX_SCHEDULED_NAME_LENGTH, ObservedChild, scheduledChildName, scheduledTimeOf, ScheduleInput, ScheduleSpec,
  SCHEDULED_TIME_ANNOTATION,
} from '../../src/controller/arena-job/schedule-decide';

const minutes = (iso: string) => Math.floor(new Date(iso).getTime() / 60_000);

function parent(schedule: ScheduleSpec, lastScheduleTime?: string, created = '2026-01-01T00:00:00Z') {
  return { metadata: { name: 'nightly', creationTimestamp: created }, spec: { schedule }, ...(lastScheduleTime ? { status: { lastScheduleTime } } : {}) };
}

function child(scheduled: string, phase?: string, extra: Partial<ObservedChild> = {}): ObservedChild {
  return {
    metadata: { name: `nightly-${minutes(scheduled)}`, annotations: { [SCHEDULED_TIME_ANNOTATION]: scheduled } },
    ...(phase ? { status: { phase } } : {}),
    ...extra,
  };
}

function decide(schedule: ScheduleSpec, now: string, opts: Partial<ScheduleInput> & { last?: string; created?: string } = {}) {
  return decideSchedule({ parent: parent(schedule, opts.last, opts.created), children: opts.children ?? [], now: new Date(now), ...opts });
}

describe('decideSchedule: when to create', () => {
  const daily = { cron: '0 2 * * *', timezone: 'UTC' };

  test('before the first tick: nothing to create, next tick and requeue just after it', () => {
    const plan = decide(daily, '2026-01-01T01:00:00Z');
    expect(plan.create).toBeUndefined();
    expect(plan.nextScheduleTime).toBe('2026-01-01T02:00:00.000Z');
    expect(plan.requeueAfterMs).toBe(3_600_000 + 100);
    expect(plan.lastScheduleTime).toBeUndefined();
  });

  test('at the tick: creates the child named after the tick in Unix minutes', () => {
    const plan = decide(daily, '2026-01-01T02:00:05Z');
    expect(plan.create).toEqual({ name: `nightly-${minutes('2026-01-01T02:00:00Z')}`, scheduledTime: new Date('2026-01-01T02:00:00Z') });
    expect(plan.lastScheduleTime).toBe('2026-01-01T02:00:00.000Z');
    expect(plan.nextScheduleTime).toBe('2026-01-02T02:00:00.000Z');
    expect(plan.missed).toBe(false);
  });

  test('the same tick again (status written): nothing new', () => {
    const plan = decide(daily, '2026-01-01T02:00:30Z', { last: '2026-01-01T02:00:00Z', children: [child('2026-01-01T02:00:00Z', 'Running')] });
    expect(plan.create).toBeUndefined();
    expect(plan.lastScheduleTime).toBe('2026-01-01T02:00:00.000Z');
  });

  test('restart after the child was created but before the status was written: no duplicate', () => {
    const plan = decide(daily, '2026-01-01T02:00:30Z', { children: [child('2026-01-01T02:00:00Z')] });
    expect(plan.create).toBeUndefined();
    expect(plan.lastScheduleTime).toBe('2026-01-01T02:00:00.000Z');
  });

  test('a child without the annotation still counts through its name', () => {
    const bare: ObservedChild = { metadata: { name: `nightly-${minutes('2026-01-01T02:00:00Z')}` } };
    expect(scheduledTimeOf(bare)).toEqual(new Date('2026-01-01T02:00:00Z'));
    expect(decide(daily, '2026-01-01T02:00:30Z', { children: [bare] }).create).toBeUndefined();
  });

  test('after an outage: only the latest missed tick runs, once, and the miss is reported', () => {
    const plan = decide(daily, '2026-01-05T09:00:00Z', { last: '2026-01-01T02:00:00Z', children: [child('2026-01-01T02:00:00Z', 'Succeeded')] });
    expect(plan.create?.scheduledTime).toEqual(new Date('2026-01-05T02:00:00Z'));
    expect(plan.missed).toBe(true);
    const after = decide(daily, '2026-01-05T09:00:01Z', {
      last: '2026-01-05T02:00:00Z', children: [child('2026-01-01T02:00:00Z', 'Succeeded'), child('2026-01-05T02:00:00Z')],
    });
    expect(after.create).toBeUndefined();
  });

  test('startingDeadlineSeconds: a tick older than the deadline is not run', () => {
    const late = decide(daily, '2026-01-01T02:10:00Z', { startingDeadlineSeconds: 300 });
    expect(late.create).toBeUndefined();
    const inTime = decide(daily, '2026-01-01T02:04:00Z', { startingDeadlineSeconds: 300 });
    expect(inTime.create?.scheduledTime).toEqual(new Date('2026-01-01T02:00:00Z'));
  });

  test('a tick months away: looks again within a day (a Node timer cannot wait that long)', () => {
    const plan = decide({ cron: '0 0 1 1 *' }, '2026-02-01T00:00:00Z');
    expect(plan.nextScheduleTime).toBe('2027-01-01T00:00:00.000Z');
    expect(plan.requeueAfterMs).toBe(24 * 3_600_000);
  });

  test('the first tick counts from the parent\'s creation', () => {
    const plan = decide(daily, '2026-01-01T02:30:00Z', { created: '2026-01-01T02:10:00Z' });
    expect(plan.create).toBeUndefined();
    expect(plan.nextScheduleTime).toBe('2026-01-02T02:00:00.000Z');
  });
});

describe('decideSchedule: concurrencyPolicy', () => {
  const everyMinute = (concurrencyPolicy?: string) => ({ cron: '* * * * *', timezone: 'UTC', ...(concurrencyPolicy ? { concurrencyPolicy } : {}) });
  const running = child('2026-01-01T10:00:00Z', 'Running');
  const opts = { last: '2026-01-01T10:00:00Z', children: [running] };

  test('Forbid (the default) skips while a child is active, and keeps the tick due', () => {
    const plan = decide(everyMinute(), '2026-01-01T10:01:10Z', opts);
    expect(plan.create).toBeUndefined();
    expect(plan.skipped).toEqual({ scheduledTime: new Date('2026-01-01T10:01:00Z'), active: [running.metadata.name] });
    expect(plan.lastScheduleTime).toBe('2026-01-01T10:00:00.000Z');
    expect(plan.nextScheduleTime).toBe('2026-01-01T10:02:00.000Z');
  });

  test('Forbid: a child that is Pending (or has no phase yet) is active', () => {
    expect(decide(everyMinute('Forbid'), '2026-01-01T10:01:10Z', { ...opts, children: [child('2026-01-01T10:00:00Z')] }).skipped).toBeDefined();
  });

  test('Forbid: once the active child finished, the skipped tick runs late (CronJob)', () => {
    const plan = decide(everyMinute('Forbid'), '2026-01-01T10:01:40Z', { ...opts, children: [child('2026-01-01T10:00:00Z', 'Succeeded')] });
    expect(plan.create?.scheduledTime).toEqual(new Date('2026-01-01T10:01:00Z'));
  });

  test('Allow: overlaps', () => {
    const plan = decide(everyMinute('Allow'), '2026-01-01T10:01:10Z', opts);
    expect(plan.create?.name).toBe(`nightly-${minutes('2026-01-01T10:01:00Z')}`);
    expect(plan.cancel).toEqual([]);
  });

  test('Replace: cancels the active children not cancelled yet, and creates', () => {
    const cancelling = child('2026-01-01T09:59:00Z', 'Running', { spec: { cancelled: true } });
    const done = child('2026-01-01T09:58:00Z', 'Succeeded');
    const plan = decide(everyMinute('Replace'), '2026-01-01T10:01:10Z', { ...opts, children: [running, cancelling, done] });
    expect(plan.cancel).toEqual([running.metadata.name]);
    expect(plan.create?.scheduledTime).toEqual(new Date('2026-01-01T10:01:00Z'));
  });
});

describe('decideSchedule: time zones and DST', () => {
  test('America/New_York spring forward: the 02:30 run of 8 March 2026 does not happen', () => {
    const schedule = { cron: '30 2 * * *', timezone: 'America/New_York' };
    const last = '2026-03-07T07:30:00Z'; // 02:30 EST on 7 March
    const plan = decide(schedule, '2026-03-08T12:00:00Z', { last, children: [child(last, 'Succeeded')] });
    expect(plan.create).toBeUndefined();
    expect(plan.nextScheduleTime).toBe('2026-03-09T06:30:00.000Z');
  });

  test('America/New_York fall back: 01:30 runs twice, one child each, an hour apart', () => {
    const schedule = { cron: '30 1 * * *', timezone: 'America/New_York', concurrencyPolicy: 'Allow' };
    const first = decide(schedule, '2026-11-01T05:30:10Z', { last: '2026-10-31T05:30:00Z' });
    expect(first.create?.scheduledTime).toEqual(new Date('2026-11-01T05:30:00Z'));
    expect(first.nextScheduleTime).toBe('2026-11-01T06:30:00.000Z');
    const second = decide(schedule, '2026-11-01T06:30:10Z', { last: '2026-11-01T05:30:00Z', children: [child('2026-11-01T05:30:00Z', 'Succeeded')] });
    expect(second.create?.scheduledTime).toEqual(new Date('2026-11-01T06:30:00Z'));
    expect(second.create?.name).not.toBe(first.create?.name);
    expect(second.nextScheduleTime).toBe('2026-11-02T06:30:00.000Z');
  });

  test('Europe/Berlin: 09:00 local is 08:00Z in winter and 07:00Z in summer', () => {
    const schedule = { cron: '0 9 * * *', timezone: 'Europe/Berlin' };
    expect(decide(schedule, '2026-03-28T08:00:30Z', { last: '2026-03-27T08:00:00Z' }).create?.scheduledTime).toEqual(new Date('2026-03-28T08:00:00Z'));
    expect(decide(schedule, '2026-03-29T07:00:30Z', { last: '2026-03-28T08:00:00Z' }).create?.scheduledTime).toEqual(new Date('2026-03-29T07:00:00Z'));
  });

  test('Asia/Kolkata: 09:00 local is 03:30Z', () => {
    const plan = decide({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' }, '2026-06-01T03:30:00Z', { last: '2026-05-31T03:30:00Z' });
    expect(plan.create?.scheduledTime).toEqual(new Date('2026-06-01T03:30:00Z'));
    expect(plan.nextScheduleTime).toBe('2026-06-02T03:30:00.000Z');
  });

  test('no timezone means UTC', () => {
    expect(decide({ cron: '0 9 * * *' }, '2026-06-01T08:00:00Z').nextScheduleTime).toBe('2026-06-01T09:00:00.000Z');
  });
});

describe('decideSchedule: history', () => {
  test('keeps 3 succeeded and 1 failed or cancelled by default, deletes the oldest others', () => {
    const children = [
      child('2026-01-01T01:00:00Z', 'Succeeded'), child('2026-01-01T02:00:00Z', 'Succeeded'), child('2026-01-01T03:00:00Z', 'Failed'),
      child('2026-01-01T04:00:00Z', 'Succeeded'), child('2026-01-01T05:00:00Z', 'Cancelled'), child('2026-01-01T06:00:00Z', 'Succeeded'),
      child('2026-01-01T07:00:00Z', 'Running'),
    ];
    const plan = decide({ cron: '0 * * * *' }, '2026-01-01T07:30:00Z', { last: '2026-01-01T07:00:00Z', children });
    expect(plan.delete).toEqual([`nightly-${minutes('2026-01-01T01:00:00Z')}`, `nightly-${minutes('2026-01-01T03:00:00Z')}`]);
  });

  test('other limits; children being deleted are not counted', () => {
    const children = [
      child('2026-01-01T01:00:00Z', 'Succeeded'), child('2026-01-01T02:00:00Z', 'Succeeded', { metadata: { name: 'gone', deletionTimestamp: '2026-01-01T02:30:00Z' } }),
      child('2026-01-01T03:00:00Z', 'Failed'),
    ];
    expect(historyToDelete(children, 1, 0)).toEqual([`nightly-${minutes('2026-01-01T03:00:00Z')}`]);
    expect(historyToDelete(children, 0, 5)).toEqual([`nightly-${minutes('2026-01-01T01:00:00Z')}`]);
  });
});

describe('decideSchedule: problems', () => {
  test.each([
    [{ cron: '0 2 * *' }, 'nightly', 'spec.schedule.cron \'0 2 * *\' is not a valid cron expression: it has 4 fields; use five: minute hour day-of-month month day-of-week, e.g. \'0 2 * * *\''],
    [{ cron: '0 2 * * *', timezone: 'Mars/Olympus' }, 'nightly',
      'spec.schedule.timezone \'Mars/Olympus\' is not an IANA time zone: use a name of the time zone database, e.g. \'UTC\', \'Europe/Berlin\' or \'America/New_York\''],
    [{ cron: '0 2 * * *' }, 'n'.repeat(MAX_SCHEDULED_NAME_LENGTH + 1),
      `metadata.name '${'n'.repeat(48)}' has 48 characters; a scheduled ArenaJob's name can have at most 47, so that the names of its runs (9 more characters) ` +
      'and of their worker Jobs (7 more) fit in 63: give the ArenaJob a shorter name'],
  ])('%j', (schedule, name, problem) => {
    const plan = decideSchedule({ parent: { metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { schedule } }, children: [], now: new Date('2026-01-02T00:00:00Z') });
    expect(plan.problem).toBe(problem);
    expect(plan.create).toBeUndefined();
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  test('the longest allowed name gives a child of 56 characters', () => {
    expect(scheduledChildName('n'.repeat(MAX_SCHEDULED_NAME_LENGTH), new Date('2026-01-01T00:00:00Z'))).toHaveLength(56);
  });
});
