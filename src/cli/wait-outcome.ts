import { JobKind, jobFinished, JobObject } from './kinds';

/** The states `kubejobs wait --for` knows. */
export const WAIT_STATES = ['complete', 'failed', 'running'] as const;
/** One `--for` value. */
export type WaitState = typeof WAIT_STATES[number];

/** What `kubejobs wait` makes of the job as it is now. */
export type WaitOutcome =
  /** The job is in the state: exit 0. */
  | { readonly reached: true }
  /** The job can no longer get there (`why` says why): exit 1 at once. */
  | { readonly reached: false; readonly why: string }
  /** Not yet: keep waiting. */
  | undefined;

/**
 * Decides `kubejobs wait --for state` from the job's own phase, not from Arena's status column:
 * an AppWrapper Running but Unhealthy shows FAILED yet resets and retries (not failed yet, nor
 * running), and a Paused GenericJob shows RUNNING with no pod running (not running).
 */
export function waitOutcome(kind: JobKind, job: JobObject, state: WaitState): WaitOutcome {
  const name = `${kind.type} '${job.metadata.name}'`;
  const cron: string | undefined = kind.type === 'arenajob' ? job.spec?.schedule?.cron : undefined;
  if (cron !== undefined && state !== 'running') {
    // A scheduled parent starts a run at every tick and never ends itself.
    return { reached: false, why: `${name} runs on the schedule '${cron}' and is never ${state} itself: wait for one of its runs ('kubejobs get ${job.metadata.name}' lists them)` };
  }
  const phase: string | undefined = job.status?.phase;
  const reached = state === 'complete' ? phase === 'Succeeded'
    : state === 'failed' ? phase === 'Failed' || phase === 'Cancelled'
      : isRunning(kind, job);
  if (reached) return { reached: true };
  if (jobFinished(job)) {
    // Name the phase where Arena's status hides it (a Cancelled ArenaJob shows FAILED).
    const shown = kind.status(job);
    const is = phase !== undefined && phase.toUpperCase() !== shown ? `${phase} (shown ${shown})` : shown;
    return { reached: false, why: `${name} is ${is}, so it will never be ${state}` };
  }
  return undefined;
}

/**
 * Running as a user means it: pods at work. Not a Paused GenericJob; not an AppWrapper before its
 * `PodsReady` condition (its phase is Running as soon as its components are created, while their
 * pods may still be Pending), nor one being reset after a failure (`Unhealthy`).
 */
function isRunning(kind: JobKind, job: JobObject): boolean {
  if (job.status?.phase !== 'Running') return false;
  if (kind.type !== 'appwrapperjob') return true;
  const conditions: Array<{ type?: string; status?: string }> = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  return holds('PodsReady') && !holds('Unhealthy');
}
