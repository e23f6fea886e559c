import type { ArenaJob, ArenaJobStatus } from '../../../imports/omnia.altairalabs.ai';
import { decideSchedule, ObservedChild, PARENT_LABEL, SCHEDULED_TIME_ANNOTATION, SchedulePlan } from '../arena-job/schedule-decide';
import { collectionPath, objectPath, splitKey } from '../informer';
import { isAlreadyExists, isNotFound, KubeObject } from '../kube-client';
import { FIELD_MANAGER, ReconcileContext, Reconciler, ReconcileResult } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { scheduledChild } from './child';
import { scheduledParentStatus } from './status';
import { ARENA_TYPES } from '../arena-chain-types';

/** The ArenaJob kind. */
const ARENA_JOB_TYPE = ARENA_TYPES.job;

/** How soon a run whose name another object holds is tried again. */
const NAME_CONFLICT_RETRY_MS = 30_000;

/**
 * The schedule of ArenaJobs with `spec.schedule.cron` (upstream never built it): such an
 * ArenaJob is a parent that runs nothing itself; at each tick of its cron expression, in its IANA
 * time zone, it gets a child ArenaJob (the ArenaJob reconciler runs the child, and leaves parents
 * alone). {@link decideSchedule} decides; this applies the decision in a crash-safe order:
 * cancel, then create, then write the status, then trim the history. A child is created before
 * the status records its tick and its name comes from the tick, so a crash in between is repaired
 * from the children (and a repeated create answers AlreadyExists), never with a second child.
 */
export class ArenaScheduleReconciler implements Reconciler {
  public readonly name = 'arenaschedule';
  public readonly primary = ARENA_JOB_TYPE;
  public readonly owned = [{ ...ARENA_JOB_TYPE, labelSelector: PARENT_LABEL }];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const parent = ctx.primary.get(namespace, name) as unknown as ArenaJob | undefined;
    // Not a scheduled ArenaJob (a single run, possibly one of our children), gone or going.
    if (!parent?.spec.schedule?.cron || parent.metadata.deletionTimestamp) return {};
    const children = ctx.owned(ARENA_JOB_TYPE.kind).listControlledBy(parent.metadata.uid as string) as unknown as ObservedChild[];
    const now = new Date();
    const plan = decideSchedule({ parent, children, now });
    ctx.log.debug({ create: plan.create?.name, cancel: plan.cancel, delete: plan.delete, skipped: plan.skipped?.active }, 'planned');
    const subject = parent as unknown as KubeObject;

    // A run that cannot be cancelled (the API server refuses the patch) holds the new one back:
    // Replace never overlaps. History is still trimmed; the error requeues with back-off.
    let cancelError: unknown;
    for (const childName of plan.cancel) {
      try {
        // The uid in the body is a precondition: never a newer object that took the name meanwhile.
        const childUid = (children.find((c) => c.metadata.name === childName) as KubeObject | undefined)?.metadata?.uid;
        const patch = { metadata: { uid: childUid }, spec: { cancelled: true } };
        await ctx.client.mergePatch(objectPath(ARENA_JOB_TYPE, namespace!, childName), patch, FIELD_MANAGER);
        void ctx.events.record(subject, 'Normal', 'Replaced', `Cancelled ArenaJob ${childName}: a new run is due and spec.schedule.concurrencyPolicy is Replace`);
      } catch (err) {
        cancelError = err;
        // The API server's message may quote the whole object: its start says what is wrong.
        const why = (err as Error).message.slice(0, 300);
        void ctx.events.record(subject, 'Warning', 'FailedCancel', `Failed to cancel ArenaJob ${childName} (spec.cancelled), so the due run waits: ${why}`);
        break;
      }
    }
    let nameTaken = false;
    if (plan.create && cancelError === undefined) {
      const child = scheduledChild(parent, plan.create.name, plan.create.scheduledTime, parent.spec.schedule.timezone ?? 'UTC');
      try {
        await ctx.client.create(collectionPath(ARENA_JOB_TYPE, namespace), child, FIELD_MANAGER);
        void ctx.events.record(subject, 'Normal', 'SuccessfulCreate',
          `Created ArenaJob ${plan.create.name} for the run scheduled at ${child.metadata.annotations![SCHEDULED_TIME_ANNOTATION]}`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        // Our own child that the cache has not shown yet: the tick is done. Someone else's object:
        // the run cannot start under its name, so the tick is not recorded and is tried again.
        const existing = await ctx.client.get<KubeObject>(objectPath(ARENA_JOB_TYPE, namespace!, plan.create.name));
        const ours = (existing?.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === parent.metadata.uid);
        if (ours) {
          ctx.log.info({ child: plan.create.name }, 'the run of this tick exists already');
        } else {
          nameTaken = true;
          void ctx.events.record(subject, 'Warning', 'NameConflict',
            `ArenaJob ${plan.create.name} exists and is not a run of this schedule, so the run due at ${plan.create.scheduledTime.toISOString()} ` +
            'cannot start: delete or rename that ArenaJob');
        }
      }
      if (plan.missed) {
        void ctx.events.record(subject, 'Warning', 'MissedSchedule',
          `Missed scheduled runs before ${plan.create.scheduledTime.toISOString()}: only the latest one is started`);
      }
    }
    if (plan.skipped) {
      void ctx.events.record(subject, 'Normal', 'JobAlreadyActive',
        `Not starting the run due at ${plan.skipped.scheduledTime.toISOString()} yet: ArenaJob ${plan.skipped.active.join(', ')} is still active ` +
        'and spec.schedule.concurrencyPolicy is Forbid');
    }
    if (plan.problem) void ctx.events.record(subject, 'Warning', 'InvalidSchedule', plan.problem);

    // The status records the tick only once its run exists (created above).
    if (cancelError === undefined && !nameTaken) await this.writeStatus(ctx, parent, plan, now);
    for (const childName of plan.delete) {
      // The uid precondition: never a newer object that took the name meanwhile.
      const uid = (children.find((c) => c.metadata.name === childName) as KubeObject | undefined)?.metadata?.uid;
      if (uid === undefined) continue;
      try {
        await ctx.client.delete(objectPath(ARENA_JOB_TYPE, namespace!, childName), { uid, propagationPolicy: 'Background' });
        void ctx.events.record(subject, 'Normal', 'SuccessfulDelete', `Deleted finished ArenaJob ${childName}: beyond the history limit`);
      } catch (err) {
        // Deleted already (the cache has not caught up with an earlier delete).
        if (!isNotFound(err)) throw err;
      }
    }
    if (cancelError !== undefined) throw cancelError;
    if (nameTaken) return { requeueAfterMs: NAME_CONFLICT_RETRY_MS };
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async writeStatus(ctx: ReconcileContext, parent: ArenaJob, plan: SchedulePlan, now: Date): Promise<void> {
    const status: ArenaJobStatus = scheduledParentStatus(parent, plan, now.toISOString());
    await writeStatusIfChanged(ctx, ARENA_JOB_TYPE, parent as unknown as KubeObject & { status?: unknown }, status);
  }
}
