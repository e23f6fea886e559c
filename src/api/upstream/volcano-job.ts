import { CustomResourceDefinitionSpec, JsonSchema } from '../crd';
import { POD_TEMPLATE } from '../pod-template';
import { dnsLabel } from '../schema-parts';
import { DNS_SUBDOMAIN_PATTERN } from './core-parts';

/**
 * Volcano `Job` (`batch.volcano.sh/v1alpha1`, volcano-sh/apis): gang-scheduled tasks of pods
 * (shared/reference/appwrapper-radix.md §A3). Network topology needs Volcano >= 1.12 and
 * partition policies >= 1.14.
 */

const INT32_MIN_0: JsonSchema = { type: 'integer', format: 'int32', minimum: 0 };

const LIFECYCLE_POLICIES: JsonSchema = {
  type: 'array',
  description: 'Actions taken on events or exit codes (LifecyclePolicy).',
  items: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

const NETWORK_TOPOLOGY: JsonSchema = {
  'title': 'NetworkTopologySpec',
  'type': 'object',
  'description': 'Where the pods may be placed in the HyperNode tiers (Volcano >= 1.12).',
  'x-kubernetes-validations': [
    {
      rule: '!(has(self.highestTierAllowed) && has(self.highestTierName))',
      message: 'set highestTierAllowed or highestTierName, not both',
    },
  ],
  'properties': {
    mode: { type: 'string', enum: ['hard', 'soft'], default: 'hard', description: '`hard` (must hold) or `soft` (best effort).' },
    highestTierAllowed: { type: 'integer', minimum: 0, description: 'Highest HyperNode tier the pods may span.' },
    highestTierName: { type: 'string', maxLength: 253, description: 'Highest tier by name (Volcano >= 1.14).' },
  },
};

const TASK: JsonSchema = {
  title: 'VolcanoTaskSpec',
  type: 'object',
  description: 'A set of identical pods `<job>-<task>-<index>`.',
  properties: {
    name: dnsLabel('Task name; part of the pod names `<job>-<task>-<index>`.'),
    replicas: { ...INT32_MIN_0, description: 'Number of pods.' },
    minAvailable: { ...INT32_MIN_0, description: 'Pods of this task that must be schedulable together; defaults to replicas.' },
    template: POD_TEMPLATE,
    policies: LIFECYCLE_POLICIES,
    topologyPolicy: { type: 'string', enum: ['none', 'best-effort', 'restricted', 'single-numa-node'] },
    maxRetry: { ...INT32_MIN_0, description: 'Retries of the task\'s pods; the webhook defaults 0 to 3.' },
    dependsOn: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'description': 'Tasks this task waits for.' },
    partitionPolicy: {
      title: 'PartitionPolicySpec',
      type: 'object',
      description: 'Splits the task into partitions placed together (Volcano >= 1.14); totalPartitions * partitionSize should equal replicas.',
      required: ['totalPartitions', 'partitionSize'],
      properties: {
        totalPartitions: { type: 'integer', format: 'int32', minimum: 1 },
        partitionSize: { type: 'integer', format: 'int32', minimum: 1 },
        networkTopology: NETWORK_TOPOLOGY,
        minPartitions: { ...INT32_MIN_0, default: 0 },
      },
    },
  },
};

const SPEC: JsonSchema = {
  title: 'VolcanoJobSpec',
  type: 'object',
  description: 'Desired state of a Volcano Job.',
  properties: {
    schedulerName: { type: 'string', maxLength: 63, description: 'Scheduler of the pods; the webhook defaults it to `volcano`.' },
    minAvailable: { ...INT32_MIN_0, description: 'Pods that must be schedulable together (gang); at most the sum of the tasks\' replicas.' },
    volumes: { type: 'array', items: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    tasks: { type: 'array', minItems: 1, items: TASK, description: 'The tasks; at least one.' },
    policies: LIFECYCLE_POLICIES,
    plugins: {
      type: 'object',
      description: 'Job plugins and their arguments: `svc`, `env`, `ssh`, `tensorflow`, `mpi`, `pytorch`.',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    queue: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN, default: 'default', description: 'Volcano queue.' },
    maxRetry: { ...INT32_MIN_0, default: 3, description: 'Retries of the job.' },
    ttlSecondsAfterFinished: { ...INT32_MIN_0, description: 'Seconds after which a finished job is deleted.' },
    priorityClassName: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN },
    minSuccess: { type: 'integer', format: 'int32', minimum: 1 },
    runningEstimate: { type: 'string' },
    networkTopology: NETWORK_TOPOLOGY,
  },
};

const STATUS: JsonSchema = {
  title: 'VolcanoJobStatus',
  type: 'object',
  description: 'Observed state of a Volcano Job.',
  properties: {
    state: {
      title: 'VolcanoJobState',
      type: 'object',
      properties: {
        phase: {
          type: 'string',
          description: 'Pending, Aborting, Aborted, Running, Restarting, Completing, Completed, Terminating, Terminated or Failed.',
        },
        reason: { type: 'string' },
        message: { type: 'string' },
        lastTransitionTime: { type: 'string', format: 'date-time' },
      },
    },
    minAvailable: { type: 'integer', format: 'int32' },
    pending: { type: 'integer', format: 'int32' },
    running: { type: 'integer', format: 'int32' },
    succeeded: { type: 'integer', format: 'int32' },
    failed: { type: 'integer', format: 'int32' },
    terminating: { type: 'integer', format: 'int32' },
    unknown: { type: 'integer', format: 'int32' },
    retryCount: { type: 'integer', format: 'int32' },
    version: { type: 'integer', format: 'int32' },
    conditions: {
      type: 'array',
      description: 'Phase history of the job.',
      items: {
        title: 'VolcanoJobCondition',
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', description: 'The phase entered.' }, lastTransitionTime: { type: 'string', format: 'date-time' } },
      },
    },
  },
};

/** The Volcano Job definition (upstream kind; emitted inside AppWrappers, never installed by kubejobs). */
export const VOLCANO_JOB: CustomResourceDefinitionSpec = {
  group: 'batch.volcano.sh',
  version: 'v1alpha1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  shortNames: ['vcjob', 'vj'],
  description: 'Volcano Job runs gang-scheduled tasks of pods `<job>-<task>-<index>` (volcano batch.volcano.sh/v1alpha1).',
  specRequired: false,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'STATUS', type: 'string', jsonPath: '.status.state.phase' },
    { name: 'minAvailable', type: 'integer', jsonPath: '.status.minAvailable' },
    { name: 'RUNNINGS', type: 'integer', jsonPath: '.status.running' },
    { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'QUEUE', type: 'string', jsonPath: '.spec.queue', priority: 1 },
  ],
};
