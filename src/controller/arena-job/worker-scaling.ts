import type { Progress } from './work-items';

/**
 * How many workers an ArenaJob runs at once. `workers.minReplicas`/`maxReplicas` (the seed's
 * "autoscaling", ignored upstream) set a range the running Job's `parallelism` (mutable on a
 * batch Job) follows with the pending work; `replicas` alone keeps a fixed pool. No
 * HorizontalPodAutoscaler is involved: it cannot scale a Job.
 */

/** `spec.workers` of an ArenaJob. */
export interface WorkersSpec {
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

/** The worker pool of a run. */
export interface WorkerPool {
  /** Fewest workers while work is left. */
  readonly min: number;
  /** Most workers at once. */
  readonly max: number;
  /** True for `replicas` alone: min = max = replicas. */
  readonly fixed: boolean;
}

/**
 * The pool `workers` asks for. With `minReplicas` or `maxReplicas` the pool scales: a missing
 * `minReplicas` is 1, a missing `maxReplicas` is the larger of `minReplicas` and `replicas`
 * (`replicas` itself is otherwise ignored, since the API server defaults it to 1 whenever
 * `workers` is given). Without either, `replicas` (default 1) is a fixed pool.
 */
export function workerPool(workers: WorkersSpec | undefined): WorkerPool {
  const replicas = atLeastOne(workers?.replicas);
  if (workers?.minReplicas === undefined && workers?.maxReplicas === undefined) {
    return { min: replicas, max: replicas, fixed: true };
  }
  const min = atLeastOne(workers.minReplicas);
  const max = Math.max(min, workers.maxReplicas === undefined ? replicas : atLeastOne(workers.maxReplicas));
  return { min, max, fixed: false };
}

/**
 * The `parallelism` of the worker Job: a fixed pool's size, or the items still to run kept
 * within [min, max]. Below `min` the pool stays at `min` (the Job controller never starts more
 * pods than indexes are left, so the excess costs nothing); a finished run needs no worker.
 * Pending items include running ones, so scaling down never goes below the pods at work: the
 * Job controller would stop the excess.
 */
export function desiredParallelism(pool: WorkerPool, progress: Progress): number {
  if (progress.total > 0 && progress.pending === 0) return 0;
  if (pool.fixed) return pool.max;
  return Math.min(pool.max, Math.max(pool.min, progress.pending));
}

/**
 * The parallelism to write to a running Job, or undefined when it already has it. Never raised
 * above what the pool allows and never written for a Job that has finished.
 */
export function parallelismUpdate(pool: WorkerPool, progress: Progress, current: number | undefined, jobFinished: boolean): number | undefined {
  if (jobFinished) return undefined;
  const want = desiredParallelism(pool, progress);
  // A Job whose last items run keeps its pods: lowering parallelism to 0 would not stop them,
  // it would only make the Job look suspended.
  if (want === 0) return undefined;
  return want === current ? undefined : want;
}

/** `status.activeWorkers`: the worker Job's running pods, never negative. */
export function activeWorkers(job: { readonly status?: { readonly active?: number } } | undefined): number {
  const n = job?.status?.active ?? 0;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function atLeastOne(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
}
