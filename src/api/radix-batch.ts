import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { RADIX_JOB_COMPONENT_SCHEMA } from './radix-job-definition';
import { stringMap } from './schema-parts';

/**
 * `RadixBatch` (`kubejobs.dev/v1`, `kubectl get rb`): one request to `kubejobs job-scheduler`
 * (a single job or a batch), written in one create so a request is all or nothing, and turned
 * into Kubernetes Jobs by `kubejobs controller`. It mirrors Radix's own RadixBatch
 * (`radix.equinor.com/v1`, shared/reference/appwrapper-radix.md B5) but lives in the kubejobs group
 * so it never collides with a Radix operator, and it holds a snapshot of the job component instead
 * of a reference to a RadixDeployment (kubejobs has none).
 */

/** Most jobs in one batch (Radix's limit). */
export const RADIX_BATCH_MAX_JOBS = 500;

/** A Kubernetes quantity (`resource.Quantity`), e.g. `250m`, `1.5`, `512Mi`, `1e3`. */
export const QUANTITY_PATTERN = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?$';

/** A resource list as the REST API takes it: resource name -> quantity. */
const RESOURCE_MAP: JsonSchema = {
  type: 'object',
  description: 'Resource name (e.g. `cpu`, `memory`, `nvidia.com/gpu`) -> quantity (e.g. `250m`, `1Gi`).',
  maxProperties: 16,
  additionalProperties: { type: 'string', maxLength: 64, pattern: QUANTITY_PATTERN },
};

/** Fields a request may set per job (Radix `RadixJobComponentConfig`); shared by the REST API schema and the CRD. */
export const RADIX_JOB_CONFIG_PROPERTIES: Record<string, JsonSchema> = {
  resources: {
    title: 'RadixJobResourceRequirements',
    type: 'object',
    description: 'Resources of the job container. When set they replace the component\'s resources as a whole (Radix).',
    properties: {
      limits: RESOURCE_MAP,
      requests: RESOURCE_MAP,
    },
  },
  node: {
    title: 'RadixJobNodeRequest',
    type: 'object',
    description: 'GPU nodes for the job (deprecated by Radix in favour of `runtime.nodeType`).',
    properties: {
      gpu: { type: 'string', maxLength: 1024, description: 'GPU types separated by commas; a leading `-` excludes a type.' },
      gpuCount: { type: 'string', maxLength: 10, pattern: '^[0-9]*$', description: 'Minimum GPUs on the node, as a decimal string (Radix takes a string here).' },
    },
  },
  timeLimitSeconds: {
    type: 'integer',
    format: 'int64',
    minimum: 1,
    maximum: 9007199254740991,
    description: 'Maximum running time of the job in seconds (the pod\'s `activeDeadlineSeconds`); the component\'s value when absent.',
  },
  backoffLimit: {
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2147483647,
    description: 'Retries of a failed job container (the Job\'s `backoffLimit`); the component\'s value when absent.',
  },
  failurePolicy: {
    title: 'RadixJobFailurePolicy',
    type: 'object',
    required: ['rules'],
    description: 'How exit codes of the job container count against `backoffLimit` (the Job\'s `podFailurePolicy`).',
    properties: {
      rules: {
        type: 'array',
        maxItems: 20,
        description: 'Rules tried in order; the first matching one applies.',
        items: {
          title: 'RadixJobFailurePolicyRule',
          type: 'object',
          required: ['action', 'onExitCodes'],
          description: 'One rule: what to do when the exit code matches.',
          properties: {
            action: { type: 'string', enum: ['FailJob', 'Ignore', 'Count'], description: '`FailJob`: fail the job at once; `Ignore`: do not count the failure; `Count`: count it against `backoffLimit`.' },
            onExitCodes: {
              title: 'RadixJobFailurePolicyOnExitCodes',
              type: 'object',
              required: ['operator', 'values'],
              description: 'Exit codes the rule matches.',
              properties: {
                operator: { type: 'string', enum: ['In', 'NotIn'], description: 'Whether the exit code must be in `values` or not in them.' },
                values: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 255,
                  items: { type: 'integer', format: 'int32', minimum: 0, maximum: 255 },
                  description: 'Exit codes (0 to 255; `0` only with `NotIn`, as Kubernetes requires).',
                },
              },
            },
          },
        },
      },
    },
  },
  image: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^\\S+$', description: 'Image of the job container instead of the component\'s.' },
  imageTagName: {
    type: 'string',
    maxLength: 128,
    pattern: '^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$',
    description: 'Tag replacing the tag of the image (the request\'s `image` or the component\'s).',
  },
  runtime: {
    title: 'RadixJobRuntime',
    type: 'object',
    description: 'Where the job runs. Replaces the default\'s runtime as a whole (Radix).',
    properties: {
      architecture: { type: 'string', enum: ['', 'amd64', 'arm64'], description: 'CPU architecture of the node (`kubernetes.io/arch`).' },
      nodeType: {
        type: 'string',
        maxLength: 120,
        pattern: '^(([a-z0-9][-a-z0-9]*)?[a-z0-9])?$',
        description: 'Node type (node label and taint `radix-nodetype`); takes precedence over `node.gpu`.',
      },
    },
  },
  variables: {
    ...stringMap('Environment variables of the job container, merged over the component\'s per name.'),
    maxProperties: 512,
  },
  command: {
    type: 'array',
    maxItems: 256,
    nullable: true,
    items: { type: 'string' },
    description: 'Command of the job container. Absent: the image\'s or component\'s; `[]`: explicitly empty.',
  },
  args: {
    type: 'array',
    maxItems: 1024,
    nullable: true,
    items: { type: 'string' },
    description: 'Arguments of the job container. Absent: the component\'s; `[]`: explicitly empty.',
  },
};

/** One job of a batch. */
const BATCH_JOB: JsonSchema = {
  title: 'RadixBatchJob',
  type: 'object',
  required: ['name'],
  description: 'One job of the batch: becomes the Kubernetes Job `<batch>-<name>`.',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]+$', description: 'Short job name (8 random characters); the job\'s API name is `<batch>-<name>`.' },
    jobId: { type: 'string', maxLength: 1024, description: 'The caller\'s id of the job (`jobId` of the request).' },
    ...RADIX_JOB_CONFIG_PROPERTIES,
    payloadSecretRef: {
      title: 'RadixBatchPayloadSecretRef',
      type: 'object',
      required: ['name', 'key'],
      description: 'The payload of the job: a key of a Secret, mounted read-only as `<payload path>/payload`.',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, description: 'Secret name (`<batch>-payloads-<n>`).' },
        key: { type: 'string', minLength: 1, maxLength: 253, description: 'Key in the Secret\'s data (the short job name).' },
      },
    },
    stop: { type: 'boolean', description: 'True once the job was stopped through the API: its Kubernetes Job is deleted and it keeps the status Stopped.' },
  },
};

const POD_STATUS: JsonSchema = {
  title: 'RadixBatchJobPodStatus',
  type: 'object',
  required: ['name', 'phase'],
  description: 'A pod of the job.',
  properties: {
    name: { type: 'string', description: 'Pod name.' },
    phase: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Stopped'], description: 'Phase of the pod.' },
    reason: { type: 'string', description: 'Why the pod is in its phase.' },
    message: { type: 'string', description: 'Details of the phase.' },
    exitCode: { type: 'integer', format: 'int32', description: 'Exit code of the job container, 0 while it runs.' },
    creationTime: { type: 'string', format: 'date-time', description: 'When the pod was created.' },
    startTime: { type: 'string', format: 'date-time', description: 'When the pod started.' },
    endTime: { type: 'string', format: 'date-time', description: 'When the job container ended.' },
    restartCount: { type: 'integer', format: 'int32', description: 'Restarts of the job container.' },
    image: { type: 'string', description: 'Image of the job container.' },
    imageID: { type: 'string', description: 'Image id the container runs.' },
    podIndex: { type: 'integer', format: 'int32', description: 'Index of the pod among the job\'s pods, in creation order.' },
  },
};

const JOB_STATUS: JsonSchema = {
  title: 'RadixBatchJobStatus',
  type: 'object',
  required: ['name', 'phase'],
  description: 'Status of one job, written by the controller.',
  properties: {
    name: { type: 'string', description: 'Short job name, as in `spec.jobs[].name`.' },
    phase: { type: 'string', enum: ['Waiting', 'Active', 'Running', 'Succeeded', 'Failed', 'Stopped'], description: 'Waiting (no pod yet), Active (a pod exists), Running (a pod is ready), then Succeeded, Failed or Stopped, which stay.' },
    reason: { type: 'string', description: 'Why the job is in its phase.' },
    message: { type: 'string', description: 'Details of the phase.' },
    creationTime: { type: 'string', format: 'date-time', description: 'When the Kubernetes Job was created.' },
    startTime: { type: 'string', format: 'date-time', description: 'When the Kubernetes Job started.' },
    endTime: { type: 'string', format: 'date-time', description: 'When the job succeeded, failed or was stopped.' },
    failed: { type: 'integer', format: 'int32', description: 'Failed pods of the job.' },
    podStatuses: { type: 'array', items: POD_STATUS, description: 'Pods of the job.' },
  },
};

const SPEC: JsonSchema = {
  title: 'RadixBatchSpec',
  type: 'object',
  required: ['batchType', 'component', 'jobs'],
  description: 'What the scheduler was asked for.',
  properties: {
    batchType: { type: 'string', enum: ['job', 'batch'], description: '`job` for POST /api/v1/jobs (exactly one job), `batch` for POST /api/v1/batches.' },
    batchId: { type: 'string', maxLength: 1024, description: 'The caller\'s id of the batch (`batchId` of the request).' },
    component: { ...RADIX_JOB_COMPONENT_SCHEMA, title: 'RadixBatchComponent', description: 'The job component the jobs are made from, as the scheduler had it when it accepted the request.' },
    jobs: {
      'type': 'array',
      'minItems': 1,
      'maxItems': RADIX_BATCH_MAX_JOBS,
      'items': BATCH_JOB,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'description': 'The jobs, 1 to 500.',
    },
  },
};

const STATUS: JsonSchema = {
  title: 'RadixBatchStatus',
  type: 'object',
  description: 'Observed state, written by the controller.',
  properties: {
    condition: {
      title: 'RadixBatchCondition',
      type: 'object',
      required: ['type'],
      description: 'The batch as a whole.',
      properties: {
        type: { type: 'string', enum: ['Waiting', 'Active', 'Completed'], description: 'Waiting: no job started; Completed: every job succeeded, failed or was stopped; Active otherwise.' },
        reason: { type: 'string', description: 'Why the batch has this condition.' },
        message: { type: 'string', description: 'Details of the condition.' },
        activeTime: { type: 'string', format: 'date-time', description: 'When the batch first became Active.' },
        completionTime: { type: 'string', format: 'date-time', description: 'When the batch became Completed.' },
      },
    },
    jobStatuses: { type: 'array', items: JOB_STATUS, description: 'One entry per job, in the order of `spec.jobs`.' },
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation of the spec this status reflects.' },
  },
};

/** The RadixBatch custom resource definition. */
export const RADIX_BATCH: CustomResourceDefinitionSpec = {
  group: 'kubejobs.dev',
  version: 'v1',
  kind: 'RadixBatch',
  plural: 'radixbatches',
  singular: 'radixbatch',
  shortNames: ['rb'],
  description: 'A batch of Radix jobs accepted by `kubejobs job-scheduler`; `kubejobs controller` runs each job as a Kubernetes Job.',
  spec: SPEC,
  status: STATUS,
  specRequired: true,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.batchType', description: 'job or batch' },
    { name: 'Condition', type: 'string', jsonPath: '.status.condition.type', description: 'Waiting, Active or Completed' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
