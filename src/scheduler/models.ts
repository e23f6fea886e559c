import type { RadixBatchJob } from '../../imports/kubejobs.dev';

/**
 * Request and response models of Radix's job-scheduler API (shared/reference/appwrapper-radix.md
 * B2.2, B2.3), with upstream's JSON names.
 */

/** Per-job settings a request may give (Radix `RadixJobComponentConfig`). */
export type RadixJobComponentConfig = Omit<RadixBatchJob, 'name' | 'jobId' | 'payloadSecretRef' | 'stop'>;

/** Body of `POST /api/v1/jobs`, and one job of a batch. */
export interface JobScheduleDescription extends RadixJobComponentConfig {
  readonly jobId?: string;
  readonly payload?: string;
}

/** Body of `POST /api/v1/batches`. */
export interface BatchScheduleDescription {
  readonly batchId?: string;
  readonly jobScheduleDescriptions: JobScheduleDescription[];
  readonly defaultRadixJobComponentConfig?: RadixJobComponentConfig;
}

/** A pod of a job (Radix `PodStatus`). */
export interface PodStatusModel {
  name: string;
  created?: string;
  startTime?: string;
  endTime?: string;
  containerStarted?: string;
  replicaStatus: { status: string };
  statusMessage?: string;
  restartCount?: number;
  image?: string;
  imageId?: string;
  podIndex?: number;
  exitCode: number;
  reason?: string;
}

/** A job (Radix `JobStatus`). Times are RFC 3339 UTC or null, never omitted. */
export interface JobStatusModel {
  jobId?: string;
  batchName?: string;
  batchId?: string;
  name: string;
  created: string | null;
  started: string | null;
  ended: string | null;
  updated: string | null;
  status?: string;
  message?: string;
  failed?: number;
  restart?: string;
  podStatuses?: PodStatusModel[];
  /** Capitalised as upstream writes it (a Go field without a JSON tag). */
  DeploymentName: string;
}

/** A batch (Radix `BatchStatus`): the batch's own `JobStatus` fields plus its jobs. */
export interface BatchStatusModel extends JobStatusModel {
  jobStatuses?: JobStatusModel[];
  batchType?: 'job' | 'batch';
}
