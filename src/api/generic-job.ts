import { CustomResourceDefinitionSpec, JsonSchema, ValidationRule } from './crd';
import { POD_TEMPLATE } from './pod-template';
import { DNS_1035_LABEL_PATTERN, dnsLabel, SERVICE_PORT, stringList } from './schema-parts';

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

/**
 * The longest name the controller derives from a job: each replica's pod and headless Service is
 * `<job>-<type>-<rank>`, and pods carry it as the `genericjob-replica` label value (at most 63
 * characters, as is a Service name).
 */
export const REPLICA_NAME_MAX_LENGTH = 63;

const REPLICA_TYPE = dnsLabel('Replica type, e.g. `master` or `worker`; part of the pod names `<job>-<type>-<rank>`.');

/** A finish rule: replica type -> ranks. All named replicas must reach the outcome. */
const FINISH_RULE: JsonSchema = {
  title: 'FinishRule',
  type: 'object',
  description: 'Replica type -> ranks. The rule holds when every named replica has reached the outcome. '
    + 'At least one type, each with at least one rank: an empty rule would hold before any replica ran.',
  // An empty rule (`{}` or `{worker: []}`) holds vacuously: it would finish a new job at once.
  minProperties: 1,
  maxProperties: GENERIC_JOB_LIMITS.typesPerRule,
  additionalProperties: {
    type: 'array',
    minItems: 1,
    maxItems: GENERIC_JOB_LIMITS.ranksPerType,
    items: { type: 'integer', format: 'int32', minimum: 0, maximum: GENERIC_JOB_LIMITS.replicasPerType - 1 },
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
  'required': ['replicaSpecs'],
  'x-kubernetes-validations': [
    ...finishRuleRules('successRules')!,
    ...finishRuleRules('failureRules')!,
    {
      // On the spec, not on runMode or debug: a transition rule there would not run when the
      // block is added to or removed from an existing job (and optionalOldSelf cannot tell adding
      // it later from creating the job with it), so this compares presence as well as content.
      rule: 'has(self.runMode) && has(self.runMode.debug)'
        + ' ? has(oldSelf.runMode) && has(oldSelf.runMode.debug) && self.runMode.debug == oldSelf.runMode.debug'
        + ' : !(has(oldSelf.runMode) && has(oldSelf.runMode.debug))',
      // `field is immutable` is Kubernetes' own wording for this error (apimachinery's FieldImmutableErrorMsg);
      // tools key on it, e.g. the Pulumi provider's preview of a replacement (src/pulumi/immutable-fields.ts).
      message: 'spec.runMode.debug: field is immutable: debug mode is chosen when the job is created (turning it off would leave '
        + 'the replicas running the debug command); delete the job and create it again with the debug settings you want',
      fieldPath: '.runMode.debug',
      reason: 'FieldValueForbidden',
    },
  ],
  'properties': {
    replicaSpecs: {
      'type': 'array',
      'description': 'Replica types of the job: at least one. Immutable once the job exists (its pods are built from it, '
        + 'as a batch/v1 Job\'s are from its pod template); delete and recreate the job to change it.',
      'minItems': 1,
      'maxItems': GENERIC_JOB_LIMITS.replicaSpecs,
      'x-kubernetes-validations': [
        {
          // A list-map keyed by type would say this in the schema, but it also changes how
          // server-side apply merges the list, and synth-time validation (ajv) would not see it.
          rule: 'self.all(r, self.exists_one(o, o.type == r.type))',
          message: 'spec.replicaSpecs: replica types must be unique; give each entry its own type or merge the duplicates',
        },
        {
          rule: 'self == oldSelf',
          message: 'spec.replicaSpecs: field is immutable: the replicas\' pods are built from it (as a batch/v1 Job\'s pod template is '
            + 'immutable); delete the job and create it again with the new replica specs',
          reason: 'FieldValueForbidden',
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
      properties: {
        ports: {
          'type': 'array',
          'description': 'Ports of each replica Service; with more than one, each needs a unique name.',
          'items': SERVICE_PORT,
          'maxItems': 32,
          'x-kubernetes-validations': [
            {
              rule: 'size(self) <= 1 || self.all(p, has(p.name))',
              message: 'spec.service.ports: with more than one port, every port needs a name (Kubernetes rejects unnamed ports '
                + 'in a multi-port Service); name each port, e.g. {name: http, port: 8080}',
            },
            {
              rule: 'self.all(p, !has(p.name) || self.exists_one(o, has(o.name) && o.name == p.name))',
              message: 'spec.service.ports: port names must be unique (each names a port of every replica Service and '
                + '$(service.port[<name>])); rename the duplicates',
            },
          ],
        },
      },
    },
    runMode: {
      title: 'RunMode',
      type: 'object',
      description: 'Immediate (default), debug or pause.',
      properties: {
        debug: {
          title: 'DebugMode',
          type: 'object',
          description: 'Debug mode: the replicas run a no-op command, for interactive debugging. Immutable once the job exists.',
          properties: {
            enabled: { type: 'boolean', default: false, description: 'Start replicas with a no-op command instead of the real one. The debug block is immutable: set it when the job is created.' },
            replicaSpecs: { type: 'array', items: DEBUG_SPEC, maxItems: GENERIC_JOB_LIMITS.replicaSpecs, description: 'Per-type debug settings. Absent: every replica runs `sleep inf`.' },
          },
        },
        pause: {
          'title': 'PauseMode',
          'type': 'object',
          'description': 'Pause mode: the replicas are deleted and the job holds until pause is disabled.',
          'x-kubernetes-validations': [
            {
              rule: '(!has(self.resumeSpecs) && !has(oldSelf.resumeSpecs)) || (has(self.resumeSpecs) && has(oldSelf.resumeSpecs) && self.resumeSpecs == oldSelf.resumeSpecs)',
              message: 'spec.runMode.pause.resumeSpecs: field is immutable: set it when the pause block is created, or delete and recreate the job',
              fieldPath: '.resumeSpecs',
              reason: 'FieldValueForbidden',
            },
          ],
          'properties': {
            enabled: { type: 'boolean', default: false, description: 'Delete the replicas and hold the job until disabled.' },
            resumeSpecs: { type: 'array', items: RESUME_SPEC, maxItems: GENERIC_JOB_LIMITS.replicaSpecs, description: 'Per-type overrides when resuming. Immutable once set.' },
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
          title: 'T9kScheduler',
          type: 'object',
          description: 'Schedule the pods with the T9k scheduler: the controller creates a PodGroup `<job>` in this queue.',
          required: ['queue'],
          properties: {
            queue: { type: 'string', minLength: 1, description: 'T9k scheduler queue of the job\'s PodGroup.' },
            priority: { type: 'integer', format: 'int32', minimum: 0, maximum: 100, default: 0, description: 'PodGroup priority in [0, 100]; 0 is the lowest.' },
          },
        },
      },
    },
  },
};

/**
 * `string(n)` for 0 <= n < 10000 (CEL), spelt out digit by digit: the API server estimates the
 * size of `string(int)` as unbounded, so a messageExpression concatenating one is refused as too
 * expensive.
 */
function decimal(n: string): string {
  const digit = (divisor: number) => `["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"][(${n}) / ${divisor} % 10]`;
  return `((${n}) >= 1000 ? ${digit(1000)} : "") + ((${n}) >= 100 ? ${digit(100)} : "") + ((${n}) >= 10 ? ${digit(10)} : "") + ${digit(1)}`;
}
/** Length of the suffix `-<type>-<replicas - 1>` the replica spec `r` adds to the job name (CEL). */
const SUFFIX_LENGTH = (r: string) => `(size(${r}.type) + size(string(${r}.replicas - 1)) + 2)`;
/** The longest job name the replica spec `r` allows (CEL). */
const NAME_ROOM = (r: string) => `(${REPLICA_NAME_MAX_LENGTH} - ${SUFFIX_LENGTH(r)})`;
/** Whether the replica spec `r` has the longest highest-replica name (CEL). */
const IS_LONGEST = (r: string) => `self.spec.replicaSpecs.all(o, ${SUFFIX_LENGTH('o')} <= ${SUFFIX_LENGTH(r)})`;

const NAMES_DERIVED = 'each replica\'s pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>, '
  + `so that name must be at most ${REPLICA_NAME_MAX_LENGTH} characters`;
const SERVICE_NAMES = 'with spec.service.ports each replica gets a headless Service <job>-<type>-<rank>, and a Service name must be a DNS-1035 label '
  + '(start with a lowercase letter; only lowercase letters, digits and -; no dots): rename the job, or drop spec.service.ports';

/**
 * Rules on the job's name: only a root rule can read `metadata.name`. The controller names each
 * replica's pod and Service, and labels its pods, after it (see {@link REPLICA_NAME_MAX_LENGTH}).
 * The messages are CEL expressions so that they quote the name at fault.
 */
const NAME_RULES: readonly ValidationRule[] = [
  {
    rule: '!has(self.metadata.name) || !has(self.spec) || !has(self.spec.replicaSpecs) '
      + `|| self.spec.replicaSpecs.all(r, size(self.metadata.name) <= ${NAME_ROOM('r')})`,
    // The message of the replica spec with the longest derived name: `map(l, filter, transform)`,
    // not `filter(...)[0]`, whose elements the API server's cost estimate no longer bounds.
    messageExpression: `self.spec.replicaSpecs.map(l, ${IS_LONGEST('l')}, "metadata.name '" + self.metadata.name + "' is too long: replica '" `
      + `+ self.metadata.name + "-" + l.type + "-" + ${decimal('l.replicas - 1')} + "' has " + ${decimal(`size(self.metadata.name) + ${SUFFIX_LENGTH('l')}`)} `
      + `+ " characters; ${NAMES_DERIVED}: " + (${NAME_ROOM('l')} > 0 `
      + `? "shorten the job name to at most " + ${decimal(NAME_ROOM('l'))} + " characters, or the replica type '" + l.type + "'" `
      + ': "shorten the replica type \'" + l.type + "\'"))[0]',
    message: `metadata.name is too long for the replica names derived from it: ${NAMES_DERIVED}; shorten the job name or the replica types`,
  },
  {
    rule: '!has(self.metadata.name) || !has(self.spec) || !has(self.spec.service) || !has(self.spec.service.ports) '
      + `|| size(self.spec.service.ports) == 0 || self.metadata.name.matches('${DNS_1035_LABEL_PATTERN}')`,
    messageExpression: `"metadata.name '" + self.metadata.name + "' cannot name the replica Services: ${SERVICE_NAMES}"`,
    message: `metadata.name cannot name the replica Services: ${SERVICE_NAMES}`,
  },
];

const COUNT: JsonSchema = { type: 'integer', format: 'int32', minimum: 0 };
/** A count of replicas in one phase, for `status.aggregate`. */
const replicasIn = (phase: string): JsonSchema => ({ ...COUNT, description: `Replicas ${phase}.` });

const STATUS: JsonSchema = {
  title: 'GenericJobStatus',
  type: 'object',
  description: 'GenericJobStatus is the observed state of a GenericJob.',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Running', 'Paused', 'Resuming', 'Succeeded', 'Failed', 'Unknown'], description: 'Phase of the job.' },
    observedGeneration: { type: 'integer', format: 'int64', description: '`metadata.generation` this status was computed from.' },
    backoffCount: { ...COUNT, description: 'Restarts performed across all replica types.' },
    tasks: {
      type: 'array',
      description: 'Status of each replica type.',
      items: {
        title: 'TaskStatus',
        type: 'object',
        properties: {
          type: { type: 'string', description: 'Replica type.' },
          restartCount: { ...COUNT, description: 'Restarts of the replicas of this type.' },
          replicas: {
            type: 'array',
            description: 'Status of each replica of the type, by rank.',
            items: {
              title: 'ReplicaStatus',
              type: 'object',
              properties: {
                name: { type: 'string', description: 'Name of the replica\'s pod, `<job>-<type>-<rank>`.' },
                uid: { type: 'string', description: 'UID of the replica\'s current pod.' },
                phase: { type: 'string', enum: ['Creating', 'Pending', 'Running', 'Succeeded', 'Failed', 'Unknown', 'Deleted'], description: 'Phase of the replica.' },
                containers: {
                  type: 'array',
                  description: 'State of each container of the replica\'s pod.',
                  items: {
                    title: 'ContainerStatus',
                    type: 'object',
                    properties: {
                      name: { type: 'string', description: 'Container name.' },
                      state: { type: 'string', description: 'Container state: Waiting, Running or Terminated.' },
                      exitCode: { type: 'integer', format: 'int32', description: 'Exit code of a terminated container.' },
                    },
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
      description: 'Replicas counted by phase.',
      properties: {
        creating: replicasIn('being created'),
        pending: replicasIn('pending'),
        running: replicasIn('running'),
        succeeded: replicasIn('succeeded'),
        failed: replicasIn('failed'),
        unknown: replicasIn('in an unknown phase'),
        deleted: replicasIn('deleted by someone else before they finished'),
      },
    },
    conditions: {
      type: 'array',
      description: 'Conditions of the job (T9k\'s types): Initialized, Running, ReplicaFailure, Completed, Failed, Paused.',
      items: {
        title: 'JobCondition',
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', enum: ['Initialized', 'Running', 'ReplicaFailure', 'Completed', 'Failed', 'Paused'], description: 'Type of the condition.' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'Whether the condition holds.' },
          lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the condition last changed status.' },
          reason: { type: 'string', description: 'Machine-readable reason for the last transition, in CamelCase.' },
          message: { type: 'string', description: 'Human-readable details, e.g. the replicas at fault and the kubelet\'s message.' },
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
  validations: NAME_RULES,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Succeeded', type: 'integer', jsonPath: '.status.aggregate.succeeded', description: 'Replicas that succeeded.' },
    { name: 'Running', type: 'integer', jsonPath: '.status.aggregate.running', description: 'Replicas running.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Failed', type: 'integer', jsonPath: '.status.aggregate.failed', priority: 1 },
    { name: 'Queue', type: 'string', jsonPath: '.spec.scheduler.t9kScheduler.queue', priority: 1 },
  ],
};
