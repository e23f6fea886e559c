import { JsonSchema } from './crd';
import { DocumentSchemaSpec } from './document-schema';
import { DNS_LABEL_PATTERN, stringMap } from './schema-parts';
// eslint-disable-next-line import/no-cycle
import { validateDocument } from './validation';

/**
 * `RadixJobDefinition` (`kubejobs.dev/v1`): the job definition `kubejobs job-scheduler` reads at
 * start-up, written by the `RadixJobScheduler` construct into a ConfigMap. It is the Radix job
 * component (radixconfig `jobs[]`, shared/reference/appwrapper-radix.md part B) with every default
 * resolved, plus where the scheduler works. Field names are Radix's. docs/radix-job-definition.md
 * is the reader's guide; this schema is the contract.
 *
 * Versioning: additive changes (a new optional field) keep `kubejobs.dev/v1`; anything else
 * (removing, renaming or retyping a field, a new required field, a narrower rule) is a new
 * version. The scheduler refuses versions it does not know rather than guess.
 */

/** The group of the job definition's `apiVersion`. */
export const RADIX_JOB_DEFINITION_GROUP = 'kubejobs.dev';
/** The job definition version this library writes and the scheduler reads. */
export const RADIX_JOB_DEFINITION_VERSION = 'v1';
/** `apiVersion` of the job definition. */
export const RADIX_JOB_DEFINITION_API_VERSION = `${RADIX_JOB_DEFINITION_GROUP}/${RADIX_JOB_DEFINITION_VERSION}`;
/** `kind` of the job definition. */
export const RADIX_JOB_DEFINITION_KIND = 'RadixJobDefinition';

/** The placeholder Radix replaces with the image tag (radixconfig `image: repo/app:{imageTagName}`). */
export const IMAGE_TAG_NAME_PLACEHOLDER = '{imageTagName}';

/** Job statuses a batch status rule can test (Radix `RadixBatchJobPhase`). */
export const RADIX_JOB_PHASES = ['Waiting', 'Active', 'Running', 'Succeeded', 'Failed', 'Stopped'] as const;
/** Statuses a batch status rule can give a batch (Radix `RadixBatchJobApiStatus`). */
export const RADIX_BATCH_STATUSES = ['Waiting', 'Active', 'Running', 'Succeeded', 'Failed', 'Stopping', 'Stopped', 'Completed'] as const;

/** An environment variable name that every shell and runtime accepts. */
export const ENV_VAR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** A DNS-1123 subdomain (RFC 1123): what Kubernetes accepts as most object names, Secrets' included. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A key of a Secret's `data`. */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
/** One GPU type of `node.gpu`, optionally excluded with a leading `-` (a node label value). */
const GPU_TYPE = '-?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
/** Radix's `node.gpu`: comma-separated GPU types, `-type` excludes one. */
export const GPU_LIST_PATTERN = `^\\s*${GPU_TYPE}\\s*(,\\s*${GPU_TYPE}\\s*)*$`;
/**
 * An in-cluster webhook: http(s), a Service name (same namespace) or `<service>.<namespace>.svc`
 * (optionally `.cluster.local`), an explicit port, then any path.
 */
export const IN_CLUSTER_WEBHOOK_PATTERN =
  '^https?://[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\\.svc(\\.cluster\\.local)?)?:[0-9]{1,5}([/?#].*)?$';

/** A job port (radixconfig `jobs[].ports[]`). */
const PORT: JsonSchema = {
  title: 'RadixJobPort',
  type: 'object',
  required: ['name', 'port'],
  description: 'A port of the job container. Declaring ports makes the scheduler create a Service `<job name>` per job, so callers reach a running job at `http://<job name>:<port>`.',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 15, pattern: DNS_LABEL_PATTERN, description: 'Port name: a DNS-1123 label of at most 15 characters.' },
    port: { type: 'integer', format: 'int32', minimum: 1024, maximum: 65535, description: 'Port number, 1024 to 65535 (Radix\'s range).' },
  },
};

/** CPU and memory, as Radix accepts them (only these two; CPU in millicores). */
const RESOURCE_LIST: JsonSchema = {
  title: 'RadixResourceList',
  type: 'object',
  properties: {
    cpu: { type: 'string', pattern: '^[0-9]+m$', description: 'CPU in millicores, e.g. `400m` (Radix accepts no other form).' },
    memory: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?([KMGTPE]i|[kMGTPE])?$', description: 'Memory as a Kubernetes quantity, e.g. `256Mi`.' },
  },
};

const RESOURCES: JsonSchema = {
  title: 'RadixResourceRequirements',
  type: 'object',
  description: 'Default resources of a job container. A request\'s `resources` replace them as a whole (Radix).',
  properties: {
    requests: { ...RESOURCE_LIST, title: 'RadixResourceRequests', description: 'What a job container is guaranteed (the container\'s `resources.requests`).' },
    limits: { ...RESOURCE_LIST, title: 'RadixResourceLimits', description: 'What a job container may use at most (the container\'s `resources.limits`).' },
  },
};

const NODE: JsonSchema = {
  title: 'RadixNode',
  type: 'object',
  description: 'GPU nodes for the jobs: node affinity on the Radix node labels `radix-node-gpu` and `radix-node-gpu-count`, and a toleration of the `radix-node-gpu-count` taint.',
  properties: {
    gpu: {
      type: 'string',
      pattern: GPU_LIST_PATTERN,
      description: 'GPU types separated by commas, e.g. `nvidia-v100, -nvidia-k80`; a leading `-` excludes a type. Compared in lower case.',
    },
    gpuCount: { type: 'integer', format: 'int32', minimum: 1, description: 'Minimum GPUs on the node. Radix\'s default is 1 when `gpu` is set.' },
  },
};

const SECRET_ENV_VAR: JsonSchema = {
  title: 'RadixSecretEnvVar',
  type: 'object',
  required: ['name', 'secretKeyRef'],
  description: 'An environment variable of the job container taken from a key of an existing Secret. The definition holds the reference, never the value.',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: ENV_VAR_NAME_PATTERN, description: 'Environment variable name.' },
    secretKeyRef: {
      title: 'RadixSecretKeyRef',
      type: 'object',
      required: ['name', 'key'],
      description: 'The Secret (in the scheduler\'s namespace) and the key the value comes from.',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN, description: 'Secret name.' },
        key: { type: 'string', minLength: 1, maxLength: 253, pattern: SECRET_KEY_PATTERN, description: 'Key in the Secret\'s data.' },
      },
    },
  },
};

const BATCH_STATUS_RULE: JsonSchema = {
  'title': 'RadixBatchStatusRule',
  'type': 'object',
  'required': ['condition', 'operator', 'jobStatuses', 'batchStatus'],
  'description': 'Gives a batch `batchStatus` when `condition` (`Any` or `All`) of its jobs have a status that is (`In`) or is not (`NotIn`) one of `jobStatuses`. Rules are tried in order; the first that holds wins; if none holds the batch status is its condition (Waiting, Active or Completed).',
  'x-kubernetes-validations': [
    {
      rule: 'self.jobStatuses.all(s, self.jobStatuses.exists_one(t, t == s))',
      message: 'lists a status twice: list each status once',
      fieldPath: '.jobStatuses',
    },
  ],
  'properties': {
    condition: { type: 'string', enum: ['Any', 'All'], description: '`Any`: at least one job matches; `All`: every job matches.' },
    operator: { type: 'string', enum: ['In', 'NotIn'], description: 'Whether a job matches when its status is in `jobStatuses` or not in it.' },
    jobStatuses: {
      type: 'array',
      minItems: 1,
      maxItems: RADIX_JOB_PHASES.length,
      items: { type: 'string', enum: RADIX_JOB_PHASES },
      description: 'Job statuses the rule tests.',
    },
    batchStatus: { type: 'string', enum: RADIX_BATCH_STATUSES, description: 'The batch status when the rule holds.' },
  },
};

/** The job component schema (radixconfig `jobs[]` with defaults resolved); a RadixBatch holds a snapshot of it. */
export const RADIX_JOB_COMPONENT_SCHEMA: JsonSchema = {
  'title': 'RadixJobComponent',
  'type': 'object',
  'required': ['name', 'image', 'schedulerPort', 'timeLimitSeconds', 'backoffLimit'],
  'description': 'The Radix job component the scheduler runs jobs of, with defaults resolved. Jobs and batches requested through the REST API override `timeLimitSeconds`, `backoffLimit`, `resources`, `node`, `imageTagName` and `variables` per job.',
  'x-kubernetes-validations': [
    {
      rule: '!self.image.contains(\'{imageTagName}\') || self.image.endsWith(\':{imageTagName}\')',
      message: 'job.image may use {imageTagName} only as its whole tag, e.g. \'registry.example.com/compute:{imageTagName}\'',
      fieldPath: '.image',
    },
    {
      rule: '!self.image.endsWith(\':{imageTagName}\') || has(self.imageTagName)',
      message: 'job.imageTagName is required when job.image ends with \':{imageTagName}\': it is the tag jobs use unless a request names another',
      fieldPath: '.imageTagName',
      reason: 'FieldValueRequired',
    },
    {
      rule: '!has(self.imageTagName) || self.image.endsWith(\':{imageTagName}\')',
      message: 'job.imageTagName is set but job.image does not end with \':{imageTagName}\': use the placeholder as the image tag or remove imageTagName',
      fieldPath: '.imageTagName',
      reason: 'FieldValueForbidden',
    },
    {
      rule: '!has(self.ports) || self.ports.all(p, self.ports.exists_one(q, q.name == p.name) && self.ports.exists_one(q, q.port == p.port))',
      message: 'job.ports: every port needs its own name and number',
      fieldPath: '.ports',
    },
    {
      rule: '!has(self.secrets) || self.secrets.all(s, self.secrets.exists_one(t, t.name == s.name))',
      message: 'job.secrets names an environment variable twice: each variable comes from one Secret key',
      fieldPath: '.secrets',
    },
    {
      rule: '!has(self.secrets) || !has(self.variables) || self.secrets.all(s, !(s.name in self.variables))',
      message: 'job.secrets and job.variables set the same environment variable: keep it in one of them',
      fieldPath: '.secrets',
    },
  ],
  'properties': {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
      description: 'Job component name (a DNS-1035 label). The scheduler\'s Service has this name: callers use `http://<name>:<schedulerPort>`. Job containers are named after it too.',
    },
    image: {
      type: 'string',
      minLength: 1,
      pattern: '^\\S+$',
      description: 'Image of the job container, as configured. When it ends with `:{imageTagName}` the tag is `imageTagName`, or the `imageTagName` of a request.',
    },
    imageTagName: {
      type: 'string',
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
      description: 'Default tag for an `image` ending with `:{imageTagName}`; required then, forbidden otherwise (Radix).',
    },
    schedulerPort: { type: 'integer', format: 'int32', minimum: 1024, maximum: 65535, description: 'Port the scheduler\'s REST API listens on (Radix: 1024 to 65535).' },
    payload: {
      title: 'RadixJobPayload',
      type: 'object',
      required: ['path'],
      description: 'Where a request\'s `payload` is mounted: the file `<path>/payload`, read-only, from a Secret.',
      properties: {
        path: { type: 'string', pattern: '^/[^:]+$', description: 'Absolute directory in the job container.' },
      },
    },
    ports: { type: 'array', maxItems: 64, items: PORT, description: 'Ports of the job container.' },
    resources: RESOURCES,
    node: NODE,
    timeLimitSeconds: {
      type: 'integer',
      format: 'int64',
      minimum: 1,
      description: 'Default maximum running time of a job, in seconds (the pod\'s `activeDeadlineSeconds`). Radix\'s default is 43200 (12 hours).',
    },
    backoffLimit: {
      type: 'integer',
      format: 'int32',
      minimum: 0,
      maximum: 2147483647,
      description: 'Default number of retries of a failed job container (the Job\'s `backoffLimit`). Radix\'s default is 0.',
    },
    variables: {
      ...stringMap('Environment variables of the job container. A request\'s `variables` are merged over them.'),
      maxProperties: 512,
    },
    secrets: { type: 'array', maxItems: 256, items: SECRET_ENV_VAR, description: 'Environment variables of the job container taken from Secrets.' },
    notifications: {
      title: 'RadixNotifications',
      type: 'object',
      description: 'Where the scheduler reports status changes of jobs and batches.',
      properties: {
        webhook: {
          type: 'string',
          pattern: IN_CLUSTER_WEBHOOK_PATTERN,
          description: 'URL of an in-cluster Service the scheduler POSTs a batch event (`BatchStatus` + `event: Create|Update|Delete`, changed jobs only) to: `http(s)://<service>[.<namespace>.svc]:<port>/<path>`.',
        },
      },
    },
    batchStatusRules: { type: 'array', maxItems: 32, items: BATCH_STATUS_RULE, description: 'Rules that give a batch its status from its jobs\' statuses, tried in order.' },
  },
};

const SCHEMA: JsonSchema = {
  title: RADIX_JOB_DEFINITION_KIND,
  type: 'object',
  description: 'The job definition `kubejobs job-scheduler` reads at start-up (written by the RadixJobScheduler construct).',
  required: ['apiVersion', 'kind', 'namespace', 'job', 'objects'],
  properties: {
    apiVersion: { type: 'string', enum: [RADIX_JOB_DEFINITION_API_VERSION], description: 'Version of this document; the scheduler refuses versions it does not know.' },
    kind: { type: 'string', enum: [RADIX_JOB_DEFINITION_KIND], description: 'Always `RadixJobDefinition`.' },
    namespace: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: DNS_LABEL_PATTERN,
      description: 'The namespace the scheduler runs in. It creates every object there and nowhere else (its Role is namespaced).',
    },
    job: RADIX_JOB_COMPONENT_SCHEMA,
    objects: {
      title: 'RadixJobObjects',
      type: 'object',
      required: ['labels'],
      description: 'What the scheduler creates. Names follow Radix: batch `batch-<component part>-<yyyyMMddHHmmss>-<8 random>`, batch job `<batch>-<8 random>` (the Job, its Service and `RADIX_JOB_NAME`), payload Secret `<batch>-payloads-<n>`.',
      properties: {
        labels: {
          ...stringMap('Labels on every Job, job Pod, payload Secret and job Service the scheduler creates. It lists, watches and deletes only objects carrying all of them, so schedulers of different components never touch each other\'s jobs.'),
          maxProperties: 16,
        },
      },
    },
  },
};

/** The job definition document: schema and identity, for the generated types and validation. */
export const RADIX_JOB_DEFINITION: DocumentSchemaSpec = {
  group: RADIX_JOB_DEFINITION_GROUP,
  version: RADIX_JOB_DEFINITION_VERSION,
  kind: RADIX_JOB_DEFINITION_KIND,
  schema: SCHEMA,
};

/**
 * Errors of a job definition document, `[]` when it is valid: first its version (the scheduler
 * refuses a version it does not know, whatever the rest says), then the schema and its rules.
 */
export function validateJobDefinition(doc: unknown): string[] {
  const { apiVersion, kind } = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (apiVersion !== RADIX_JOB_DEFINITION_API_VERSION || kind !== RADIX_JOB_DEFINITION_KIND) {
    return [
      `apiVersion/kind: ${JSON.stringify(apiVersion)}/${JSON.stringify(kind)} is not a job definition this version of kubejobs reads; `
      + `expected '${RADIX_JOB_DEFINITION_API_VERSION}'/'${RADIX_JOB_DEFINITION_KIND}': regenerate it with the RadixJobScheduler construct of the same kubejobs version as the scheduler image`,
    ];
  }
  return validateDocument(SCHEMA, doc, 'the job-scheduler would refuse the definition');
}
