import { CronTicks } from './cron-ticks';
import { cronProblem } from '../../cron-schedule';

/**
 * What a scheduled ArenaJob (one with `spec.schedule.cron`) does now: a pure function of the
 * parent, its children and the clock, with batch/v1 CronJob's meaning (upstream never built it,
 * shared/reference/arena-genericjob.md §1.6, §1.10.1). The parent never runs anything itself and
 * never reaches a terminal phase; at each tick it gets a child ArenaJob.
 *
 * - The tick due now is the most recent one after the last scheduled run (or the parent's
 *   creation): after an outage only the latest missed tick runs, once (`missed` says more were
 *   skipped), as CronJob does.
 * - A child's name is `<parent>-<scheduled time in Unix minutes>`, like CronJob's Jobs, and the
 *   latest scheduled time of the children counts as scheduled even when the status write that
 *   followed the child's creation was lost: a restarted controller never makes a second child
 *   for a tick.
 * - `Forbid` (the default) creates nothing while a child is active. As with CronJob, the skipped
 *   tick stays due: it runs, late, when the active child finishes before the next tick.
 *   `Replace` cancels the active children (`spec.cancelled: true`) and creates the new one;
 *   `Allow` lets them overlap.
 * - Finished children beyond the history limits are deleted, oldest first.
 * - Ticks follow {@link CronTicks}: DST as CronJob with `timeZone` has it.
 */

/** Label on every child, naming its parent (upstream's documented key). */
export const PARENT_LABEL = 'arena.omnia.altairalabs.ai/parent';
/** Annotation on every child: the tick it was created for, RFC 3339 in the schedule's time zone. */
export const SCHEDULED_TIME_ANNOTATION = 'arena.omnia.altairalabs.ai/scheduled-time';
/** Successful children kept, as CronJob's `successfulJobsHistoryLimit` default. */
export const DEFAULT_SUCCESSFUL_HISTORY_LIMIT = 3;
/** Failed or cancelled children kept, as CronJob's `failedJobsHistoryLimit` default. */
export const DEFAULT_FAILED_HISTORY_LIMIT = 1;
/**
 * Longest name of a scheduled ArenaJob: a child adds `-` and 8 digits (Unix minutes until the
 * year 2160), its worker Job `-worker`, and a Job's name must fit a 63-character label value.
 */
export const MAX_SCHEDULED_NAME_LENGTH = 63 - 9 - 7;
/** Reconcile a little after the tick, as CronJob does, so a clock running early still finds it due. */
export const TICK_SLACK_MS = 100;
/**
 * Longest wait before looking again: a yearly tick is further away than a Node timer can wait
 * (about 24.8 days; a longer one fires at once), and a day-long wait costs nothing.
 */
export const MAX_REQUEUE_MS = 24 * 60 * 60 * 1000;

const TERMINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** `spec.schedule` of an ArenaJob. */
export interface ScheduleSpec {
  readonly cron?: string;
  readonly timezone?: string;
  readonly concurrencyPolicy?: string;
}

/** The parts of the parent the decision reads. */
export interface ScheduledParent {
  readonly metadata: { readonly name?: string; readonly creationTimestamp?: string };
  readonly spec: { readonly schedule?: ScheduleSpec };
  readonly status?: { readonly lastScheduleTime?: string };
}

/** The parts of a child the decision reads. */
export interface ObservedChild {
  readonly metadata: {
    readonly name?: string;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: { readonly cancelled?: boolean };
  readonly status?: { readonly phase?: string };
}

/** Everything the decision depends on. */
export interface ScheduleInput {
  readonly parent: ScheduledParent;
  /** Children of the parent (its controller owner reference). */
  readonly children: readonly ObservedChild[];
  readonly now: Date;
  /** Default {@link DEFAULT_SUCCESSFUL_HISTORY_LIMIT}. */
  readonly successfulHistoryLimit?: number;
  /** Default {@link DEFAULT_FAILED_HISTORY_LIMIT}. */
  readonly failedHistoryLimit?: number;
  /** Like CronJob's `startingDeadlineSeconds`: a tick older than this is not run any more. */
  readonly startingDeadlineSeconds?: number;
}

/** What to do. */
export interface SchedulePlan {
  /** The child to create now: its name and the tick it is for (ISO, UTC). */
  readonly create?: { readonly name: string; readonly scheduledTime: Date };
  /** Active children to cancel (`Replace`). */
  readonly cancel: readonly string[];
  /** Finished children beyond the history limits. */
  readonly delete: readonly string[];
  /** `status.lastScheduleTime` (ISO), when there is one. */
  readonly lastScheduleTime?: string;
  /** `status.nextScheduleTime` (ISO), when the schedule ticks again. */
  readonly nextScheduleTime?: string;
  /** Reconcile again after this many ms (just after the next tick, at most {@link MAX_REQUEUE_MS}). */
  readonly requeueAfterMs?: number;
  /** A tick not run because children are active (`Forbid`). */
  readonly skipped?: { readonly scheduledTime: Date; readonly active: readonly string[] };
  /** True when ticks before the one due now were missed (only the latest runs). */
  readonly missed: boolean;
  /** Why the parent cannot be scheduled, naming the field, the value and the fix. */
  readonly problem?: string;
}

/** Decides what a scheduled ArenaJob does now. */
export function decideSchedule(input: ScheduleInput): SchedulePlan {
  const { parent, children, now } = input;
  const schedule = parent.spec.schedule ?? {};
  const name = parent.metadata.name ?? '';
  const history = historyToDelete(children, input.successfulHistoryLimit ?? DEFAULT_SUCCESSFUL_HISTORY_LIMIT,
    input.failedHistoryLimit ?? DEFAULT_FAILED_HISTORY_LIMIT);
  const latestChild = latest(children.map(scheduledTimeOf));
  const recorded = latest([parseTime(parent.status?.lastScheduleTime), latestChild]);
  const idle = { cancel: [], delete: history, missed: false, lastScheduleTime: recorded?.toISOString() };

  const problem = scheduleProblem(name, schedule);
  if (problem) return { ...idle, problem };
  const ticks = new CronTicks(schedule.cron!, schedule.timezone ?? 'UTC');

  let earliest = recorded ?? parseTime(parent.metadata.creationTimestamp) ?? now;
  if (input.startingDeadlineSeconds !== undefined) {
    const deadline = new Date(now.getTime() - input.startingDeadlineSeconds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const next = ticks.next(now);
  const timing = {
    nextScheduleTime: next?.toISOString(),
    requeueAfterMs: next ? Math.min(MAX_REQUEUE_MS, Math.max(0, next.getTime() - now.getTime()) + TICK_SLACK_MS) : undefined,
  };
  const due = ticks.mostRecent(earliest, now);
  if (!due) return { ...idle, ...timing };

  const missed = (ticks.next(earliest)?.getTime() ?? Infinity) < due.getTime();
  const childName = scheduledChildName(name, due);
  if (children.some((c) => c.metadata.name === childName)) {
    // Created before, without the annotation this decision reads: the tick is done.
    return { ...idle, ...timing, lastScheduleTime: latest([recorded, due])!.toISOString() };
  }
  const active = children.filter((c) => !TERMINAL.has(c.status?.phase ?? '')).map((c) => c.metadata.name ?? '');
  const policy = schedule.concurrencyPolicy ?? 'Forbid';
  if (policy === 'Forbid' && active.length > 0) {
    return { ...idle, ...timing, missed, skipped: { scheduledTime: due, active } };
  }
  const cancel = policy === 'Replace'
    ? children.filter((c) => !TERMINAL.has(c.status?.phase ?? '') && c.spec?.cancelled !== true).map((c) => c.metadata.name ?? '')
    : [];
  return { ...idle, ...timing, missed, cancel, create: { name: childName, scheduledTime: due }, lastScheduleTime: due.toISOString() };
}

/** `<parent>-<Unix minutes of the tick>`, as CronJob names its Jobs. */
export function scheduledChildName(parentName: string, scheduledTime: Date): string {
  return `${parentName}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

/** The tick a child was created for: its annotation, else the Unix minutes its name ends with. */
export function scheduledTimeOf(child: ObservedChild): Date | undefined {
  const annotated = parseTime(child.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION]);
  if (annotated) return annotated;
  const m = /-(\d{1,12})$/.exec(child.metadata.name ?? '');
  return m ? new Date(Number(m[1]) * 60_000) : undefined;
}

/** Why `schedule` cannot run, or undefined. */
export function scheduleProblem(name: string, schedule: ScheduleSpec): string | undefined {
  const cron = schedule.cron ?? '';
  const cronIssue = cronProblem(cron, 'UTC');
  if (cronIssue) return `spec.schedule.cron '${cron}' is not a valid cron expression: ${cronIssue}`;
  const zone = schedule.timezone ?? 'UTC';
  if (cronProblem('0 0 * * *', zone)) {
    return `spec.schedule.timezone '${zone}' is not an IANA time zone: use a name of the time zone database, e.g. 'UTC', 'Europe/Berlin' or 'America/New_York'`;
  }
  if (name.length > MAX_SCHEDULED_NAME_LENGTH) {
    return `metadata.name '${name}' has ${name.length} characters; a scheduled ArenaJob's name can have at most ${MAX_SCHEDULED_NAME_LENGTH}, ` +
      'so that the names of its runs (9 more characters) and of their worker Jobs (7 more) fit in 63: give the ArenaJob a shorter name';
  }
  return undefined;
}

/**
 * Finished children beyond the limits, oldest first: succeeded ones beyond `successful`, failed
 * or cancelled ones beyond `failed`. Children already being deleted are neither kept nor listed.
 */
export function historyToDelete(children: readonly ObservedChild[], successful: number, failed: number): string[] {
  const live = children.filter((c) => !c.metadata.deletionTimestamp);
  const newestFirst = (a: ObservedChild, b: ObservedChild) => sortTime(b) - sortTime(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  const beyond = (phases: readonly string[], limit: number) => live
    .filter((c) => phases.includes(c.status?.phase ?? ''))
    .sort(newestFirst)
    .slice(Math.max(0, limit))
    .reverse()
    .map((c) => c.metadata.name ?? '');
  return [...beyond(['Succeeded'], successful), ...beyond(['Failed', 'Cancelled'], failed)];
}

function sortTime(c: ObservedChild): number {
  return (scheduledTimeOf(c) ?? parseTime(c.metadata.creationTimestamp))?.getTime() ?? 0;
}

function parseTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function latest(times: ReadonlyArray<Date | undefined>): Date | undefined {
  let best: Date | undefined;
  for (const t of times) if (t && (!best || t > best)) best = t;
  return best;
}
