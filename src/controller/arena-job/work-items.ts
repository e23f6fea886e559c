/**
 * Work items of an ArenaJob run and the progress over them.
 *
 * Where the controller knows the scenarios, a work item is one scenario x one provider, and the
 * run is an Indexed Job with one completion index per item: index `i` is item `i` of
 * {@link workItems}, whose order depends only on the sets of scenarios and providers (sorted), so
 * every reconcile, and a restarted controller, maps an index to the same item. Where it does not
 * (git and oci sources, resolved by the workers), the run falls back to upstream's one item per
 * worker: index `i` is worker `i`, which works out its own share.
 */

/** One unit of work: what completion index `index` of the worker Job runs. */
export interface WorkItem {
  /** Completion index of the Indexed Job. */
  readonly index: number;
  /** Scenario path; undefined in the one-item-per-worker fallback. */
  readonly scenario?: string;
  /** Provider (`name`, or `namespace/name` across namespaces); undefined in the fallback. */
  readonly provider?: string;
}

/** `status.progress` of an ArenaJob: every counter always present, never negative. */
export interface Progress {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  /** Items neither completed nor failed (waiting or running), as upstream counts them. */
  readonly pending: number;
}

/** The part of a batch/v1 Job's status progress is computed from. */
export interface ObservedWorkerJob {
  readonly spec?: { readonly completions?: number; readonly completionMode?: string };
  readonly status?: {
    readonly completedIndexes?: string;
    readonly failedIndexes?: string;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly active?: number;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
  };
}

/**
 * The work items of a run: scenario x provider, scenario-major (all providers of the first
 * scenario, then the next), both sorted by code unit and without duplicates. An empty scenario
 * or provider list gives no items.
 */
export function workItems(scenarios: readonly string[], providers: readonly string[]): WorkItem[] {
  const s = sortedUnique(scenarios);
  const p = sortedUnique(providers);
  const items: WorkItem[] = [];
  for (const scenario of s) for (const provider of p) items.push({ index: items.length, scenario, provider });
  return items;
}

/** Upstream's fallback when the scenarios are unknown: one item per worker. */
export function workerItems(workers: number): WorkItem[] {
  return Array.from({ length: Math.max(1, Math.floor(workers)) }, (_, index) => ({ index }));
}

/** Progress of a run with no worker Job yet: everything pending. */
export function initialProgress(total: number): Progress {
  const t = nonNegative(total);
  return { total: t, completed: 0, failed: 0, pending: t };
}

/**
 * Progress of a run of `total` items from its worker Job. An Indexed Job's `completedIndexes`
 * and `failedIndexes` (with a per-index backoff limit) count each item once however often it was
 * retried; otherwise `succeeded` counts completed items and pod failures are not items, so only a
 * finished Job counts failed items. Once the Job has finished (condition `Complete` or `Failed`),
 * no item is pending any more: what did not complete failed. Given `previous`, no counter moves
 * backwards (a worker Job deleted and created again starts from zero; the run's progress does not).
 */
export function progressFromJob(total: number, job: ObservedWorkerJob | undefined, previous?: Progress): Progress {
  const t = nonNegative(total);
  const status = job?.status;
  const indexed = status?.completedIndexes !== undefined || status?.failedIndexes !== undefined || job?.spec?.completionMode === 'Indexed';
  let completed = indexed ? countIndexes(status?.completedIndexes, t) : nonNegative(status?.succeeded ?? 0);
  let failed = indexed ? countIndexes(status?.failedIndexes, t) : 0;
  if (finished(job)) failed = t - Math.min(completed, t);
  const merged = mergeProgress(previous, { total: t, completed, failed, pending: 0 });
  completed = merged.completed;
  failed = merged.failed;
  return { total: t, completed, failed, pending: t - completed - failed };
}

/**
 * `next` made monotonic against `previous`: completed and failed never decrease, and together
 * never exceed the total (completed wins a tie, since a retried item can complete after a failure
 * was seen). Pending is what is left.
 */
export function mergeProgress(previous: Progress | undefined, next: Progress): Progress {
  const total = nonNegative(next.total);
  const completed = Math.min(total, Math.max(nonNegative(next.completed), nonNegative(previous?.completed ?? 0)));
  const failed = Math.min(total - completed, Math.max(nonNegative(next.failed), nonNegative(previous?.failed ?? 0)));
  return { total, completed, failed, pending: total - completed - failed };
}

/**
 * How many distinct indexes below `limit` a Job status index list names, e.g. `1,3-5` names 4.
 * The API server writes these lists; a malformed part is ignored rather than trusted.
 */
export function countIndexes(list: string | undefined, limit: number): number {
  if (!list) return 0;
  const seen = new Set<number>();
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = Math.min(m[2] === undefined ? lo : Number(m[2]), limit - 1);
    for (let i = lo; i <= hi; i++) seen.add(i);
  }
  return seen.size;
}

function finished(job: ObservedWorkerJob | undefined): boolean {
  return (job?.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}
