import type { ArenaConfig, ArenaJob } from '../../../imports/omnia.altairalabs.ai';
import { ReconcileContext } from '../reconciler';
import { Progress } from './decide';
import { WorkItem } from './render-worker-job';

/** The work of a new worker Job: its items and how many workers start. */
export interface WorkPlan {
  readonly items: WorkItem[];
  readonly initialParallelism: number;
}

function autoscaled(job: ArenaJob): boolean {
  return job.spec.workers?.minReplicas !== undefined || job.spec.workers?.maxReplicas !== undefined;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/**
 * The work items of a job and its first parallelism. Upstream's model: one item per worker, the
 * worker deciding what to run from the bundle.
 */
async function planWorkOf(_ctx: ReconcileContext, job: ArenaJob, _config: ArenaConfig): Promise<WorkPlan> {
  const w = job.spec.workers;
  const workers = autoscaled(job) ? (w?.minReplicas ?? w?.replicas ?? 1) : (w?.replicas ?? 1);
  const items = Array.from({ length: Math.max(1, workers) }, (_, index) => ({ index }));
  return { items, initialParallelism: parallelismFor(job, items.length) ?? items.length };
}

/**
 * The parallelism a running worker Job should have: with `minReplicas`/`maxReplicas`, the work
 * items left, kept between them; with `replicas` alone, unchanged (a fixed pool).
 */
function parallelismFor(job: ArenaJob, itemsLeft: number): number | undefined {
  if (!autoscaled(job)) return job.spec.workers?.replicas ?? 1;
  const min = job.spec.workers?.minReplicas ?? 1;
  const max = job.spec.workers?.maxReplicas ?? Math.max(min, itemsLeft);
  return clamp(itemsLeft, min, max);
}

/** Work items and scaling of ArenaJobs. */
export const planWork = Object.assign(planWorkOf, {
  desiredParallelism: (job: ArenaJob, progress: Progress): number | undefined => {
    const left = progress.total - progress.completed - progress.failed;
    if (left <= 0) return undefined;
    return autoscaled(job) ? parallelismFor(job, left) : undefined;
  },
});
