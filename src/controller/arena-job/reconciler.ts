import type { ArenaConfig, ArenaJob, ArenaJobStatus } from '../../../imports/omnia.altairalabs.ai';
import { ARENA_TYPES } from '../arena-chain-types';
import { ChildWriter, conflictMessage, isControlledBy } from '../child-writer';
import { Condition, findCondition, setConditions } from '../conditions';
import { objectPath, splitKey } from '../informer';
import { isNotFound, KubeApiError, KubeObject } from '../kube-client';
import { FIELD_MANAGER, ReconcileContext, Reconciler, ReconcileResult, WatchedType } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { ArenaJobPlan, decideArenaJob, ObservedWorkerJob, TERMINAL_PHASES } from './decide';
import { DEFAULT_ARENA_WORKER_IMAGE, WORKER_JOB_SELECTOR, workerJobName } from './render-worker-job';
import { planWork } from './work-plan';
import { workerPool } from './worker-scaling';
import { BATCH_JOB } from '../resource-types';

/** How long a job blocked by a same-named Job it does not control waits before it looks again. */
const NAME_CONFLICT_RETRY_MS = 30_000;

/** Options of {@link ArenaJobReconciler}. */
export interface ArenaJobReconcilerOptions {
  /** Image of the worker container (`--arena-worker-image`). */
  readonly workerImage?: string;
  /** Pull policy of the worker container. */
  readonly workerImagePullPolicy?: string;
}

/** True for an ArenaJob with a cron schedule: a parent the schedule reconciler runs, never this one. */
export function isCronParent(job: ArenaJob): boolean {
  return Boolean(job.spec.schedule?.cron);
}

/**
 * The ArenaJob reconciler: waits for the ArenaConfig, creates the worker Job, follows its progress
 * and outcome, scales it, and cancels it. ArenaJobs with `spec.schedule` are cron parents and are
 * left to the schedule reconciler; their children are ordinary ArenaJobs handled here.
 */
export class ArenaJobReconciler implements Reconciler {
  public readonly name = 'arenajob';
  public readonly primary = ARENA_TYPES.job;
  public readonly owned = [{ ...BATCH_JOB, labelSelector: WORKER_JOB_SELECTOR }];
  public readonly watched: WatchedType[] = [
    {
      ...ARENA_TYPES.config,
      // Only jobs still waiting for their config care: a running job keeps the config it started with.
      keysFor: (config, primary) => (primary.list(config.metadata?.namespace) as unknown as ArenaJob[])
        .filter((j) => j.spec.configRef.name === config.metadata?.name && (j.status?.phase ?? 'Pending') === 'Pending' && !isCronParent(j))
        .map((j) => `${j.metadata.namespace}/${j.metadata.name}`),
    },
  ];
  private readonly workerImage: string;

  public constructor(private readonly options: ArenaJobReconcilerOptions = {}) {
    this.workerImage = options.workerImage ?? DEFAULT_ARENA_WORKER_IMAGE;
  }

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const job = ctx.primary.get(namespace, name) as unknown as ArenaJob | undefined;
    if (!job || job.metadata.deletionTimestamp || isCronParent(job)) return {};
    if (TERMINAL_PHASES.has(job.status?.phase ?? '')) return {};
    const uid = job.metadata.uid as string;
    const config = ctx.watched(ARENA_TYPES.config.kind).get(namespace, job.spec.configRef.name) as unknown as ArenaConfig | undefined;
    const workerJob = await this.workerJobOf(ctx, job);
    const work = !workerJob && config?.status?.phase === 'Ready' ? await planWork(ctx, job, config) : undefined;
    const plan = decideArenaJob({
      job,
      config,
      workerJob,
      items: work?.items,
      itemsBasis: work?.basis,
      initialParallelism: work?.initialParallelism,
      pool: workerPool(job.spec.workers),
      workerImage: this.workerImage,
      workerImagePullPolicy: this.options.workerImagePullPolicy,
      now: new Date().toISOString(),
    });
    ctx.log.debug({ phase: plan.status.phase, create: Boolean(plan.createWorkerJob), delete: plan.deleteWorkerJob, parallelism: plan.setParallelism }, 'planned');

    if (plan.deleteWorkerJob) {
      // Foreground: the Job is gone only once its pods are, so a cancelled run leaves no worker behind.
      await ctx.client.delete(objectPath(BATCH_JOB, namespace!, workerJobName(name)), { uid: workerJob!.metadata?.uid, propagationPolicy: 'Foreground' }).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (plan.createWorkerJob) {
      const outcome = await this.createWorkerJob(ctx, job, plan, uid);
      if (outcome) return outcome;
    }
    if (plan.setParallelism !== undefined) {
      const path = objectPath(BATCH_JOB, namespace!, workerJobName(name));
      // The uid and resourceVersion in the body are preconditions: never a Job recreated under the
      // same name, never over a change the cache has not shown (a 409 is retried with back-off).
      const { uid: jobUid, resourceVersion } = workerJob?.metadata ?? {};
      await ctx.client.mergePatch(path, { metadata: { uid: jobUid, resourceVersion }, spec: { parallelism: plan.setParallelism } }, FIELD_MANAGER);
    }
    const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.job, job as never, plan.status);
    // Events describe what the status now says: none when nothing was written.
    if (updated !== (job as never)) for (const e of plan.events) void ctx.events.record(updated, e.type, e.reason, e.message);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }

  /** The worker Job this ArenaJob controls, from the cache or, when the cache lags behind a create, from the API. */
  private async workerJobOf(ctx: ReconcileContext, job: ArenaJob): Promise<ObservedWorkerJob | undefined> {
    const uid = job.metadata.uid as string;
    const name = workerJobName(job.metadata.name!);
    const cached = ctx.owned(BATCH_JOB.kind).get(job.metadata.namespace, name);
    if (cached && isControlledBy(cached, uid)) return cached as ObservedWorkerJob;
    const created = findCondition(job.status?.conditions as Condition[] | undefined, 'JobCreated')?.status === 'True';
    if (!created) return undefined;
    const live = await ctx.client.get<ObservedWorkerJob>(objectPath(BATCH_JOB, job.metadata.namespace!, name));
    return live && isControlledBy(live, uid) ? live : undefined;
  }

  /** Creates the worker Job; returns a result when the reconcile must stop there. */
  private async createWorkerJob(ctx: ReconcileContext, job: ArenaJob, plan: ArenaJobPlan, uid: string): Promise<ReconcileResult | undefined> {
    const now = new Date().toISOString();
    const generation = job.metadata.generation as number | undefined;
    const notCreated = (reason: string, message: string, phase: ArenaJobStatus['phase']): ArenaJobStatus => ({
      ...(job.status ?? {}),
      phase,
      observedGeneration: generation,
      conditions: setConditions(job.status?.conditions as Condition[] | undefined, [
        { type: 'JobCreated', status: 'False', reason, message },
        ...(phase === 'Failed' ? [
          { type: 'Ready', status: 'False' as const, reason: 'Failed', message },
          { type: 'Failed', status: 'True' as const, reason, message },
          { type: 'Complete', status: 'False' as const, reason, message },
        ] : []),
      ], generation, now),
      ...(phase === 'Failed' ? { completionTime: now } : {}),
    });
    try {
      const outcome = await new ChildWriter(ctx.client, FIELD_MANAGER).ensure({ type: BATCH_JOB, object: plan.createWorkerJob! }, uid);
      if (outcome.kind !== 'conflict') return undefined;
      const message = conflictMessage('ArenaJob', outcome.conflict);
      const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.job, job as never, notCreated('NameConflict', message, 'Pending'));
      if (updated !== (job as never)) void ctx.events.record(updated, 'Warning', 'NameConflict', message);
      return { requeueAfterMs: NAME_CONFLICT_RETRY_MS };
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      const message = `Failed to create worker job ${plan.createWorkerJob!.metadata?.name}: ${err.message}`;
      // Invalid or malformed: no retry makes the API server accept it.
      const permanent = err.code === 422 || err.code === 400;
      const phase = permanent ? 'Failed' : (job.status?.phase ?? 'Pending');
      const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.job, job as never, notCreated('JobCreationFailed', message, phase));
      void ctx.events.record(updated as KubeObject, 'Warning', 'JobCreationFailed', message);
      if (permanent) return {};
      throw err;
    }
  }
}
