import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { POD_TEMPLATE } from './pod-template';
import { dnsLabel, SERVICE_PORT, stringList } from './schema-parts';

/**
 * `GenericJob` (`batch.tensorstack.dev/v1beta1`): T9k's general-purpose batch job of several
 * replica types, each a set of pods `<job>-<type>-<rank>`.
 *
 * Fields, defaults and status follow the T9k API reference (shared/seeds/002, 003); CEL rules
 * enforce what upstream leaves as comments (shared/reference/arena-genericjob.md §2.6).
 */

/** Upper bounds that keep the CEL rules' estimated cost within the API server's budget. */
export const GENERIC_JOB_LIMITS = {
  replicaSpecs: 16,
  replicasPerType: 1024,
  rules: 16,
  typesPerRule: 16,
  ranksPerType: 128,
} as const;

const REPLICA_TYPE = dnsLabel('Replica type, e.g. `master` or `worker`; part of the pod names `<job>-<type>-<rank>`.');

/** A finish rule: replica type -> ranks. All named replicas must reach the outcome. */
const FINISH_RULE: JsonSchema = {
  title: 'FinishRule',
  type: 'object',
  description: 'Replica type -> ranks. The rule holds when every named replica has reached the outcome.',
  maxProperties: GENERIC_JOB_LIMITS.typesPerRule,
  additionalProperties: {
    type: 'array',
    maxItems: GENERIC_JOB_LIMITS.ranksPerType,
    items: { type: 'integer', format: 'int32', minimum: 0 },
  },
};

function finishRuleRules(field: 'successRules' | 'failureRules'): JsonSchema['x-kubernetes-validations'] {
  return [
    {
      rule: `!has(self.${field}) || self.${field}.all(rule, rule.all(t, has(self.replicaSpecs) && self.replicaSpecs.exists(r, r.type == t)))`,
      message: `spec.${field} names a replica type that spec.replicaSpecs does not declare: use one of the declared types or add the replica spec`,
      fieldPath: `.${field}`,
    },
    {
      // Outer loop over the replica specs, then a map lookup per rule: the API server estimates
      // this at rules x ranks x replicaSpecs iterations. Looping over the rules' types and
      // scanning replicaSpecs for each rank instead costs typesPerRule times more, which exceeds
      // the per-rule CEL cost budget (the API server rejects the CRD).
      rule: `!has(self.${field}) || !has(self.replicaSpecs) || self.replicaSpecs.all(r, self.${field}.all(rule, !(r.type in rule) || rule[r.type].all(k, k < r.replicas)))`,
      message: `spec.${field} names a rank that does not exist: ranks of a replica type run from 0 to replicas - 1`,
      fieldPath: `.${field}`,
    },
  ];
}

const RESUME_SPEC: JsonSchema = {
  title: 'ResumeSpec',
  type: 'object',
  required: ['type'],
  properties: {
    type: REPLICA_TYPE,
    skipInitContainer: { type: 'boolean', default: false, description: 'Drop init containers when resuming.' },
    command: stringList('Entrypoint override when resuming. Defaults to the template\'s.'),
    args: stringList('Arguments override when resuming. Defaults to the template\'s.'),
  },
};

const DEBUG_SPEC: JsonSchema = {
  title: 'ReplicaDebugSpec',
  type: 'object',
  required: ['type'],
  properties: {
    type: REPLICA_TYPE,
    skipInitContainer: { type: 'boolean', default: false, description: 'Drop init containers in debug mode.' },
    command: stringList('Command run instead of the real one in debug mode. Defaults to `["sleep", "inf"]`.'),
  },
};

const SPEC: JsonSchema = {
  'title': 'GenericJobSpec',
  'type': 'object',
  'description': 'GenericJobSpec defines the desired state of a GenericJob.',
  'x-kubernetes-validations': [
    {
      rule: 'has(self.replicaSpecs) && size(self.replicaSpecs) > 0',
      message: 'spec.replicaSpecs must declare at least one replica type: add an entry such as {type: worker, replicas: 1, template: {...}}',
      fieldPath: '.replicaSpecs',
      reason: 'FieldValueRequired',
    },
    ...finishRuleRules('successRules')!,
    ...finishRuleRules('failureRules')!,
  ],
  'properties': {
    replicaSpecs: {
      'type': 'array',
      'description': 'Replica types of the job. There must be at least one.',
      'maxItems': GENERIC_JOB_LIMITS.replicaSpecs,
      'x-kubernetes-validations': [
        {
          rule: 'self.all(r, self.exists_one(o, o.type == r.type))',
          message: 'spec.replicaSpecs: replica types must be unique; give each entry its own type or merge the duplicates',
        },
      ],
      'items': {
        title: 'ReplicaSpec',
        type: 'object',
        required: ['type', 'template'],
        properties: {
          type: REPLICA_TYPE,
          replicas: {
            type: 'integer',
            format: 'int32',
            minimum: 1,
            maximum: GENERIC_JOB_LIMITS.replicasPerType,
            default: 1,
            description: 'Number of replicas (pods) of this type.',
          },
          restartPolicy: {
            title: 'RestartPolicy',
            type: 'object',
            description: 'How failed or finished replicas of this type are restarted by the controller.',
            default: {},
            properties: {
              policy: { type: 'string', enum: ['Always', 'OnFailure', 'Never'], default: 'OnFailure', description: 'When to restart a replica.' },
              limit: { type: 'integer', minimum: 0, maximum: 32767, default: 0, description: 'Maximum restarts of the replicas of this type, counted together in status.tasks[].restartCount.' },
            },
          },
          template: POD_TEMPLATE,
        },
      },
    },
    successRules: {
      type: 'array',
      description: 'The job succeeds when any rule holds. Default: every replica succeeded.',
      maxItems: GENERIC_JOB_LIMITS.rules,
      items: FINISH_RULE,
    },
    failureRules: {
      type: 'array',
      description: 'The job fails when any rule holds. Default: any replica failed with its restarts exhausted.',
      maxItems: GENERIC_JOB_LIMITS.rules,
      items: FINISH_RULE,
    },
    service: {
      title: 'ServiceOption',
      type: 'object',
      description: 'One headless Service per replica, `<job>-<type>-<rank>`, on these ports. Absent: no Service.',
      properties: { ports: { type: 'array', items: SERVICE_PORT, maxItems: 32 } },
    },
    runMode: {
      title: 'RunMode',
      type: 'object',
      description: 'Immediate (default), debug or pause.',
      properties: {
        debug: {
          title: 'DebugMode',
          type: 'object',
          properties: {
            enabled: { type: 'boolean', default: false, description: 'Start replicas with a no-op command instead of the real one.' },
            replicaSpecs: { type: 'array', items: DEBUG_SPEC, maxItems: GENERIC_JOB_LIMITS.replicaSpecs },
          },
        },
        pause: {
          'title': 'PauseMode',
          'type': 'object',
          'x-kubernetes-validations': [
            {
              rule: '(!has(self.resumeSpecs) && !has(oldSelf.resumeSpecs)) || (has(self.resumeSpecs) && has(oldSelf.resumeSpecs) && self.resumeSpecs == oldSelf.resumeSpecs)',
              message: 'spec.runMode.pause.resumeSpecs is immutable: set it when the pause block is created, or delete and recreate the job',
              fieldPath: '.resumeSpecs',
              reason: 'FieldValueForbidden',
            },
          ],
          'properties': {
            enabled: { type: 'boolean', default: false, description: 'Delete the replicas and hold the job until disabled.' },
            resumeSpecs: { type: 'array', items: RESUME_SPEC, maxItems: GENERIC_JOB_LIMITS.replicaSpecs },
          },
        },
      },
    },
    cleanUpPolicy: {
      type: 'string',
      enum: ['None', 'Unfinished', 'All'],
      default: 'None',
      description: 'Which replicas are deleted when the job finishes: none, the unfinished ones, or all.',
    },
    scheduler: {
      title: 'SchedulePolicy',
      type: 'object',
      description: 'Absent: the default kube-scheduler.',
      properties: {
        t9kScheduler: {
          'title': 'T9kScheduler',
          'type': 'object',
          'required': ['queue'],
          'x-kubernetes-validations': [
            {
              rule: '!has(self.priority) || (self.priority >= 0 && self.priority <= 100)',
              message: 'spec.scheduler.t9kScheduler.priority must be between 0 and 100 (inclusive); 0 is the lowest priority',
              fieldPath: '.priority',
            },
          ],
          'properties': {
            queue: { type: 'string', minLength: 1, description: 'T9k scheduler queue of the job\'s PodGroup.' },
            priority: { type: 'integer', format: 'int32', default: 0, description: 'PodGroup priority in [0, 100].' },
          },
        },
      },
    },
  },
};

const COUNT: JsonSchema = { type: 'integer', format: 'int32', minimum: 0 };

const STATUS: JsonSchema = {
  title: 'GenericJobStatus',
  type: 'object',
  description: 'GenericJobStatus is the observed state of a GenericJob.',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Running', 'Paused', 'Resuming', 'Succeeded', 'Failed', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64' },
    backoffCount: { ...COUNT, description: 'Restarts performed across all replica types.' },
    tasks: {
      type: 'array',
      items: {
        title: 'TaskStatus',
        type: 'object',
        properties: {
          type: { type: 'string' },
          restartCount: { ...COUNT, description: 'Restarts of the replicas of this type.' },
          replicas: {
            type: 'array',
            items: {
              title: 'ReplicaStatus',
              type: 'object',
              properties: {
                name: { type: 'string' },
                uid: { type: 'string' },
                phase: { type: 'string', enum: ['Creating', 'Pending', 'Running', 'Succeeded', 'Failed', 'Unknown', 'Deleted'] },
                containers: {
                  type: 'array',
                  items: {
                    title: 'ContainerStatus',
                    type: 'object',
                    properties: { name: { type: 'string' }, state: { type: 'string' }, exitCode: { type: 'integer', format: 'int32' } },
                  },
                },
              },
            },
          },
        },
      },
    },
    aggregate: {
      title: 'Aggregate',
      type: 'object',
      properties: {
        creating: COUNT, pending: COUNT, running: COUNT, succeeded: COUNT, failed: COUNT, unknown: COUNT, deleted: COUNT,
      },
    },
    conditions: {
      type: 'array',
      items: {
        title: 'JobCondition',
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', enum: ['Initialized', 'Running', 'ReplicaFailure', 'Completed', 'Failed', 'Paused'] },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          lastTransitionTime: { type: 'string', format: 'date-time' },
          reason: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};

/** The GenericJob definition: the single source of its CRD, types and validation. */
export const GENERIC_JOB: CustomResourceDefinitionSpec = {
  group: 'batch.tensorstack.dev',
  version: 'v1beta1',
  kind: 'GenericJob',
  plural: 'genericjobs',
  singular: 'genericjob',
  shortNames: ['gj'],
  description: 'GenericJob runs a distributed batch job made of several replica types (T9k batch.tensorstack.dev/v1beta1).',
  specRequired: true,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Succeeded', type: 'integer', jsonPath: '.status.aggregate.succeeded', description: 'Replicas that succeeded.' },
    { name: 'Running', type: 'integer', jsonPath: '.status.aggregate.running', description: 'Replicas running.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Failed', type: 'integer', jsonPath: '.status.aggregate.failed', priority: 1 },
    { name: 'Queue', type: 'string', jsonPath: '.spec.scheduler.t9kScheduler.queue', priority: 1 },
  ],
};
