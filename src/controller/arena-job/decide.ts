import type { ArenaConfig, ArenaJob, ArenaJobStatus } from '../../../imports/omnia.altairalabs.ai';
import { Condition, ConditionUpdate, findCondition, setConditions } from '../conditions';
import { KubeObject } from '../kube-client';
import { renderWorkerJob, resultUrl, workerJobName } from './render-worker-job';
import { initialProgress, Progress, progressFromJob, WorkItem } from './work-items';
import { parallelismUpdate, WorkerPool } from './worker-scaling';

/** The worker Job as the decision reads it. */
export interface ObservedWorkerJob extends KubeObject {
  spec?: { completions?: number; parallelism?: number; [key: string]: unknown };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    completedIndexes?: string;
    failedIndexes?: string;
    completionTime?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** Everything the decision looks at. */
export interface ObservedArenaJob {
  readonly job: ArenaJob;
  /** The ArenaConfig `spec.configRef` names, if it exists. */
  readonly config?: ArenaConfig;
  /** The worker Job the ArenaJob controls, if it exists. */
  readonly workerJob?: ObservedWorkerJob;
  /** The work items, computed once the config is Ready and no worker Job exists yet. */
  readonly items?: readonly WorkItem[];
  /** Parallelism of a new worker Job. */
  readonly initialParallelism?: number;
  /** The worker pool `spec.workers` asks for: the running Job's parallelism follows it. */
  readonly pool?: WorkerPool;
  /** How the items were found (for the JobCreated event). */
  readonly itemsBasis?: string;
  readonly workerImage: string;
  readonly workerImagePullPolicy?: string;
  readonly now: string;
}

/** An Event to record on the ArenaJob. */
export interface PlannedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** What the applier does, in this order: delete the worker Job, create it, scale it, write the status. */
export interface ArenaJobPlan {
  readonly status: ArenaJobStatus;
  readonly createWorkerJob?: KubeObject;
  readonly deleteWorkerJob?: boolean;
  readonly setParallelism?: number;
  readonly events: PlannedEvent[];
  /** Look again after this long (a Pending job waiting for its config). */
  readonly requeueAfterMs?: number;
}

/** Phases after which nothing changes any more (upstream: sticky). */
export const TERMINAL_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** How often a Pending job looks at its config again, besides the config watch. */
export const CONFIG_RETRY_MS = 30_000;

/** Work items of the run behind `workerJob`, one per completion index. */
export function progressOf(workerJob: ObservedWorkerJob, previous?: Progress): Progress {
  return progressFromJob(workerJob.spec?.completions ?? 1, workerJob, previous);
}

function jobCondition(workerJob: ObservedWorkerJob, type: string) {
  return workerJob.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/**
 * Decides everything for one ArenaJob that is not a cron parent. Pure: no I/O, no clock.
 *
 * A job waits in `Pending` (requeued, never failed) until its ArenaConfig is Ready; then its worker
 * Job is created and it is `Running` with progress read from the Job's completion indexes; the
 * Job's `Complete`/`Failed` condition makes it `Succeeded`/`Failed`. `spec.cancelled` deletes the
 * workers and ends it `Cancelled`. Terminal phases never change again.
 */
export function decideArenaJob(observed: ObservedArenaJob): ArenaJobPlan {
  const { job, config, workerJob, now } = observed;
  const prev: ArenaJobStatus = job.status ?? {};
  const generation = job.metadata.generation as number | undefined;
  const conditions = prev.conditions as Condition[] | undefined;
  const events: PlannedEvent[] = [];
  if (TERMINAL_PHASES.has(prev.phase ?? '')) return { status: prev, events };
  const configName = job.spec.configRef.name;
  const withConditions = (status: ArenaJobStatus, updates: ConditionUpdate[]): ArenaJobStatus => ({
    ...status,
    observedGeneration: generation,
    conditions: setConditions(conditions, updates, generation, now),
  });
  const zeroProgress = (total = 0): Progress => initialProgress(total);
  const previous = prev.progress as Progress | undefined;

  if (job.spec.cancelled) {
    const progress = workerJob ? progressOf(workerJob, previous) : previous ?? zeroProgress();
    const message = 'The job was cancelled (spec.cancelled): its workers were deleted';
    events.push({ type: 'Normal', reason: 'Cancelled', message });
    return {
      status: withConditions({ ...prev, phase: 'Cancelled', completionTime: now, activeWorkers: 0, progress, progressSummary: summary(progress) }, [
        { type: 'Ready', status: 'False', reason: 'Cancelled', message },
        { type: 'Progressing', status: 'False', reason: 'Cancelled', message },
        { type: 'Complete', status: 'False', reason: 'Cancelled', message },
        { type: 'Failed', status: 'False', reason: 'Cancelled', message },
      ]),
      deleteWorkerJob: workerJob !== undefined,
      events,
    };
  }

  const created = findCondition(conditions, 'JobCreated')?.status === 'True';
  if (!workerJob && created) {
    // The worker Job was created and is gone, not by us (we delete only on cancel, which is terminal).
    const message = `Worker job ${workerJobName(job.metadata.name!)} was deleted before it finished: its outcome is unknown`;
    events.push({ type: 'Warning', reason: 'JobFailed', message });
    const progress = (prev.progress as Progress | undefined) ?? zeroProgress();
    return { status: terminalFailed(withConditions, prev, progress, now, 'WorkerJobDeleted', message), events };
  }

  if (!workerJob) {
    const configIssue = checkConfig(job, config);
    if (configIssue) {
      const wasSame = findCondition(conditions, 'ConfigValid')?.message === configIssue.message;
      if (!wasSame) events.push({ type: 'Warning', reason: 'ConfigNotReady', message: configIssue.message });
      const progress = (prev.progress as Progress | undefined) ?? zeroProgress();
      return {
        status: withConditions({ ...prev, phase: 'Pending', progress, progressSummary: summary(progress) }, [
          { type: 'Ready', status: 'False', reason: 'ConfigNotReady', message: configIssue.message },
          { type: 'ConfigValid', status: 'False', reason: configIssue.reason, message: configIssue.message },
        ]),
        events,
        requeueAfterMs: CONFIG_RETRY_MS,
      };
    }
    const items = observed.items ?? [{ index: 0 }];
    if (items.length === 0) {
      const message = `No work: ${observed.itemsBasis ?? 'no scenario selected'}; check spec.scenarios of the ArenaJob and its ArenaConfig`;
      events.push({ type: 'Warning', reason: 'NoWorkItems', message });
      return { status: terminalFailed(withConditions, prev, zeroProgress(), now, 'NoWorkItems', message), events };
    }
    const worker = renderWorkerJob({
      job,
      config: config!,
      items,
      parallelism: observed.initialParallelism ?? 1,
      image: observed.workerImage,
      imagePullPolicy: observed.workerImagePullPolicy,
    });
    const progress = zeroProgress(items.length);
    const url = resultUrl(job);
    const basis = observed.itemsBasis ? ` (${observed.itemsBasis})` : '';
    events.push({ type: 'Normal', reason: 'JobCreated', message: `Created worker job ${worker.metadata!.name} with ${items.length} work item(s)${basis}` });
    return {
      status: withConditions({
        ...prev,
        phase: 'Running',
        startTime: now,
        progress,
        progressSummary: summary(progress),
        activeWorkers: 0,
        ...(url ? { result: { ...prev.result, url } } : {}),
      }, [
        { type: 'ConfigValid', status: 'True', reason: 'ConfigValid', message: `ArenaConfig ${configName} is valid and ready` },
        { type: 'JobCreated', status: 'True', reason: 'JobCreated', message: 'Worker job created successfully' },
        { type: 'Progressing', status: 'True', reason: 'JobRunning', message: `Job running: 0/${items.length} completed` },
        { type: 'Ready', status: 'True', reason: 'Running', message: 'The worker job is running' },
      ]),
      createWorkerJob: worker,
      events,
    };
  }

  // The worker Job exists: follow it.
  const progress = progressOf(workerJob, previous);
  const url = resultUrl(job);
  const base: ArenaJobStatus = {
    ...prev,
    phase: 'Running',
    startTime: prev.startTime ?? workerJob.metadata?.creationTimestamp ?? now,
    progress,
    progressSummary: summary(progress),
    activeWorkers: workerJob.status?.active ?? 0,
    ...(url ? { result: { ...prev.result, url } } : {}),
  };
  const createdConditions: ConditionUpdate[] = [
    { type: 'ConfigValid', status: 'True', reason: 'ConfigValid', message: `ArenaConfig ${configName} is valid and ready` },
    { type: 'JobCreated', status: 'True', reason: 'JobCreated', message: 'Worker job created successfully' },
  ];
  const complete = jobCondition(workerJob, 'Complete');
  if (complete) {
    const message = 'Job completed successfully';
    events.push({ type: 'Normal', reason: 'JobSucceeded', message: `Worker job succeeded: ${progress.completed}/${progress.total} work items completed` });
    return {
      status: withConditions({ ...base, phase: 'Succeeded', activeWorkers: 0, completionTime: workerJob.status?.completionTime ?? now }, [
        ...createdConditions,
        { type: 'Progressing', status: 'False', reason: 'JobSucceeded', message },
        { type: 'Ready', status: 'True', reason: 'Succeeded', message },
        { type: 'Complete', status: 'True', reason: 'JobSucceeded', message },
        { type: 'Failed', status: 'False', reason: 'JobSucceeded', message },
      ]),
      events,
    };
  }
  const failed = jobCondition(workerJob, 'Failed');
  if (failed) {
    const message = `Worker job failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''} (${progress.failed} of ${progress.total} work items failed)`;
    events.push({ type: 'Warning', reason: 'JobFailed', message });
    return { status: terminalFailed(withConditions, { ...base, completionTime: undefined }, progress, now, 'JobFailed', message, createdConditions), events };
  }
  const current = workerJob.spec?.parallelism;
  const setParallelism = observed.pool ? parallelismUpdate(observed.pool, progress, current, false) : undefined;
  if (setParallelism !== undefined) {
    events.push({ type: 'Normal', reason: 'WorkersScaled', message: `Scaled workers from ${current ?? 1} to ${setParallelism}: ${progress.pending} work item(s) left` });
  }
  return {
    status: withConditions(base, [
      ...createdConditions,
      { type: 'Progressing', status: 'True', reason: 'JobRunning', message: `Job running: ${progress.completed}/${progress.total} completed` },
      { type: 'Ready', status: 'True', reason: 'Running', message: 'The worker job is running' },
    ]),
    ...(setParallelism !== undefined ? { setParallelism } : {}),
    events,
  };
}

function terminalFailed(
  withConditions: (s: ArenaJobStatus, u: ConditionUpdate[]) => ArenaJobStatus,
  base: ArenaJobStatus, progress: Progress, now: string, reason: string, message: string, extra: ConditionUpdate[] = [],
): ArenaJobStatus {
  return withConditions({ ...base, phase: 'Failed', activeWorkers: 0, completionTime: now, progress, progressSummary: summary(progress) }, [
    ...extra,
    { type: 'Progressing', status: 'False', reason, message },
    { type: 'Ready', status: 'False', reason: 'Failed', message },
    { type: 'Failed', status: 'True', reason, message },
    { type: 'Complete', status: 'False', reason, message },
  ]);
}

/** Why the job cannot start yet, or undefined when its config is Ready. */
function checkConfig(job: ArenaJob, config: ArenaConfig | undefined): { reason: string; message: string } | undefined {
  const name = job.spec.configRef.name;
  const namespace = job.metadata.namespace ?? 'default';
  if (!config) return { reason: 'ConfigNotFound', message: `ArenaConfig ${name} not found in namespace ${namespace}: create it; the job starts once it is Ready` };
  if (config.status?.phase !== 'Ready') {
    const why = findCondition(config.status?.conditions as Condition[] | undefined, 'Ready')?.message;
    return { reason: 'ConfigNotReady', message: `ArenaConfig ${name} is not ready (phase: ${config.status?.phase ?? 'none'})${why ? `: ${why}` : ''}; the job starts once it is Ready` };
  }
  return undefined;
}

/** `completed/total`, the printer column. */
function summary(p: Progress): string {
  return `${p.completed}/${p.total}`;
}
