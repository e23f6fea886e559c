import type { GenericJob, GenericJobStatus } from '../../../imports/batch.tensorstack.dev';
import { GENERIC_JOB } from '../../api/generic-job';
import { ChildWriter, conflictMessage, DesiredChild, failedOperation, isControlledBy, NameConflict } from '../child-writer';
import { objectPath, ResourceType, splitKey } from '../informer';
import { isNotFound, KubeApiError, KubeObject } from '../kube-client';
import { FIELD_MANAGER, ReconcileContext, Reconciler, ReconcileResult } from '../reconciler';
import { sameJson } from '../same-json';
import { CHILD_SELECTOR, LABELS, SERVICE_SPEC_FIELDS } from './children';
import { blockedByNameConflict, decide, failedChild, nameConflictResolved, ObservedPod, Plan } from './decide';
import { POD, resourceTypeOf, SERVICE } from '../resource-types';

const GENERIC_JOB_TYPE = resourceTypeOf(GENERIC_JOB);
const POD_GROUP: ResourceType = { apiVersion: 'scheduler.tensorstack.dev/v1beta1', kind: 'PodGroup', plural: 'podgroups' };

/** How long a job blocked by a name clash waits before it looks again (the other object is not watched). */
const NAME_CONFLICT_RETRY_MS = 30_000;
/** How soon to look again when the pod cache lags behind the job's status. */
const CACHE_LAG_RETRY_MS = 1_000;

/** A child write the API server refused for good. */
interface PermanentFailure {
  /** `create pod x`, `update Service y`, ... */
  readonly what: string;
  readonly err: KubeApiError;
}

/**
 * The GenericJob reconciler: reads the job and its pods and Services from the caches, lets
 * {@link decide} plan, and applies the plan.
 *
 * Order matters for restarts to survive a crash: the status (guarded by resourceVersion) is written
 * before any pod is deleted, so a stale cache fails there, and a restart is counted before the pod
 * it replaces is gone. Only a brand-new job whose plan merely creates pods writes its first status
 * afterwards (it would be rewritten with the pods' uids at once anyway).
 */
export class GenericJobReconciler implements Reconciler {
  public readonly name = 'genericjob';
  public readonly primary = GENERIC_JOB_TYPE;
  public readonly owned = [
    { ...POD, labelSelector: CHILD_SELECTOR },
    { ...SERVICE, labelSelector: CHILD_SELECTOR },
  ];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const job = ctx.primary.get(namespace, name) as unknown as GenericJob | undefined;
    // Gone, or going: the garbage collector removes the children through their owner references.
    if (!job || job.metadata.deletionTimestamp) return {};
    const uid = job.metadata.uid as string;
    const pods = ctx.owned('Pod').listControlledBy(uid) as ObservedPod[];
    const services = ctx.owned('Service').listControlledBy(uid);
    if (await this.podCacheLags(ctx, job, pods)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
    const plan = decide({ job, pods, services, now: new Date().toISOString() });
    ctx.log.debug({
      observedPods: pods.map((p) => p.metadata?.name),
      createPods: plan.createPods.map((p) => p.metadata?.name),
      deletePods: plan.deletePods.map((p) => `${p.name} (${p.reason})`),
      phase: plan.status.phase,
    }, 'planned');

    let current: GenericJob = job;
    let written = false;
    const statusChanged = !sameJson(plan.status, job.status ?? {});
    const brandNew = job.status === undefined;
    if (statusChanged && (!brandNew || plan.deletePods.length > 0)) {
      current = await this.writeStatus(ctx, current, plan.status);
      written = true;
    }

    const writer = new ChildWriter(ctx.client, FIELD_MANAGER);
    const conflicts: NameConflict[] = [];
    const failures: PermanentFailure[] = [];
    const ensure = async (child: DesiredChild, cached?: KubeObject) => {
      try {
        const outcome = await writer.ensure(child, uid, cached);
        if (outcome.kind === 'conflict') conflicts.push(outcome.conflict);
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        const kind = child.type.kind === 'Pod' ? 'pod' : child.type.kind;
        const what = `${failedOperation(err)} ${kind} ${child.object.metadata?.name}`;
        if (isPermanent(err)) {
          failures.push({ what, err });
          return;
        }
        // Retried with back-off; the Event tells users why nothing happens meanwhile (a quota, a
        // webhook that is down, a missing ServiceAccount). Not for a lost answer (0), a race (409)
        // or a kind the cluster does not serve (404), which the caller reports itself.
        if (err.code !== 0 && err.code !== 404 && err.code !== 409) void ctx.events.record(current as unknown as KubeObject, 'Warning', 'FailedCreate', `Failed to ${what}: ${err.message}`);
        throw err;
      }
    };

    if (plan.podGroup) {
      try {
        // Created once: what it holds (member count, queue, priority) comes from the job's spec.
        await ensure({ type: POD_GROUP, object: plan.podGroup });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return this.fail(ctx, current, 'PodGroupUnavailable', 'Failed to create the PodGroup: spec.scheduler.t9kScheduler needs the T9k scheduler: ' +
          'the PodGroup kind (scheduler.tensorstack.dev/v1beta1) is not served by this cluster');
      }
    }
    const cachedService = (n: string) => services.find((s) => s.metadata?.name === n);
    await Promise.all(plan.applyServices.map((s) => ensure(
      { type: SERVICE, object: s, update: (existing) => withSpecOf(existing, s, SERVICE_SPEC_FIELDS) },
      cachedService(s.metadata!.name!))));
    await Promise.all(plan.deleteServices.map((s) => ctx.client.delete(objectPath(SERVICE, namespace!, s.name), { uid: s.uid })));
    await Promise.all(plan.deletePods.map((p) => ctx.client.delete(objectPath(POD, namespace!, p.name), { uid: p.uid })));
    // No pod starts without the Services (and PodGroup) it depends on, nor while one of their
    // names is held by someone else: a peer would resolve the other owner's endpoints.
    if (failures.length === 0 && conflicts.length === 0) {
      // Create, never update: a pod spec is immutable, and a same-named pod is either ours (a
      // lagging cache) or someone else's, which is left alone.
      await Promise.all(plan.createPods.map((pod) => ensure({ type: POD, object: pod })));
    }

    if (failures.length > 0) {
      const first = failures[0]!;
      return this.fail(ctx, current, first.what.startsWith('create pod ') ? 'CreatePodFailed' : 'CreateChildFailed',
        `Failed to ${first.what}: ${first.err.message}`);
    }
    if (conflicts.length > 0) {
      const message = conflictMessage(GENERIC_JOB.kind, conflicts[0]!);
      const status = blockedByNameConflict(current.status ?? plan.status, message, new Date().toISOString());
      // decide() leaves this condition to us, so an unchanged clash writes nothing: no write loop.
      if (!sameJson(status, current.status ?? {})) {
        current = await this.writeStatus(ctx, current, status);
        void ctx.events.record(current as unknown as KubeObject, 'Warning', 'NameConflict', message);
      }
      ctx.log.warn({ conflicts }, 'children blocked by objects this job does not control');
      return { requeueAfterMs: NAME_CONFLICT_RETRY_MS };
    }
    const resolved = nameConflictResolved(current.status ?? plan.status, new Date().toISOString());
    if (resolved !== (current.status ?? plan.status)) {
      current = await this.writeStatus(ctx, current, resolved);
      written = true;
    }
    if (statusChanged && !written && plan.createPods.length === 0) {
      current = await this.writeStatus(ctx, current, plan.status);
      written = true;
    }
    // Events describe what the status now says; a plan whose status was not written (a brand-new
    // job's first pods) leaves them to the reconcile that writes it, so none is emitted twice.
    if (written) recordEvents(ctx, current, plan);
    return {};
  }

  /**
   * True when the status names a live pod the cache has not seen yet. Pods and jobs are watched
   * separately, so a replica taking over can see a job's status before the pods it names; acting
   * on that would take a running pod for a deleted one.
   */
  private async podCacheLags(ctx: ReconcileContext, job: GenericJob, pods: readonly ObservedPod[]): Promise<boolean> {
    if (job.status?.phase === 'Succeeded' || job.status?.phase === 'Failed') return false;
    const cachedUids = new Set(pods.map((p) => p.metadata?.uid));
    for (const task of job.status?.tasks ?? []) {
      for (const entry of task.replicas ?? []) {
        // Only a replica the status believes alive matters: a finished or deleted one is not acted on.
        const alive = entry.phase !== 'Deleted' && entry.phase !== 'Succeeded' && entry.phase !== 'Failed';
        if (!entry.uid || !entry.name || !alive || cachedUids.has(entry.uid)) continue;
        const live = await ctx.client.get<KubeObject>(objectPath(POD, job.metadata.namespace!, entry.name));
        // Only a pod the cache will see counts (our label and our controller reference): one that
        // lost either never arrives, and waiting for it would freeze the job.
        const willBeCached = live?.metadata?.labels?.[LABELS.component] === 'genericjob' && isControlledBy(live, job.metadata.uid as string);
        if (live?.metadata?.uid === entry.uid && willBeCached) return true;
      }
    }
    return false;
  }

  private async writeStatus(ctx: ReconcileContext, job: GenericJob, status: GenericJobStatus): Promise<GenericJob> {
    const body = { apiVersion: job.apiVersion, kind: job.kind, metadata: job.metadata, spec: job.spec, status };
    const path = `${objectPath(GENERIC_JOB_TYPE, job.metadata.namespace!, job.metadata.name!)}/status`;
    const updated = await ctx.client.replace<GenericJob>(path, body, FIELD_MANAGER);
    ctx.log.debug({ phase: status.phase, resourceVersion: updated.metadata.resourceVersion }, 'status written');
    return updated;
  }

  /** Marks the job Failed for a reason no retry can fix, with the message users need. */
  private async fail(ctx: ReconcileContext, job: GenericJob, reason: string, message: string): Promise<ReconcileResult> {
    const status = failedChild(job, job.status ?? {}, reason, message, new Date().toISOString());
    const updated = await this.writeStatus(ctx, job, status);
    void ctx.events.record(updated as unknown as KubeObject, 'Warning', reason, message);
    ctx.log.warn({ reason, message }, 'job failed: it cannot run as specified');
    return {};
  }
}

function recordEvents(ctx: ReconcileContext, job: GenericJob, plan: Plan): void {
  // Best effort and off the critical path.
  for (const e of plan.events) void ctx.events.record(job as unknown as KubeObject, e.type, e.reason, e.message);
}

/**
 * `existing` with `desired`'s spec fields (all, or only `fields`) and labels, or undefined when they
 * already match. Fields the API server filled in (a Service's clusterIP) are kept.
 */
function withSpecOf(existing: KubeObject, desired: KubeObject, fields?: readonly string[]): KubeObject | undefined {
  const have = (existing.spec ?? {}) as Record<string, unknown>;
  const want = (desired.spec ?? {}) as Record<string, unknown>;
  const keys = fields ?? Object.keys(want);
  const spec = { ...have };
  for (const k of keys) spec[k] = want[k];
  const labels = { ...existing.metadata?.labels, ...desired.metadata?.labels };
  if (sameJson(spec, have) && sameJson(labels, existing.metadata?.labels ?? {})) return undefined;
  return { ...existing, metadata: { ...existing.metadata, labels }, spec };
}

/**
 * Invalid (422), malformed (400) and admission-forbidden (Pod Security, LimitRange) children will
 * never be accepted as they are. A 403 from RBAC (the controller's own rights) or an exhausted
 * ResourceQuota can change without the job changing, so those are retried.
 */
function isPermanent(err: KubeApiError): boolean {
  if (err.code === 422 || err.code === 400) return true;
  return err.code === 403 && !/cannot [a-z]+ resource|exceeded quota/.test(err.message);
}
