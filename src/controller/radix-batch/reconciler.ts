import { decide, INVALID_PAYLOAD_SECRET_REASON, ObservedJob } from './decide';
import { ObservedPod } from './pod-status';
import { batchEvent, qualifyWebhookUrl, sendBatchEvent } from './webhook';
import type { RadixBatch } from '../../../imports/kubejobs.dev';
import { PAYLOADS_PENDING_ANNOTATION } from '../../scheduler/batch-spec';
import { ChildWriter } from '../child-writer';
import { objectPath, splitKey } from '../informer';
import { KubeApiError, KubeObject } from '../kube-client';
import { FIELD_MANAGER, ReconcileContext, Reconciler, ReconcileResult } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { BATCH_CHILD_LABELS, BATCH_CHILD_SELECTOR } from './render-job';
import { BATCH_JOB, POD, RADIX_BATCH_TYPE, SERVICE } from '../resource-types';

/** The RadixBatch kind. */
/** Children created at once per batch: a 500-job batch must not open 500 requests. */
const CREATE_CONCURRENCY = 16;

/**
 * The RadixBatch reconciler: runs each job of a batch the job-scheduler recorded as a Kubernetes
 * Job `<batch>-<job>` (and a Service when the component has ports), stops jobs by deleting their
 * Job, and writes the batch status from the Jobs. Names are deterministic, so a restart never
 * duplicates a job: a Job that already exists is read back and kept.
 */
export class RadixBatchReconciler implements Reconciler {
  public readonly name = 'radixbatch';
  public readonly primary = RADIX_BATCH_TYPE;
  public readonly owned = [
    { ...BATCH_JOB, labelSelector: BATCH_CHILD_SELECTOR },
    { ...SERVICE, labelSelector: BATCH_CHILD_SELECTOR },
    // Pods are controlled by their Job; their label names the batch (for podStatuses and messages).
    { ...POD, labelSelector: BATCH_CHILD_SELECTOR, primaryNameLabel: BATCH_CHILD_LABELS.batchName },
  ];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const batch = ctx.primary.get(namespace, name) as unknown as RadixBatch | undefined;
    // Gone or going (children go with it), or its payloads are still being written.
    if (!batch || batch.metadata.deletionTimestamp || batch.metadata.annotations?.[PAYLOADS_PENDING_ANNOTATION] !== undefined) return {};
    const uid = batch.metadata.uid as string;
    const jobs = ctx.owned('Job').listControlledBy(uid) as ObservedJob[];
    const services = ctx.owned('Service').listControlledBy(uid);
    const pods = ctx.owned('Pod');
    const podsOf = (job: ObservedJob) => pods.listControlledBy(job.metadata!.uid as string) as ObservedPod[];
    const plan = decide(batch, jobs, services, new Date().toISOString(), podsOf);
    for (const r of plan.refused) {
      void ctx.events.record(batch as unknown as KubeObject, 'Warning', INVALID_PAYLOAD_SECRET_REASON, r.message);
    }

    const writer = new ChildWriter(ctx.client, FIELD_MANAGER);
    const failures: string[] = [];
    const createAll = async (children: KubeObject[]) => {
      const queue = [...children];
      const worker = async () => {
        for (let child = queue.shift(); child; child = queue.shift()) {
          const type = child.kind === 'Job' ? BATCH_JOB : SERVICE;
          try {
            const outcome = await writer.ensure({ type, object: child }, uid);
            if (outcome.kind === 'conflict') failures.push(`${outcome.conflict.kind} ${outcome.conflict.name} exists and is controlled by ${outcome.conflict.owner}`);
          } catch (err) {
            if (err instanceof KubeApiError && (err.code === 422 || err.code === 400)) failures.push(`create ${child.kind} ${child.metadata?.name}: ${err.message}`);
            else throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CREATE_CONCURRENCY, queue.length) }, worker));
    };
    // Jobs first: a Service that cannot be made (e.g. no cluster IP left) must not hold the jobs back.
    await createAll(plan.create.filter((c) => c.kind === 'Job'));
    await createAll(plan.create.filter((c) => c.kind !== 'Job'));
    await Promise.all(plan.deleteJobs.map((j) => ctx.client.delete(objectPath(BATCH_JOB, namespace!, j.name), { uid: j.uid, propagationPolicy: 'Background' })));

    let status = plan.status;
    if (failures.length > 0) {
      // A Job the API server refuses will never run: say so on the batch (and in an Event).
      status = { ...status, condition: { ...status.condition!, reason: 'CreateJobFailed', message: failures[0] } };
      void ctx.events.record(batch as unknown as KubeObject, 'Warning', 'CreateJobFailed', failures[0]!);
    }
    const updated = await writeStatusIfChanged(ctx, RADIX_BATCH_TYPE, batch as unknown as KubeObject & { status?: unknown }, status);
    if (updated !== (batch as unknown)) {
      const event = batchEvent(batch, batch.status, status);
      if (event) void sendBatchEvent(qualifyWebhookUrl(batch.spec.component.notifications!.webhook!, namespace!), event, ctx.log);
    }
    return {};
  }
}
