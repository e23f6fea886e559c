import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { localObjectReference, METAV1_CONDITIONS, stringList, stringMap } from './schema-parts';

/**
 * `ArenaJob` (`omnia.altairalabs.ai/v1alpha1`): an evaluation, load test or data generation run
 * over the scenarios of an ArenaConfig. Fields and defaults follow shared/seeds/000 and the
 * upstream v1alpha1 markers (shared/reference/arena-genericjob.md §1.2, §1.3); CEL rules enforce
 * what upstream leaves as comments.
 */

/** Scenario include/exclude globs (shared with ArenaConfig). */
export const SCENARIO_FILTER: JsonSchema = {
  title: 'ScenarioFilter',
  type: 'object',
  description: 'Scenario selection: include globs first (empty = all), then exclude globs.',
  properties: {
    include: stringList('Glob patterns of scenarios to include.'),
    exclude: stringList('Glob patterns of scenarios to exclude.'),
  },
};

const OUTPUT: JsonSchema = {
  'title': 'OutputConfig',
  'type': 'object',
  'required': ['type'],
  'description': 'Where results are stored.',
  'x-kubernetes-validations': [
    {
      rule: 'self.type != \'s3\' || has(self.s3)',
      message: 'spec.output.s3 is required when spec.output.type is \'s3\': add s3.bucket (and optionally prefix, region, endpoint, secretRef)',
      fieldPath: '.s3',
      reason: 'FieldValueRequired',
    },
    {
      rule: 'self.type != \'pvc\' || has(self.pvc)',
      message: 'spec.output.pvc is required when spec.output.type is \'pvc\': add pvc.claimName (and optionally subPath)',
      fieldPath: '.pvc',
      reason: 'FieldValueRequired',
    },
  ],
  'properties': {
    type: { type: 'string', enum: ['s3', 'pvc'], description: 'Destination type.' },
    s3: {
      title: 'S3Output',
      type: 'object',
      description: 'S3 (or S3-compatible) destination; required when `type` is `s3`.',
      required: ['bucket'],
      properties: {
        bucket: { type: 'string', minLength: 1, description: 'S3 bucket name.' },
        prefix: { type: 'string', description: 'Key prefix for objects.' },
        region: { type: 'string', description: 'AWS region.' },
        endpoint: { type: 'string', description: 'Custom S3-compatible endpoint.' },
        secretRef: localObjectReference('Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'),
      },
    },
    pvc: {
      title: 'PvcOutput',
      type: 'object',
      description: 'PersistentVolumeClaim destination; required when `type` is `pvc`.',
      required: ['claimName'],
      properties: {
        claimName: { type: 'string', minLength: 1, description: 'PersistentVolumeClaim name.' },
        subPath: { type: 'string', description: 'Subdirectory within the claim.' },
      },
    },
  },
};

const SPEC: JsonSchema = {
  title: 'ArenaJobSpec',
  type: 'object',
  required: ['configRef'],
  description: 'ArenaJobSpec defines the desired state of an ArenaJob.',
  properties: {
    configRef: localObjectReference('The ArenaConfig (same namespace) holding the test configuration.'),
    type: { type: 'string', enum: ['evaluation', 'loadtest', 'datagen'], default: 'evaluation', description: 'Kind of run.' },
    scenarios: SCENARIO_FILTER,
    evaluation: {
      title: 'EvaluationSettings',
      type: 'object',
      description: 'Settings of an `evaluation` run.',
      properties: { outputFormats: stringList('Result formats: junit, json, csv.') },
    },
    loadTest: {
      title: 'LoadTestSettings',
      type: 'object',
      description: 'Settings of a `loadtest` run.',
      properties: {
        rampUp: { type: 'string', default: '30s', description: 'Time to ramp up to the target rate.' },
        duration: { type: 'string', default: '5m', description: 'Total test duration.' },
        targetRPS: { type: 'integer', format: 'int32', minimum: 1, description: 'Target requests per second.' },
      },
    },
    dataGen: {
      title: 'DataGenSettings',
      type: 'object',
      description: 'Settings of a `datagen` run.',
      properties: {
        count: { type: 'integer', format: 'int32', minimum: 1, default: 100, description: 'Number of items to generate.' },
        format: { type: 'string', default: 'jsonl', description: 'Output format: json, jsonl, csv.' },
      },
    },
    workers: {
      'title': 'WorkerConfig',
      'type': 'object',
      'description': 'How many workers run the scenarios.',
      'x-kubernetes-validations': [
        {
          rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
          message: 'spec.workers.minReplicas must be less than or equal to spec.workers.maxReplicas: lower minReplicas or raise maxReplicas',
          fieldPath: '.minReplicas',
        },
      ],
      'properties': {
        replicas: { type: 'integer', format: 'int32', minimum: 1, default: 1, description: 'Number of worker replicas.' },
        minReplicas: { type: 'integer', format: 'int32', minimum: 1, description: 'Minimum workers (autoscaling range).' },
        maxReplicas: { type: 'integer', format: 'int32', minimum: 1, description: 'Maximum workers (autoscaling range).' },
      },
    },
    output: OUTPUT,
    schedule: {
      title: 'ScheduleConfig',
      type: 'object',
      description: 'Recurring execution.',
      properties: {
        cron: { type: 'string', minLength: 9, description: 'Cron expression, e.g. `0 2 * * *`.' },
        timezone: { type: 'string', default: 'UTC', description: 'IANA time zone of the cron expression.' },
        concurrencyPolicy: {
          type: 'string',
          enum: ['Allow', 'Forbid', 'Replace'],
          default: 'Forbid',
          description: 'What to do when a run is due while the previous one still runs: run both (`Allow`), skip the new one (`Forbid`) or replace the old one (`Replace`).',
        },
      },
    },
    ttlSecondsAfterFinished: { type: 'integer', format: 'int32', minimum: 0, description: 'Seconds to keep a finished run\'s worker Job before cleanup (default 3600).' },
    cancelled: { type: 'boolean', description: 'Stop the run: its workers are deleted and the phase becomes `Cancelled` (Omnia, later v1alpha1).' },
  },
};

const COUNT: JsonSchema = { type: 'integer', format: 'int32' };
const count = (description: string): JsonSchema => ({ ...COUNT, description });
const time = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });

const STATUS: JsonSchema = {
  title: 'ArenaJobStatus',
  type: 'object',
  description: 'ArenaJobStatus is the observed state of an ArenaJob.',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled'], description: 'Phase of the run.' },
    conditions: METAV1_CONDITIONS,
    observedGeneration: { type: 'integer', format: 'int64', description: '`metadata.generation` this status was computed from.' },
    progress: {
      title: 'JobProgress',
      type: 'object',
      description: 'Work items of the run, by state.',
      properties: {
        total: count('Work items in the run.'),
        completed: count('Work items completed.'),
        failed: count('Work items failed.'),
        pending: count('Work items not started yet.'),
      },
    },
    result: {
      title: 'JobResult',
      type: 'object',
      description: 'Where the results are, and their summary.',
      properties: { url: { type: 'string', description: 'Location of the full results.' }, summary: stringMap('Aggregated result metrics.') },
    },
    startTime: time('When the run started.'),
    completionTime: time('When the run finished.'),
    lastScheduleTime: time('When a scheduled run was last started.'),
    nextScheduleTime: time('When the next scheduled run starts.'),
    activeWorkers: count('Workers running now.'),
    progressSummary: { type: 'string', description: 'Progress as `completed/total`, for `kubectl get` (kubejobs).' },
  },
};

/** The ArenaJob definition: the single source of its CRD, types and validation. */
export const ARENA_JOB: CustomResourceDefinitionSpec = {
  group: 'omnia.altairalabs.ai',
  version: 'v1alpha1',
  kind: 'ArenaJob',
  plural: 'arenajobs',
  singular: 'arenajob',
  shortNames: ['aj'],
  description: 'ArenaJob runs scenarios from an ArenaConfig: evaluation, load testing or data generation (Omnia omnia.altairalabs.ai/v1alpha1).',
  specRequired: true,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Progress', type: 'string', jsonPath: '.status.progressSummary', description: 'Work items completed of the total.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type', priority: 1 },
    { name: 'Config', type: 'string', jsonPath: '.spec.configRef.name', priority: 1 },
  ],
};
