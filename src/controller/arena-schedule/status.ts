import type { ArenaJob, ArenaJobStatus, Condition } from '../../../imports/omnia.altairalabs.ai';
import type { SchedulePlan } from '../arena-job/schedule-decide';

/**
 * The status of a scheduled parent after `plan`. A parent never reaches a terminal phase: it is
 * `Running` while its schedule is valid (it keeps starting runs) and `Pending` while it is not,
 * with `Ready` saying which. Its own progress stays at zero (the runs have theirs) but is always
 * present, like every ArenaJob's.
 */
export function scheduledParentStatus(parent: ArenaJob, plan: SchedulePlan, now: string): ArenaJobStatus {
  const previous = parent.status ?? {};
  const generation = parent.metadata.generation as number | undefined;
  const ready: Omit<Condition, 'lastTransitionTime'> = plan.problem
    ? { type: 'Ready', status: 'False', reason: 'InvalidSchedule', message: plan.problem }
    : { type: 'Ready', status: 'True', reason: 'Scheduled', message: 'Runs are created on schedule' };
  const status: ArenaJobStatus = {
    ...previous,
    phase: plan.problem ? 'Pending' : 'Running',
    observedGeneration: generation,
    conditions: withCondition(previous.conditions, { ...ready, observedGeneration: generation }, now),
    progress: previous.progress ?? { total: 0, completed: 0, failed: 0, pending: 0 },
    lastScheduleTime: plan.lastScheduleTime ?? previous.lastScheduleTime,
    nextScheduleTime: plan.nextScheduleTime,
  };
  if (status.nextScheduleTime === undefined) delete status.nextScheduleTime;
  if (status.lastScheduleTime === undefined) delete status.lastScheduleTime;
  return status;
}

/** `conditions` with `c` set; its lastTransitionTime changes only when its status does. */
function withCondition(conditions: readonly Condition[] | undefined, c: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const old = (conditions ?? []).find((x) => x.type === c.type);
  const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : now;
  return [...(conditions ?? []).filter((x) => x.type !== c.type), { ...c, lastTransitionTime }];
}
