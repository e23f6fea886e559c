import type { RadixBatch, RadixBatchJob, RadixJobDefinition } from '../../imports/kubejobs.dev';
import { ENV_VAR_NAME_PATTERN, RADIX_BATCH } from '../api';
import { invalid } from './errors';
import { mergeJobDescription } from './merge';
import { JobScheduleDescription, RadixJobComponentConfig } from './models';

/** Radix's cap on one payload Secret, estimated as below (B4). */
export const PAYLOAD_SECRET_CAP_BYTES = 512 * 1024;
const SECRET_OVERHEAD_BYTES = 600;
const ENTRY_OVERHEAD_BYTES = 128;

/** Annotation on a RadixBatch whose payload Secrets are still being written; the controller ignores it until removed. */
export const PAYLOADS_PENDING_ANNOTATION = 'kubejobs.dev/payloads-pending';

/** Labels of Radix's objects. */
export const RADIX_LABELS = {
  batchName: 'radix-batch-name',
  batchJobName: 'radix-batch-job-name',
  batchType: 'radix-batch-type',
  secretType: 'radix-secret-type',
} as const;

/** What one request becomes: the RadixBatch, and the payload Secrets to create with it. */
export interface BatchWrite {
  readonly batch: RadixBatch;
  /** Secrets without owner references; the scheduler adds the batch's once it exists. */
  readonly secrets: Array<{ apiVersion: 'v1'; kind: 'Secret'; metadata: { name: string; labels: Record<string, string> }; type: 'Opaque'; stringData: Record<string, string> }>;
}

/** Input of {@link buildBatch}. */
export interface BuildBatchInput {
  readonly definition: RadixJobDefinition;
  readonly batchType: 'job' | 'batch';
  readonly batchName: string;
  /** One short name per description. */
  readonly jobNames: readonly string[];
  readonly descriptions: readonly JobScheduleDescription[];
  readonly defaults?: RadixJobComponentConfig;
  readonly batchId?: string;
  /** `payload` for POST /jobs, `BatchScheduleDescription` for POST /batches: the name in error messages. */
  readonly subject: string;
}

/**
 * Turns a validated request into the RadixBatch and payload Secrets that record it (B3-B5).
 * Throws a `RadixApiError` (422) for what the schema cannot say. Never quotes a payload.
 */
export function buildBatch(input: BuildBatchInput): BatchWrite {
  const { definition, batchName } = input;
  const component = definition.job;
  const labels = { ...definition.objects.labels };
  const envName = new RegExp(ENV_VAR_NAME_PATTERN);
  const jobs: RadixBatchJob[] = [];
  const payloads: Array<{ job: string; value: string; size: number }> = [];
  input.descriptions.forEach((raw, i) => {
    const where = input.batchType === 'batch' ? `jobScheduleDescriptions[${i}].` : '';
    const d = input.batchType === 'batch' ? mergeJobDescription(raw, input.defaults) : raw;
    for (const name of Object.keys(d.variables ?? {})) {
      if (!envName.test(name)) {
        throw invalid(input.subject, `${where}variables: '${name}' is not an environment variable name: use letters, digits and '_', not starting with a digit`);
      }
    }
    if (d.node?.gpuCount !== undefined && d.node.gpuCount !== '' && Number(d.node.gpuCount) < 1) {
      throw invalid(input.subject, `${where}node.gpuCount ('${d.node.gpuCount}') must be a positive number of GPUs, e.g. "1"`);
    }
    const name = input.jobNames[i]!;
    const { payload, jobId, ...config } = d;
    const job: RadixBatchJob = { name, ...(jobId !== undefined && jobId !== '' ? { jobId } : {}), ...config };
    const trimmed = (payload ?? '').trim();
    if (trimmed !== '') {
      if (!component.payload) {
        throw invalid(input.subject, `missing an expected payload path, but there is a payload in the job #${i}: `
          + `the job component '${component.name}' has no payload path; remove the payload, or give the RadixJobScheduler a payloadPath`);
      }
      const base64Size = Buffer.byteLength(trimmed, 'utf-8') * 4 / 3;
      const size = Math.ceil(base64Size) + name.length + ENTRY_OVERHEAD_BYTES;
      if (SECRET_OVERHEAD_BYTES + size > PAYLOAD_SECRET_CAP_BYTES) {
        throw invalid(input.subject, `payload is too large in the job #${i} - its base64 size is ${Math.ceil(base64Size)} bytes, `
          + `but it is expected to be less then ${PAYLOAD_SECRET_CAP_BYTES} bytes: send at most about 383 KiB per job, or pass a reference (e.g. a URL) instead`);
      }
      payloads.push({ job: name, value: trimmed, size });
    }
    jobs.push(job);
  });

  const secrets: BatchWrite['secrets'] = [];
  let used = SECRET_OVERHEAD_BYTES;
  for (const p of payloads) {
    if (secrets.length === 0 || used + p.size > PAYLOAD_SECRET_CAP_BYTES) {
      secrets.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: `${batchName}-payloads-${secrets.length}`,
          labels: { ...labels, [RADIX_LABELS.batchName]: batchName, [RADIX_LABELS.secretType]: 'scheduler-job-payload' },
        },
        type: 'Opaque',
        stringData: {},
      });
      used = SECRET_OVERHEAD_BYTES;
    }
    const secret = secrets[secrets.length - 1]!;
    secret.stringData[p.job] = p.value;
    used += p.size;
    const job = jobs.find((j) => j.name === p.job)!;
    job.payloadSecretRef = { name: secret.metadata.name, key: p.job };
  }

  const batch: RadixBatch = {
    apiVersion: `${RADIX_BATCH.group}/${RADIX_BATCH.version}` as RadixBatch['apiVersion'],
    kind: 'RadixBatch',
    metadata: {
      name: batchName,
      labels: { ...labels, [RADIX_LABELS.batchType]: input.batchType },
      ...(secrets.length > 0 ? { annotations: { [PAYLOADS_PENDING_ANNOTATION]: 'true' } } : {}),
    },
    spec: {
      batchType: input.batchType,
      ...(input.batchId !== undefined && input.batchId !== '' ? { batchId: input.batchId } : {}),
      component,
      jobs,
    },
  };
  return { batch: JSON.parse(JSON.stringify(batch)), secrets };
}
