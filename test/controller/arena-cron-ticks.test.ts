import { CronTicks } from '../../src/controller/arena-job/cron-ticks';

/** The next `n` ticks after `from`, as ISO strings. */
function ticks(expression: string, timeZone: string, from: string, n: number): string[] {
  const cron = new CronTicks(expression, timeZone);
  const out: string[] = [];
  let t: Date | undefined = new Date(from);
  for (let i = 0; i < n && t; i++) {
    t = cron.next(t);
    if (t) out.push(t.toISOString());
  }
  return out;
}

describe('CronTicks.next: time zones', () => {
  test('UTC', () => {
    expect(ticks('0 2 * * *', 'UTC', '2026-06-01T02:00:00Z', 2)).toEqual(['2026-06-02T02:00:00.000Z', '2026-06-03T02:00:00.000Z']);
  });

  test('Asia/Kolkata (+05:30, no DST)', () => {
    expect(ticks('0 9 * * *', 'Asia/Kolkata', '2026-03-01T00:00:00Z', 2)).toEqual(['2026-03-01T03:30:00.000Z', '2026-03-02T03:30:00.000Z']);
  });

  test('every minute: the next whole minute', () => {
    expect(ticks('* * * * *', 'America/New_York', '2026-06-01T10:00:30Z', 3))
      .toEqual(['2026-06-01T10:01:00.000Z', '2026-06-01T10:02:00.000Z', '2026-06-01T10:03:00.000Z']);
  });

  test('strictly after: a tick at `after` itself is not returned', () => {
    expect(ticks('0 2 * * *', 'UTC', '2026-06-01T01:59:59.999Z', 1)).toEqual(['2026-06-01T02:00:00.000Z']);
    expect(ticks('0 2 * * *', 'UTC', '2026-06-01T02:00:00.000Z', 1)).toEqual(['2026-06-02T02:00:00.000Z']);
  });

  test('an expression that never matches has no tick', () => {
    expect(ticks('0 0 30 2 *', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual([]);
  });
});

describe('CronTicks.next: DST the way CronJob with timeZone has it', () => {
  // America/New_York 2026: 02:00 EST -> 03:00 EDT on 8 March; 02:00 EDT -> 01:00 EST on 1 November.
  test('New York spring forward: 02:30 does not exist that day and is skipped', () => {
    expect(ticks('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
  });

  test('New York spring forward: hourly goes 01:00 EST -> 03:00 EDT', () => {
    expect(ticks('0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', 3))
      .toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  test('New York spring forward: 03:30 still runs, one hour after 01:30 in real time', () => {
    expect(ticks('30 1,3 * * *', 'America/New_York', '2026-03-08T05:00:00Z', 2)).toEqual(['2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z']);
  });

  test('New York fall back: 01:30 happens twice and runs twice (EDT, then EST)', () => {
    expect(ticks('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3))
      .toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  test('New York fall back: starting between the two 01:30s finds the second', () => {
    expect(ticks('30 1 * * *', 'America/New_York', '2026-11-01T05:45:00Z', 1)).toEqual(['2026-11-01T06:30:00.000Z']);
  });

  test('New York fall back: hourly goes 01:00 EDT -> 01:00 EST -> 02:00 EST', () => {
    expect(ticks('0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 3))
      .toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
  });

  test('New York fall back: every 15 minutes of hour 1 runs 8 times, in real-time order', () => {
    const got = ticks('*/15 1 * * *', 'America/New_York', '2026-11-01T04:00:00Z', 9);
    expect(got.slice(0, 8)).toEqual([
      '2026-11-01T05:00:00.000Z', '2026-11-01T05:15:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T05:45:00.000Z',
      '2026-11-01T06:00:00.000Z', '2026-11-01T06:15:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T06:45:00.000Z',
    ]);
    expect(got[8]).toBe('2026-11-02T06:00:00.000Z');
  });

  // Europe/Berlin 2026: 02:00 CET -> 03:00 CEST on 29 March; 03:00 CEST -> 02:00 CET on 25 October.
  test('Berlin spring forward: 02:30 is skipped', () => {
    expect(ticks('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  test('Berlin fall back: 02:30 runs at 00:30Z (CEST) and 01:30Z (CET)', () => {
    expect(ticks('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3))
      .toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  test('Berlin: a daily run keeps its local time across the change', () => {
    expect(ticks('0 9 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 2)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
  });
});

describe('CronTicks.next: half-hour shifts', () => {
  // Australia/Lord_Howe: 02:00 (+11:00) -> 01:30 (+10:30) on 5 April 2026.
  test('Lord Howe fall back by 30 minutes: 01:45 runs twice, 30 minutes apart', () => {
    expect(ticks('45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', 3))
      .toEqual(['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z', '2026-04-05T15:15:00.000Z']);
  });
});

describe('CronTicks.mostRecent', () => {
  const daily = new CronTicks('0 2 * * *', 'UTC');
  test('the last tick in (after, notAfter]', () => {
    expect(daily.mostRecent(new Date('2026-06-01T00:00:00Z'), new Date('2026-06-05T03:00:00Z'))?.toISOString()).toBe('2026-06-05T02:00:00.000Z');
    expect(daily.mostRecent(new Date('2026-06-01T00:00:00Z'), new Date('2026-06-05T02:00:00Z'))?.toISOString()).toBe('2026-06-05T02:00:00.000Z');
  });

  test('none when no tick falls in the window', () => {
    expect(daily.mostRecent(new Date('2026-06-05T02:00:00Z'), new Date('2026-06-05T23:00:00Z'))).toBeUndefined();
  });

  test('a rare schedule far back: a leap day four years ago', () => {
    const leap = new CronTicks('0 0 29 2 *', 'UTC');
    expect(leap.mostRecent(new Date('2020-01-01T00:00:00Z'), new Date('2027-06-01T00:00:00Z'))?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  test('every minute over a long outage: quick, and the latest minute', () => {
    const everyMinute = new CronTicks('* * * * *', 'Europe/Berlin');
    expect(everyMinute.mostRecent(new Date('2026-01-01T00:00:00Z'), new Date('2026-03-29T01:30:30Z'))?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  test('across fall back in New York: the second 01:30', () => {
    const c = new CronTicks('30 1 * * *', 'America/New_York');
    expect(c.mostRecent(new Date('2026-10-31T12:00:00Z'), new Date('2026-11-01T07:00:00Z'))?.toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });
});

describe('CronTicks: invalid input', () => {
  test('names the problem', () => {
    expect(() => new CronTicks('0 2 * *', 'UTC')).toThrow('it has 4 fields; use five: minute hour day-of-month month day-of-week, e.g. \'0 2 * * *\'');
    expect(() => new CronTicks('0 2 * * *', 'Mars/Olympus')).toThrow('time zone \'Mars/Olympus\' is not an IANA time zone; use e.g. \'UTC\' or \'America/New_York\'');
  });
});
