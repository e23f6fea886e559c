import type { RadixBatch, RadixBatchJobStatus, RadixBatchStatus } from '../../../imports/kubejobs.dev';
import { KubeObject } from '../kube-client';
import { ObservedPod, podStatuses } from './pod-status';
import { childName, renderJob, renderService } from './render-job';

/** A Kubernetes Job as the controller reads it. */
export interface ObservedJob extends KubeObject {
  readonly status?: {
    readonly active?: number;
    readonly ready?: number;
    readonly failed?: number;
    readonly succeeded?: number;
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly conditions?: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>;
  };
}

/** What {@link decide} wants done. */
export interface BatchPlan {
  /** Jobs and Services to create (created, never updated: a Job's template is immutable). */
  readonly create: KubeObject[];
  /** Jobs to delete (stopped jobs), with their uid as a precondition. */
  readonly deleteJobs: Array<{ name: string; uid: string }>;
  /** The status to write. */
  readonly status: RadixBatchStatus;
  /** Jobs refused (never run), each with why: for a Warning Event. */
  readonly refused: Array<{ job: string; message: string }>;
}

/** Reason of a job refused because its payload Secret is not the batch's own. */
export const INVALID_PAYLOAD_SECRET_REASON = 'InvalidPayloadSecretRef';

/**
 * Why a job's payload Secret may not be mounted, or undefined when it may. The controller mounts
 * only the batch's own payload Secrets, `<batch>-payloads-<n>` as the job-scheduler names them:
 * whoever may write a RadixBatch must not get another Secret of the namespace into a pod of theirs.
 */
export function payloadSecretRefProblem(batch: RadixBatch, job: RadixBatch['spec']['jobs'][number]): string | undefined {
  const ref = job.payloadSecretRef;
  if (!ref) return undefined;
  const own = new RegExp(`^${batch.metadata.name!.replace(/[.]/g, '\\.')}-payloads-\\d+$`);
  if (own.test(ref.name)) return undefined;
  return `job ${job.name}: payloadSecretRef.name '${ref.name}' is not a payload Secret of this batch: `
    + `it must be named '${batch.metadata.name}-payloads-<n>' (the job-scheduler writes these); the job is not run`;
}

const DONE = new Set(['Succeeded', 'Failed', 'Stopped']);

/**
 * The phase of a job from its Kubernetes Job (Radix operator `status.go`, B7), with its pods. The
 * job's message is its newest pod's problem (see `podProblem`), else the Job's failure condition's.
 */
function observe(name: string, k8s: ObservedJob, pods: readonly ObservedPod[], containerName: string): RadixBatchJobStatus {
  const s = k8s.status ?? {};
  const condition = (type: string) => s.conditions?.find((c) => c.type === type && c.status === 'True');
  const podList = podStatuses(pods, containerName);
  const podMessage = [...podList].reverse().find((p) => p.message)?.message;
  const base = {
    name,
    creationTime: k8s.metadata?.creationTimestamp as string | undefined,
    startTime: s.startTime,
    failed: s.failed || undefined,
    podStatuses: podList.length > 0 ? podList : undefined,
  };
  const complete = condition('Complete') ?? condition('SuccessCriteriaMet');
  if (complete) return strip({ ...base, phase: 'Succeeded', endTime: s.completionTime ?? complete.lastTransitionTime });
  const failed = condition('Failed') ?? condition('FailureTarget');
  if (failed) return strip({ ...base, phase: 'Failed', reason: failed.reason, message: podMessage ?? failed.message, endTime: failed.lastTransitionTime });
  const phase = (s.ready ?? 0) > 0 ? 'Running' : (s.active ?? 0) > 0 ? 'Active' : 'Waiting';
  return strip({ ...base, phase, message: podMessage });
}

/**
 * The pure decision of the RadixBatch controller: from a batch and the Jobs and Services it
 * controls (and their pods, by `podsOf`), what to create and delete and the status to write. Finished jobs (Succeeded, Failed,
 * Stopped) keep their status and are never run again; a stopped job's Kubernetes Job is deleted.
 */
export function decide(
  batch: RadixBatch,
  jobs: readonly ObservedJob[],
  services: readonly KubeObject[],
  now: string,
  podsOf: (job: ObservedJob) => readonly ObservedPod[] = () => [],
): BatchPlan {
  const byName = new Map(jobs.map((j) => [j.metadata?.name, j]));
  const serviceNames = new Set(services.map((s) => s.metadata?.name));
  const previous = new Map((batch.status?.jobStatuses ?? []).map((s) => [s.name, s]));
  const create: KubeObject[] = [];
  const deleteJobs: BatchPlan['deleteJobs'] = [];
  const jobStatuses: RadixBatchJobStatus[] = [];
  const refused: BatchPlan['refused'] = [];
  for (const job of batch.spec.jobs) {
    const name = childName(batch, job);
    const existing = byName.get(name);
    const prev = previous.get(job.name);
    if (prev && DONE.has(prev.phase)) {
      jobStatuses.push(prev);
      if (job.stop && existing) deleteJobs.push({ name, uid: existing.metadata!.uid as string });
      continue;
    }
    if (job.stop) {
      if (existing) deleteJobs.push({ name, uid: existing.metadata!.uid as string });
      jobStatuses.push(strip({ ...(prev ?? { name: job.name }), phase: 'Stopped', endTime: now, reason: undefined, message: undefined }) as RadixBatchJobStatus);
      continue;
    }
    const problem = existing ? undefined : payloadSecretRefProblem(batch, job);
    if (problem) {
      refused.push({ job: job.name, message: problem });
      jobStatuses.push({ name: job.name, phase: 'Failed', reason: INVALID_PAYLOAD_SECRET_REASON, message: problem, endTime: now });
      continue;
    }
    if (!existing) {
      create.push(renderJob(batch, job));
      jobStatuses.push(strip({ name: job.name, phase: 'Waiting' }));
    } else {
      jobStatuses.push(observe(job.name, existing, podsOf(existing), batch.spec.component.name));
    }
    const service = renderService(batch, job);
    if (service && !serviceNames.has(name)) create.push(service);
  }
  const phases = jobStatuses.map((s) => s.phase);
  const prevCondition = batch.status?.condition;
  let condition: RadixBatchStatus['condition'];
  if (phases.every((p) => p === 'Waiting')) {
    condition = { type: 'Waiting' };
  } else if (phases.every((p) => DONE.has(p))) {
    const completionTime = prevCondition?.type === 'Completed' ? prevCondition.completionTime ?? now : now;
    condition = strip({ type: 'Completed' as const, activeTime: prevCondition?.activeTime ?? now, completionTime });
  } else {
    condition = { type: 'Active', activeTime: prevCondition?.activeTime ?? now };
  }
  return {
    create,
    deleteJobs,
    refused,
    status: strip({ condition, jobStatuses, observedGeneration: batch.metadata.generation as number | undefined }),
  };
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
