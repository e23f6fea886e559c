import { Cron } from 'croner';
import { cronProblem } from '../../cron-schedule';

/**
 * The ticks of a five-field cron expression in an IANA time zone, the way a batch/v1 CronJob with
 * `timeZone` has them (robfig/cron with `TZ=`): a tick is every instant whose wall-clock time in
 * the zone matches the expression. So a local time that does not exist (skipped when clocks go
 * forward) never ticks, and a local time that happens twice (when clocks go back) ticks twice, an
 * hour apart. croner does the calendar matching on wall-clock times (read as UTC, where nothing
 * shifts); this class maps wall-clock times to instants itself because croner's own time-zone
 * mode runs a skipped local time late instead.
 */
export class CronTicks {
  private readonly wall: Cron;
  private readonly zone: ZoneOffsets;

  /** Throws with the problem in words when the expression or the time zone is not valid. */
  public constructor(public readonly expression: string, public readonly timeZone: string) {
    const problem = cronProblem(expression, timeZone);
    if (problem) throw new Error(problem);
    this.wall = new Cron(expression, { timezone: 'UTC', paused: true });
    this.zone = zoneOffsets(timeZone);
  }

  /**
   * The first tick strictly after `after`, or undefined when the expression never matches again.
   * Walks the stretches of constant UTC offset from `after` on: within one, instants and wall
   * times differ by that offset, so the first matching wall time in it is its first tick.
   */
  public next(after: Date): Date | undefined {
    // Ticks are whole seconds at most; anything in the same second as `after` is not after it.
    let from = Math.floor(after.getTime() / 1000) * 1000 + 1000;
    for (;;) {
      const offset = this.zone.offsetMs(from);
      // The first matching wall time at or after the wall time of `from`.
      const wall = this.wall.nextRun(new Date(from + offset - 1))?.getTime();
      if (wall === undefined || wall === null) return undefined;
      const instant = wall - offset;
      const change = this.zone.firstChange(from, instant, offset);
      if (change === undefined) return new Date(instant);
      // The offset changes before that instant: nothing matched before the change, so go on
      // from there with the new offset (wall times skipped or repeated by the change included).
      from = change;
    }
  }

  /** The last tick in (`after`, `notAfter`], or undefined when there is none. */
  public mostRecent(after: Date, notAfter: Date): Date | undefined {
    const end = notAfter.getTime();
    // Look back over growing windows so a frequent schedule costs few steps and a rare one (a
    // leap day) is still found.
    for (const back of LOOK_BACK_MS) {
      const from = Math.max(after.getTime(), end - back);
      let tick = this.next(new Date(from));
      if (tick !== undefined && tick.getTime() <= end) {
        for (let t = this.next(tick); t !== undefined && t.getTime() <= end; t = this.next(t)) tick = t;
        return tick;
      }
      if (from === after.getTime()) return undefined;
    }
    return undefined;
  }
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/**
 * How often the offset is sampled between two instants: offset changes (DST and zone rule
 * changes) are months apart, never two within this span.
 */
const SAMPLE_MS = 12 * HOUR_MS;
/** Windows {@link CronTicks.mostRecent} looks back over: an hour, a day, a month, a year, 8 years (leap days). */
const LOOK_BACK_MS = [HOUR_MS, DAY_MS, 32 * DAY_MS, 367 * DAY_MS, 2923 * DAY_MS, Number.MAX_SAFE_INTEGER];

/** UTC offsets of one time zone. */
interface ZoneOffsets {
  /** Wall-clock time minus UTC at an instant, in ms. */
  offsetMs(instantMs: number): number;
  /**
   * The first whole second in (`fromMs`, `toMs`] at which the offset is no longer `offset` (the
   * offset at `fromMs`), or undefined when it holds throughout.
   */
  firstChange(fromMs: number, toMs: number, offset: number): number | undefined;
}

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function zoneOffsets(timeZone: string): ZoneOffsets {
  let format = FORMATTERS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    FORMATTERS.set(timeZone, format);
  }
  const fmt = format;
  const offsetMs = (instantMs: number): number => {
    const whole = Math.floor(instantMs / 1000) * 1000;
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(whole))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    // `year` is the era year: fine for every date a schedule reaches.
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - whole;
  };
  const firstChange = (fromMs: number, toMs: number, offset: number): number | undefined => {
    let lo = fromMs;
    let hi: number | undefined;
    for (let t = Math.min(fromMs + SAMPLE_MS, toMs); ; t = Math.min(t + SAMPLE_MS, toMs)) {
      if (offsetMs(t) !== offset) {
        hi = t;
        break;
      }
      lo = t;
      if (t >= toMs) return undefined;
    }
    // Offsets change on whole seconds: narrow down to the first second with the new one.
    let loS = Math.floor(lo / 1000);
    let hiS = Math.ceil(hi / 1000);
    while (hiS - loS > 1) {
      const mid = Math.floor((loS + hiS) / 2);
      if (offsetMs(mid * 1000) === offset) loS = mid;
      else hiS = mid;
    }
    return hiS * 1000;
  };
  return { offsetMs, firstChange };
}
