import { BatchStatusModel, JobStatusModel, PodStatusModel } from './models';
import { apiJobName } from './naming';
import type { RadixBatch, RadixBatchJobStatus, RadixBatchStatusRule } from '../../imports/kubejobs.dev';

const RUNNING_PHASES = new Set(['Waiting', 'Active', 'Running']);

/**
 * A job's API status (upstream `pkg/internal/job_status.go`, B7): its phase (Waiting when it has
 * none yet), Stopping while a stop is asked and not done, Failed when every pod failed.
 */
export function jobApiStatus(stop: boolean | undefined, status: RadixBatchJobStatus | undefined): string {
  const phase = status?.phase ?? 'Waiting';
  if (stop && RUNNING_PHASES.has(phase)) return 'Stopping';
  const pods = status?.podStatuses ?? [];
  if (pods.length > 0 && pods.every((p) => p.phase === 'Failed')) return 'Failed';
  return phase;
}

/** Whether one rule holds for these job statuses. */
function ruleHolds(rule: RadixBatchStatusRule, statuses: readonly string[]): boolean {
  const matches = (s: string) => (rule.operator === 'In') === rule.jobStatuses.includes(s as never);
  return rule.condition === 'All' ? statuses.every(matches) : statuses.some(matches);
}

/**
 * A batch's API status: a single-job batch has its job's status; a multi-job batch takes the first
 * batch status rule that holds, else its condition (Waiting, Active, Completed).
 */
export function batchApiStatus(batch: RadixBatch, rules: readonly RadixBatchStatusRule[] = []): string {
  const jobStatuses = batch.spec.jobs.map((j) => jobApiStatus(j.stop, statusOf(batch, j.name)));
  if (batch.spec.batchType === 'job') return jobStatuses[0] ?? 'Waiting';
  const rule = rules.find((r) => ruleHolds(r, jobStatuses));
  if (rule) return rule.batchStatus;
  return batch.status?.condition?.type || 'Waiting';
}

function statusOf(batch: RadixBatch, jobName: string): RadixBatchJobStatus | undefined {
  return batch.status?.jobStatuses?.find((s) => s.name === jobName);
}

/** RFC 3339 in UTC with seconds, as Go's time.Time marshals, or null. */
function time(value: string | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function podModels(status: RadixBatchJobStatus | undefined): PodStatusModel[] | undefined {
  const pods = status?.podStatuses ?? [];
  if (pods.length === 0) return undefined;
  return pods.map((p) => strip({
    name: p.name,
    created: time(p.creationTime) ?? undefined,
    startTime: time(p.startTime) ?? undefined,
    endTime: time(p.endTime) ?? undefined,
    containerStarted: time(p.startTime) ?? undefined,
    replicaStatus: { status: p.phase },
    statusMessage: p.message || undefined,
    restartCount: p.restartCount || undefined,
    image: p.image || undefined,
    imageId: p.imageID || undefined,
    podIndex: p.podIndex || undefined,
    exitCode: p.exitCode ?? 0,
    reason: p.reason || undefined,
  }));
}

/** One job of a batch as the API shows it. */
export function jobModel(batch: RadixBatch, jobName: string): JobStatusModel {
  const job = batch.spec.jobs.find((j) => j.name === jobName)!;
  const status = statusOf(batch, jobName);
  const batchName = batch.metadata.name!;
  return strip({
    jobId: job.jobId || undefined,
    // Upstream never fills batchName in REST answers; kubejobs names the batch of a batch job, as Radix's docs show.
    batchName: batch.spec.batchType === 'batch' ? batchName : undefined,
    batchId: batch.spec.batchType === 'batch' ? batch.spec.batchId || undefined : undefined,
    name: apiJobName(batchName, jobName),
    created: time(status?.creationTime),
    started: time(status?.startTime),
    ended: time(status?.endTime),
    updated: null,
    status: jobApiStatus(job.stop, status),
    message: status?.message || undefined,
    failed: status?.failed || undefined,
    podStatuses: podModels(status),
    DeploymentName: '',
  });
}

/** A batch as the API shows it, with its jobs. */
export function batchModel(batch: RadixBatch, rules: readonly RadixBatchStatusRule[] = []): BatchStatusModel {
  return strip({
    batchId: batch.spec.batchType === 'batch' ? batch.spec.batchId || undefined : undefined,
    name: batch.metadata.name!,
    created: time(batch.metadata.creationTimestamp as string | undefined),
    started: time(batch.status?.condition?.activeTime),
    ended: time(batch.status?.condition?.completionTime),
    updated: null,
    status: batchApiStatus(batch, rules),
    message: batch.status?.condition?.message || undefined,
    jobStatuses: batch.spec.jobs.map((j) => jobModel(batch, j.name)),
    batchType: batch.spec.batchType,
    DeploymentName: batch.spec.component.name,
  });
}

/** Drops undefined fields (null stays: upstream writes null for unset times). */
function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
