import { JsonSchema, RADIX_BATCH_MAX_JOBS, RADIX_JOB_CONFIG_PROPERTIES } from '../api';
import { PACKAGE_VERSION } from '../package-version';

/**
 * The JSON schemas of the job-scheduler API. Fastify validates request bodies with them (ajv), and
 * {@link openApiDocument} serves the same objects as the API's OpenAPI document, so the documented
 * and the enforced API cannot drift. The per-job fields are the RadixBatch CRD's own
 * ({@link RADIX_JOB_CONFIG_PROPERTIES}): what the API accepts the CRD stores.
 */

type Schema = Record<string, unknown>;

/**
 * A request schema from CRD schema parts: unknown fields are errors (`additionalProperties: false`
 * on every object with named properties: a misspelt `timelimitSeconds` must not be dropped), and
 * the CRD-only formats `int32`/`int64` become plain integer bounds.
 */
export function strict(schema: JsonSchema | Schema): Schema {
  const s = { ...(schema as Schema) };
  if (s.format === 'int32' || s.format === 'int64') delete s.format;
  if (s.properties) {
    s.properties = Object.fromEntries(Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, strict(v)]));
    if (s.additionalProperties === undefined) s.additionalProperties = false;
  }
  if (s.items) s.items = strict(s.items as Schema);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') s.additionalProperties = strict(s.additionalProperties as Schema);
  // `nullable` is OpenAPI's, understood by ajv only next to a single `type`.
  return s;
}

const CONFIG_PROPERTIES = strict({ type: 'object', properties: RADIX_JOB_CONFIG_PROPERTIES }).properties as Record<string, Schema>;

/** `RadixJobComponentConfig`: per-job settings. */
export const JOB_COMPONENT_CONFIG_SCHEMA: Schema = {
  $id: 'RadixJobComponentConfig',
  type: 'object',
  description: 'Per-job settings; each overrides the job component\'s.',
  additionalProperties: false,
  properties: CONFIG_PROPERTIES,
};

/** `JobScheduleDescription`: body of POST /api/v1/jobs and one job of a batch. */
export const JOB_SCHEDULE_DESCRIPTION_SCHEMA: Schema = {
  $id: 'JobScheduleDescription',
  type: 'object',
  description: 'One job to run. Every field is optional; an empty body runs the job component as configured.',
  additionalProperties: false,
  properties: {
    jobId: { type: 'string', maxLength: 1024, description: 'Your id of the job, returned in its status.' },
    payload: { type: 'string', description: 'Mounted read-only as `<payload path>/payload` in the job container (at most about 383 KiB).' },
    ...CONFIG_PROPERTIES,
  },
};

/** `BatchScheduleDescription`: body of POST /api/v1/batches. */
export const BATCH_SCHEDULE_DESCRIPTION_SCHEMA: Schema = {
  $id: 'BatchScheduleDescription',
  type: 'object',
  description: 'A batch of jobs, created together.',
  required: ['jobScheduleDescriptions'],
  additionalProperties: false,
  properties: {
    batchId: { type: 'string', maxLength: 1024, description: 'Your id of the batch, returned in its status.' },
    jobScheduleDescriptions: {
      type: 'array',
      minItems: 1,
      maxItems: RADIX_BATCH_MAX_JOBS,
      items: { $ref: 'JobScheduleDescription#' },
      description: `The jobs, 1 to ${RADIX_BATCH_MAX_JOBS}.`,
    },
    defaultRadixJobComponentConfig: { $ref: 'RadixJobComponentConfig#' },
  },
};

const TIME = { type: ['string', 'null'], format: 'date-time', description: 'RFC 3339, UTC; null until known.' };

/** `Status`: success and error answers. */
export const STATUS_SCHEMA: Schema = {
  $id: 'Status',
  type: 'object',
  required: ['status', 'message', 'code'],
  properties: {
    status: { type: 'string', enum: ['Success', 'Failure'] },
    message: { type: 'string', description: 'What happened; on failure, what to fix.' },
    reason: { type: 'string', enum: ['BadRequest', 'NotFound', 'Invalid', 'InternalError', 'RequestEntityTooLarge', 'ServiceUnavailable'] },
    code: { type: 'integer', description: 'The HTTP status.' },
  },
};

const POD_STATUS_SCHEMA: Schema = {
  type: 'object',
  required: ['name', 'replicaStatus', 'exitCode'],
  properties: {
    name: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    startTime: { type: 'string', format: 'date-time' },
    endTime: { type: 'string', format: 'date-time' },
    containerStarted: { type: 'string', format: 'date-time' },
    replicaStatus: { type: 'object', properties: { status: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Stopped'] } } },
    statusMessage: { type: 'string' },
    restartCount: { type: 'integer' },
    image: { type: 'string' },
    imageId: { type: 'string' },
    podIndex: { type: 'integer' },
    exitCode: { type: 'integer' },
    reason: { type: 'string' },
  },
};

const JOB_STATUS_PROPERTIES: Schema = {
  jobId: { type: 'string' },
  batchName: { type: 'string', description: 'The batch of a batch job.' },
  batchId: { type: 'string' },
  name: { type: 'string', description: '`<batch name>-<job name>`: the Kubernetes Job, its Service host name and RADIX_JOB_NAME.' },
  created: TIME,
  started: TIME,
  ended: TIME,
  updated: TIME,
  status: { type: 'string', enum: ['Waiting', 'Active', 'Running', 'Succeeded', 'Failed', 'Stopping', 'Stopped', 'Completed'] },
  message: { type: 'string' },
  failed: { type: 'integer' },
  restart: { type: 'string' },
  podStatuses: { type: 'array', items: POD_STATUS_SCHEMA },
  DeploymentName: { type: 'string', description: 'Capitalised as upstream writes it.' },
};

/** `JobStatus`. */
export const JOB_STATUS_SCHEMA: Schema = { $id: 'JobStatus', type: 'object', required: ['name', 'DeploymentName'], properties: JOB_STATUS_PROPERTIES };

/** `BatchStatus`. */
export const BATCH_STATUS_SCHEMA: Schema = {
  $id: 'BatchStatus',
  type: 'object',
  required: ['name', 'DeploymentName'],
  properties: {
    ...JOB_STATUS_PROPERTIES,
    jobStatuses: { type: 'array', items: { $ref: '#/components/schemas/JobStatus' } },
    batchType: { type: 'string', enum: ['job', 'batch'] },
  },
};

/** Schemas fastify compiles (request bodies and what they reference). */
export const REQUEST_SCHEMAS: readonly Schema[] = [JOB_COMPONENT_CONFIG_SCHEMA, JOB_SCHEDULE_DESCRIPTION_SCHEMA, BATCH_SCHEDULE_DESCRIPTION_SCHEMA];

/** One route of the API, for the router and the OpenAPI document. */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Fastify path, e.g. `/api/v1/jobs/:jobName`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** `$id` of the body schema. */
  readonly body?: 'JobScheduleDescription' | 'BatchScheduleDescription';
  /** `$id` of the 200 answer; an array of it when `list`. */
  readonly answer: 'JobStatus' | 'BatchStatus' | 'Status';
  readonly list?: boolean;
}

/** The 14 routes of Radix's job-scheduler (B2). */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/api/v1/jobs', operationId: 'createJob', summary: 'Create a job', body: 'JobScheduleDescription', answer: 'JobStatus' },
  { method: 'GET', path: '/api/v1/jobs', operationId: 'getJobs', summary: 'All jobs of this job component (single jobs and jobs of batches)', answer: 'JobStatus', list: true },
  { method: 'POST', path: '/api/v1/jobs/stop', operationId: 'stopAllJobs', summary: 'Stop every single job that has not ended', answer: 'Status' },
  { method: 'GET', path: '/api/v1/jobs/:jobName', operationId: 'getJob', summary: 'One job, by its full name', answer: 'JobStatus' },
  { method: 'DELETE', path: '/api/v1/jobs/:jobName', operationId: 'deleteJob', summary: 'Delete a single job, its pods and payload', answer: 'Status' },
  { method: 'POST', path: '/api/v1/jobs/:jobName/stop', operationId: 'stopJob', summary: 'Stop a job', answer: 'Status' },
  { method: 'POST', path: '/api/v1/batches', operationId: 'createBatch', summary: 'Create a batch of jobs', body: 'BatchScheduleDescription', answer: 'BatchStatus' },
  { method: 'GET', path: '/api/v1/batches', operationId: 'getBatches', summary: 'All batches of this job component', answer: 'BatchStatus', list: true },
  { method: 'POST', path: '/api/v1/batches/stop', operationId: 'stopAllBatches', summary: 'Stop every batch that has not completed', answer: 'Status' },
  { method: 'GET', path: '/api/v1/batches/:batchName', operationId: 'getBatch', summary: 'One batch with its jobs', answer: 'BatchStatus' },
  { method: 'DELETE', path: '/api/v1/batches/:batchName', operationId: 'deleteBatch', summary: 'Delete a batch, its jobs, pods and payloads', answer: 'Status' },
  { method: 'POST', path: '/api/v1/batches/:batchName/stop', operationId: 'stopBatch', summary: 'Stop a batch', answer: 'Status' },
  { method: 'GET', path: '/api/v1/batches/:batchName/jobs/:jobName', operationId: 'getBatchJob', summary: 'One job of a batch (full or short job name)', answer: 'JobStatus' },
  { method: 'POST', path: '/api/v1/batches/:batchName/jobs/:jobName/stop', operationId: 'stopBatchJob', summary: 'Stop one job of a batch (short or full job name)', answer: 'Status' },
];

/** Replaces ajv `$ref`s by `$id` with OpenAPI component references. */
function toOpenApi(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOpenApi);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$id') continue;
      if (k === '$ref' && typeof v === 'string' && !v.startsWith('#/')) {
        out[k] = `#/components/schemas/${v.replace(/#$/, '')}`;
      } else if (k === 'type' && Array.isArray(v)) {
        // OpenAPI 3.0 has no type arrays: `['string', 'null']` is `string` + `nullable`.
        out.type = v.find((t) => t !== 'null');
        out.nullable = true;
      } else {
        out[k] = toOpenApi(v);
      }
    }
    return out;
  }
  return value;
}

/** The OpenAPI 3.0 document of the API, served at `/api/v1/openapi.json` and `/swaggerui/doc.json`. */
export function openApiDocument(): Record<string, unknown> {
  const schemas = Object.fromEntries([...REQUEST_SCHEMAS, STATUS_SCHEMA, JOB_STATUS_SCHEMA, BATCH_STATUS_SCHEMA]
    .map((s) => [s.$id as string, toOpenApi(s)]));
  const paths: Record<string, Record<string, unknown>> = {};
  const errors = (codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), {
    description: { 400: 'Bad request', 404: 'Not found', 413: 'Body too large', 422: 'Invalid request', 500: 'Internal error', 503: 'Too many requests in flight' }[c],
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } },
  }]));
  for (const r of ROUTES) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const answer = { $ref: `#/components/schemas/${r.answer}` };
    paths[path] = paths[path] ?? {};
    paths[path][r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: r.body === 'BatchScheduleDescription', content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.body}` } } } } } : {}),
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: r.list ? { type: 'array', items: answer } : answer } } },
        ...errors(r.body ? [404, 413, 422, 500, 503] : r.method === 'GET' ? [404, 422, 500, 503] : [400, 404, 422, 500, 503]),
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Radix job-scheduler API (kubejobs)', version: PACKAGE_VERSION, description: 'Radix\'s job-scheduler REST API, served by `kubejobs job-scheduler`.' },
    paths,
    components: { schemas },
  };
}
