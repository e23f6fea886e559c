import type { GenericJob, GenericJobStatus } from '../../../imports/batch.tensorstack.dev';
import { GENERIC_JOB } from '../../api/generic-job';
import { collectionPath, objectPath, ResourceType, splitKey } from '../informer';
import { isAlreadyExists, isNotFound, KubeApiError, KubeObject } from '../kube-client';
import { Reconciler, ReconcileContext, ReconcileResult } from '../reconciler';
import { CHILD_SELECTOR } from './children';
import { decide, failedToCreate, ObservedPod } from './decide';

/** The field manager of everything the controller writes. */
export const FIELD_MANAGER = 'kubejobs-controller';

const GENERIC_JOB_TYPE: ResourceType = { apiVersion: `${GENERIC_JOB.group}/${GENERIC_JOB.version}`, kind: GENERIC_JOB.kind, plural: GENERIC_JOB.plural };
const POD: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
const SERVICE: ResourceType = { apiVersion: 'v1', kind: 'Service', plural: 'services' };
const POD_GROUP: ResourceType = { apiVersion: 'scheduler.tensorstack.dev/v1beta1', kind: 'PodGroup', plural: 'podgroups' };

/**
 * The GenericJob reconciler: reads the job and its pods and Services from the caches, lets
 * {@link decide} plan, and applies the plan. Status goes first (guarded by resourceVersion), so a
 * stale cache makes the write fail with a conflict and the key is retried before any pod changes.
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
    const controlled = (o: KubeObject) => o.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid) ?? false;
    const pods = ctx.owned('Pod').list(namespace).filter((p) => p.metadata?.labels?.genericjob === name && controlled(p)) as ObservedPod[];
    const services = ctx.owned('Service').list(namespace).filter((s) => s.metadata?.labels?.genericjob === name && controlled(s));
    const now = new Date().toISOString();
    const plan = decide({ job, pods, services, now });

    let current: GenericJob = job;
    const statusChanged = !sameJson(plan.status, job.status ?? {});
    // Status first, guarded by resourceVersion: a stale cache fails here, before any pod is
    // touched. A brand-new job (no status yet) has nothing a stale cache could hide - no restart
    // counted, no finish, no pause - so its pods go first and its first status follows.
    const brandNew = job.status === undefined;
    if (statusChanged && !brandNew) current = await this.writeStatus(ctx, current, plan.status);
    // Events are best effort and off the critical path.
    const recordEvents = () => {
      for (const e of plan.events) void ctx.events.record(current as unknown as KubeObject, e.type, e.reason, e.message);
    };

    if (plan.podGroup) {
      try {
        await ctx.client.apply(objectPath(POD_GROUP, namespace!, name), plan.podGroup, FIELD_MANAGER);
      } catch (err) {
        if (isNotFound(err)) {
          await this.fail(ctx, current, name, 'PodGroupUnavailable',
            'spec.scheduler.t9kScheduler needs the T9k scheduler: the PodGroup kind (scheduler.tensorstack.dev/v1beta1) is not served by this cluster');
          return {};
        }
        throw err;
      }
    }
    await Promise.all(plan.applyServices.map((s) => ctx.client.apply(objectPath(SERVICE, namespace!, s.metadata!.name!), s, FIELD_MANAGER)));
    await Promise.all(plan.deleteServices.map((s) => ctx.client.delete(objectPath(SERVICE, namespace!, s.name), { uid: s.uid })));
    await Promise.all(plan.deletePods.map((p) => ctx.client.delete(objectPath(POD, namespace!, p.name), { uid: p.uid })));

    const failures: Array<{ pod: string; err: KubeApiError }> = [];
    await Promise.all(plan.createPods.map(async (pod) => {
      try {
        // Create, not apply: a pod spec is immutable, and an apply over a stale pod of the same name
        // would try to rewrite it instead of failing with AlreadyExists.
        await ctx.client.create(collectionPath(POD, namespace), pod, FIELD_MANAGER);
      } catch (err) {
        if (isAlreadyExists(err)) return;
        if (err instanceof KubeApiError) failures.push({ pod: pod.metadata!.name!, err });
        else throw err;
      }
    }));
    if (failures.length > 0) {
      const permanent = failures.find((f) => isPermanent(f.err));
      if (permanent) {
        await this.fail(ctx, current, permanent.pod, 'CreatePodFailed', permanent.err.message);
        return {};
      }
      const first = failures[0]!;
      await ctx.events.record(current as unknown as KubeObject, 'Warning', 'FailedCreate', `Error creating pod ${first.pod}: ${first.err.message}`);
      throw first.err;
    }
    // A brand-new job whose pods were just created gets its first status from the reconcile their
    // creation triggers (it would be rewritten with their uids at once anyway).
    if (statusChanged && brandNew && plan.createPods.length === 0) current = await this.writeStatus(ctx, current, plan.status);
    recordEvents();
    return {};
  }

  private async writeStatus(ctx: ReconcileContext, job: GenericJob, status: GenericJobStatus): Promise<GenericJob> {
    const body = { apiVersion: job.apiVersion, kind: job.kind, metadata: job.metadata, spec: job.spec, status };
    const path = `${objectPath(GENERIC_JOB_TYPE, job.metadata.namespace!, job.metadata.name!)}/status`;
    const updated = await ctx.client.replace<GenericJob>(path, body, FIELD_MANAGER);
    ctx.log.debug({ phase: status.phase, resourceVersion: updated.metadata.resourceVersion }, 'status written');
    return updated;
  }

  /** Marks the job Failed for a reason no retry can fix, with the message users need. */
  private async fail(ctx: ReconcileContext, job: GenericJob, podName: string, reason: string, detail: string): Promise<void> {
    const status = failedToCreate(job, job.status ?? {}, podName, reason, detail, new Date().toISOString());
    if (reason === 'PodGroupUnavailable') {
      const message = `Failed to create the PodGroup: ${detail}`;
      for (const c of status.conditions ?? []) if (c.type !== 'Initialized' && c.reason === reason) c.message = message;
    }
    const updated = await this.writeStatus(ctx, job, status);
    const message = status.conditions?.find((c) => c.type === 'Failed')?.message ?? detail;
    await ctx.events.record(updated as unknown as KubeObject, 'Warning', reason, message);
    ctx.log.warn({ reason, message }, 'job failed: it cannot run as specified');
  }
}

/** Invalid (422) and admission-forbidden (Pod Security) pods will never be accepted as they are. */
function isPermanent(err: KubeApiError): boolean {
  return err.code === 422 || err.code === 400 || (err.code === 403 && /violates PodSecurity|is forbidden: .*(must|may not)/.test(err.message));
}

/** Structural equality, ignoring key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
