/**
 * Invalid GenericJobs, ArenaJobs, ArenaConfigs and RadixBatches are rejected by the real API server (our CRDs'
 * structural schema and every CEL rule) with the expected message, and the synth-time validator
 * `validateManifest()` rejects the same objects: both come from one definition in src/api, so
 * they must agree. Updates that the transition rules forbid (immutable fields) are rejected too;
 * and requests from users the aggregated `kubejobs-edit` / `kubejobs-view` roles do not cover
 * are refused by the real authorizer.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { AuthorizationV1Api, CustomObjectsApi, KubeConfig, KubernetesObject, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { Testing } from 'cdk8s';
import { DEFAULT_CONTROLLERS } from './control-plane';
import { applyManifests, describeError, freshNamespace, waitFor } from './kube-helpers';
import { impersonating } from './kube-requests';
import { useControlPlane } from './use-control-plane';
import { KubejobsController } from '../../src';
import {
  ARENA_CONFIG,
  ARENA_JOB,
  ARENA_SOURCE,
  crdManifestOf,
  CustomResourceDefinitionSpec,
  GENERIC_JOB,
  gvkOf,
  JsonSchema,
  KUBEJOBS_DEFINITIONS,
  RADIX_BATCH,
  rootSchemaOf,
  validateManifest,
  ValidationRule,
} from '../../src/api';

jest.setTimeout(120_000);

// clusterrole-aggregation fills the built-in admin/edit/view roles from our labelled ClusterRoles.
const plane = useControlPlane({ controllers: [...DEFAULT_CONTROLLERS, 'clusterrole-aggregation'] });
let namespace: string;

beforeAll(async () => {
  const kc = plane().kubeConfig;
  await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as KubernetesObject));
  namespace = await freshNamespace(kc, {}, { waitForDefaultServiceAccount: false });
});

type Spec = Record<string, unknown>;

const container = { name: 'main', image: 'registry.invalid/busybox:1' };
const worker = (extra: Spec = {}): Spec => ({ type: 'worker', replicas: 2, template: { spec: { containers: [container] } }, ...extra });
const genericJob = (spec: Spec): Resource => ({ ...gvkOf(GENERIC_JOB), metadata: {}, spec });
const arenaJob = (spec: Spec): Resource => ({ ...gvkOf(ARENA_JOB), metadata: {}, spec: { configRef: { name: 'cfg' }, ...spec } });
const arenaSource = (spec: Spec): Resource => ({ ...gvkOf(ARENA_SOURCE), metadata: {}, spec: { interval: '5m', ...spec } });
const arenaConfig = (spec: Spec): Resource => ({ ...gvkOf(ARENA_CONFIG), metadata: {}, spec: { sourceRef: { name: 'pack' }, ...spec } });
const component = (extra: Spec = {}): Spec => ({ name: 'compute', image: 'registry.invalid/compute:1', schedulerPort: 8080, timeLimitSeconds: 60, backoffLimit: 0, ...extra });
const radixBatch = (componentExtra: Spec = {}): Resource =>
  ({ ...gvkOf(RADIX_BATCH), metadata: {}, spec: { batchType: 'batch', component: component(componentExtra), jobs: [{ name: 'job1' }] } });
const withoutKey = (spec: Spec, key: string): Spec => Object.fromEntries(Object.entries(spec).filter(([k]) => k !== key));

interface Resource extends KubernetesObject {
  metadata: { name?: string };
  spec: Spec;
}

/** The message of the CEL rule of `def` whose message starts with `prefix` (so the table cannot drift from src/api). */
function cel(def: CustomResourceDefinitionSpec, prefix: string): string {
  const matches = celRulesOf(def).filter((r) => r.message.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`${def.kind} has ${matches.length} CEL rules whose message starts with '${prefix}'`);
  }
  return matches[0].message;
}

/** Every `x-kubernetes-validations` rule of a definition's schema, the root rules included. */
function celRulesOf(def: CustomResourceDefinitionSpec): ValidationRule[] {
  const walk = (s: JsonSchema | undefined): ValidationRule[] => {
    if (!s) return [];
    return [
      ...(s['x-kubernetes-validations'] ?? []),
      ...Object.values(s.properties ?? {}).flatMap(walk),
      ...walk(s.items),
      ...(typeof s.additionalProperties === 'object' ? walk(s.additionalProperties) : []),
      ...(s.anyOf ?? []).flatMap(walk),
    ];
  };
  return walk(rootSchemaOf(def));
}

/** The CEL rule of `def` whose rule text contains `fragment`. */
function celRule(def: CustomResourceDefinitionSpec, fragment: string): ValidationRule {
  const matches = celRulesOf(def).filter((r) => r.rule.includes(fragment));
  if (matches.length !== 1) {
    throw new Error(`${def.kind} has ${matches.length} CEL rules containing '${fragment}'`);
  }
  return matches[0];
}

/** One invalid object: what the API server says (substring) and what validateManifest says (substring). */
interface Case {
  readonly resource: Resource;
  readonly server: string;
  /** HTTP status of the rejection (default 422 Invalid). */
  readonly status?: number;
  readonly synth: string;
  /** The CEL rule the case exercises, for rules whose message is built by a messageExpression. */
  readonly rule?: ValidationRule;
}

const TRANSITION_RULE = cel(GENERIC_JOB, 'spec.runMode.pause.resumeSpecs: field is immutable');
const REPLICA_SPECS_IMMUTABLE = cel(GENERIC_JOB, 'spec.replicaSpecs: field is immutable');
const DEBUG_IMMUTABLE = cel(GENERIC_JOB, 'spec.runMode.debug: field is immutable');
const NAME_LENGTH_RULE = celRule(GENERIC_JOB, 'size(self.metadata.name)');
const SERVICE_NAME_RULE = celRule(GENERIC_JOB, 'self.metadata.name.matches');

const LONG_NAME = 'a'.repeat(53);
const tooLong = (name: string, replica: string, length: number, fix: string): string => `metadata.name '${name}' is too long: replica '${replica}' has ${length} characters; `
  + 'each replica\'s pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>, '
  + `so that name must be at most 63 characters: ${fix}`;
const notAServiceName = (name: string): string => `metadata.name '${name}' cannot name the replica Services: with spec.service.ports each replica gets `
  + 'a headless Service <job>-<type>-<rank>, and a Service name must be a DNS-1035 label (start with a lowercase letter; '
  + 'only lowercase letters, digits and -; no dots): rename the job, or drop spec.service.ports';
const withName = (resource: Resource, name: string): Resource => ({ ...resource, metadata: { ...resource.metadata, name } });

const CASES: Record<string, Case> = {
  // --- GenericJob: CEL rules
  'GenericJob with duplicate replica types': {
    resource: genericJob({ replicaSpecs: [worker(), worker()] }),
    server: cel(GENERIC_JOB, 'spec.replicaSpecs: replica types must be unique'),
    synth: cel(GENERIC_JOB, 'spec.replicaSpecs: replica types must be unique'),
  },
  'GenericJob whose successRules name an undeclared type': {
    resource: genericJob({ replicaSpecs: [worker()], successRules: [{ chief: [0] }] }),
    server: `spec.successRules: Invalid value: "object": ${cel(GENERIC_JOB, 'spec.successRules names a replica type')}`,
    synth: cel(GENERIC_JOB, 'spec.successRules names a replica type'),
  },
  'GenericJob whose successRules name a rank out of range': {
    resource: genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [0, 2] }] }),
    server: cel(GENERIC_JOB, 'spec.successRules names a rank that does not exist'),
    synth: cel(GENERIC_JOB, 'spec.successRules names a rank that does not exist'),
  },
  'GenericJob whose successRules name a rank beyond the defaulted replicas (1)': {
    resource: genericJob({ replicaSpecs: [withoutKey(worker(), 'replicas')], successRules: [{ worker: [1] }] }),
    server: cel(GENERIC_JOB, 'spec.successRules names a rank that does not exist'),
    synth: cel(GENERIC_JOB, 'spec.successRules names a rank that does not exist'),
  },
  'GenericJob whose failureRules name an undeclared type': {
    resource: genericJob({ replicaSpecs: [worker()], failureRules: [{ worker: [0] }, { ps: [0] }] }),
    server: cel(GENERIC_JOB, 'spec.failureRules names a replica type'),
    synth: cel(GENERIC_JOB, 'spec.failureRules names a replica type'),
  },
  'GenericJob whose failureRules name a rank out of range': {
    resource: genericJob({ replicaSpecs: [worker({ type: 'master', replicas: 1 }), worker()], failureRules: [{ master: [1] }] }),
    server: cel(GENERIC_JOB, 'spec.failureRules names a rank that does not exist'),
    synth: cel(GENERIC_JOB, 'spec.failureRules names a rank that does not exist'),
  },
  'GenericJob with two service ports, one unnamed': {
    resource: genericJob({ replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }, { port: 81 }] } }),
    server: `spec.service.ports: Invalid value: "array": ${cel(GENERIC_JOB, 'spec.service.ports: with more than one port')}`,
    synth: cel(GENERIC_JOB, 'spec.service.ports: with more than one port'),
  },
  'GenericJob with two service ports of the same name': {
    resource: genericJob({ replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] } }),
    server: cel(GENERIC_JOB, 'spec.service.ports: port names must be unique'),
    synth: cel(GENERIC_JOB, 'spec.service.ports: port names must be unique'),
  },
  // --- GenericJob: root CEL rules on metadata.name (the names the controller derives from it)
  'GenericJob whose highest replica name would have 64 characters': {
    resource: withName(genericJob({ replicaSpecs: [worker({ type: 'm', replicas: 1 }), worker({ replicas: 1000 })] }), LONG_NAME),
    server: tooLong(LONG_NAME, `${LONG_NAME}-worker-999`, 64, 'shorten the job name to at most 52 characters, or the replica type \'worker\''),
    synth: tooLong(LONG_NAME, `${LONG_NAME}-worker-999`, 64, 'shorten the job name to at most 52 characters, or the replica type \'worker\''),
    rule: NAME_LENGTH_RULE,
  },
  'GenericJob whose replica type leaves no room for a job name': {
    resource: withName(genericJob({ replicaSpecs: [worker({ type: 'w'.repeat(60), replicas: 100 })] }), 'j'),
    server: tooLong('j', `j-${'w'.repeat(60)}-99`, 65, `shorten the replica type '${'w'.repeat(60)}'`),
    synth: tooLong('j', `j-${'w'.repeat(60)}-99`, 65, `shorten the replica type '${'w'.repeat(60)}'`),
    rule: NAME_LENGTH_RULE,
  },
  'GenericJob with service ports and a dotted name': {
    resource: withName(genericJob({ replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }] } }), 'train.v2'),
    server: notAServiceName('train.v2'),
    synth: notAServiceName('train.v2'),
    rule: SERVICE_NAME_RULE,
  },
  'GenericJob with service ports and a name starting with a digit': {
    resource: withName(genericJob({ replicaSpecs: [worker()], service: { ports: [{ port: 80 }] } }), '2nd-run'),
    server: notAServiceName('2nd-run'),
    synth: notAServiceName('2nd-run'),
    rule: SERVICE_NAME_RULE,
  },
  // --- GenericJob: structural schema
  'GenericJob without replicaSpecs': {
    resource: genericJob({}),
    server: 'spec.replicaSpecs: Required value',
    synth: 'spec.replicaSpecs: required field is missing',
  },
  'GenericJob with an empty replicaSpecs list': {
    resource: genericJob({ replicaSpecs: [] }),
    server: 'spec.replicaSpecs: Invalid value: 0: spec.replicaSpecs in body should have at least 1 items',
    synth: 'spec.replicaSpecs: must NOT have fewer than 1 items (got [])',
  },
  'GenericJob with an empty success rule (it would hold before any pod exists)': {
    resource: genericJob({ replicaSpecs: [worker()], successRules: [{}] }),
    server: 'spec.successRules[0]: Invalid value: 0: spec.successRules[0] in body should have at least 1 properties',
    synth: 'spec.successRules[0]: must NOT have fewer than 1 properties (got {})',
  },
  'GenericJob with a success rule naming a type but no rank': {
    resource: genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [] }] }),
    server: 'spec.successRules[0].worker: Invalid value: 0: spec.successRules[0].worker in body should have at least 1 items',
    synth: 'spec.successRules[0].worker: must NOT have fewer than 1 items (got [])',
  },
  'GenericJob with an empty failure rule (it would fail the job at once)': {
    resource: genericJob({ replicaSpecs: [worker()], failureRules: [{ worker: [1] }, {}] }),
    server: 'spec.failureRules[1]: Invalid value: 0: spec.failureRules[1] in body should have at least 1 properties',
    synth: 'spec.failureRules[1]: must NOT have fewer than 1 properties (got {})',
  },
  'GenericJob with T9k scheduler priority 101': {
    resource: genericJob({ replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: 101 } } }),
    server: 'spec.scheduler.t9kScheduler.priority: Invalid value: 101: spec.scheduler.t9kScheduler.priority in body should be less than or equal to 100',
    synth: 'spec.scheduler.t9kScheduler.priority: must be <= 100 (got 101)',
  },
  'GenericJob with T9k scheduler priority -1': {
    resource: genericJob({ replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: -1 } } }),
    server: 'spec.scheduler.t9kScheduler.priority: Invalid value: -1: spec.scheduler.t9kScheduler.priority in body should be greater than or equal to 0',
    synth: 'spec.scheduler.t9kScheduler.priority: must be >= 0 (got -1)',
  },
  'GenericJob with an unknown cleanUpPolicy': {
    resource: genericJob({ replicaSpecs: [worker()], cleanUpPolicy: 'Sometimes' }),
    server: 'spec.cleanUpPolicy: Unsupported value: "Sometimes": supported values: "None", "Unfinished", "All"',
    synth: 'spec.cleanUpPolicy: "Sometimes" is not one of "None", "Unfinished", "All"',
  },
  'GenericJob with an unknown restart policy': {
    resource: genericJob({ replicaSpecs: [worker({ restartPolicy: { policy: 'Forever' } })] }),
    server: 'spec.replicaSpecs[0].restartPolicy.policy: Unsupported value: "Forever": supported values: "Always", "OnFailure", "Never"',
    synth: 'spec.replicaSpecs[0].restartPolicy.policy: "Forever" is not one of "Always", "OnFailure", "Never"',
  },
  'GenericJob with 0 replicas': {
    resource: genericJob({ replicaSpecs: [worker({ replicas: 0 })] }),
    server: 'spec.replicaSpecs[0].replicas: Invalid value: 0: spec.replicaSpecs[0].replicas in body should be greater than or equal to 1',
    synth: 'spec.replicaSpecs[0].replicas: must be >= 1 (got 0)',
  },
  'GenericJob with more replicas than the limit': {
    resource: genericJob({ replicaSpecs: [worker({ replicas: 1025 })] }),
    server: 'spec.replicaSpecs[0].replicas: Invalid value: 1025: spec.replicaSpecs[0].replicas in body should be less than or equal to 1024',
    synth: 'spec.replicaSpecs[0].replicas: must be <= 1024 (got 1025)',
  },
  'GenericJob with a replica type that is not a DNS label': {
    resource: genericJob({ replicaSpecs: [worker({ type: 'Worker' })] }),
    server: 'spec.replicaSpecs[0].type: Invalid value: "Worker": spec.replicaSpecs[0].type in body should match \'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\'',
    synth: 'spec.replicaSpecs[0].type: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (got "Worker")',
  },
  'GenericJob replica without a pod template': {
    resource: genericJob({ replicaSpecs: [withoutKey(worker(), 'template')] }),
    server: 'spec.replicaSpecs[0].template: Required value',
    synth: 'spec.replicaSpecs[0].template: required field is missing',
  },
  'GenericJob pod template without containers': {
    resource: genericJob({ replicaSpecs: [worker({ template: { spec: { containers: [] } } })] }),
    server: 'spec.replicaSpecs[0].template.spec.containers: Invalid value: 0: spec.replicaSpecs[0].template.spec.containers in body should have at least 1 items',
    synth: 'spec.replicaSpecs[0].template.spec.containers: must NOT have fewer than 1 items (got [])',
  },
  'GenericJob with a T9k scheduler but no queue': {
    resource: genericJob({ replicaSpecs: [worker()], scheduler: { t9kScheduler: { priority: 5 } } }),
    server: 'spec.scheduler.t9kScheduler.queue: Required value',
    synth: 'spec.scheduler.t9kScheduler.queue: required field is missing',
  },
  'GenericJob with a misspelt field (strict field validation, not silent pruning)': {
    resource: genericJob({ replicaSpecs: [worker()], cleanupPolicy: 'All' }),
    // Server-side apply cannot even build the typed patch (HTTP 500, not a 4xx): the field is not in the schema.
    server: '.spec.cleanupPolicy: field not declared in schema',
    status: 500,
    synth: 'spec.cleanupPolicy: unknown field',
  },
  // --- ArenaSource: CEL rules
  'ArenaSource of type git without a git block': {
    resource: arenaSource({ type: 'git', configMap: { name: 'x' } }),
    server: `spec.git: Required value: ${cel(ARENA_SOURCE, 'spec.git is required')}`,
    synth: cel(ARENA_SOURCE, 'spec.git is required'),
  },
  'ArenaSource of type oci without an oci block': {
    resource: arenaSource({ type: 'oci' }),
    server: `spec.oci: Required value: ${cel(ARENA_SOURCE, 'spec.oci is required')}`,
    synth: cel(ARENA_SOURCE, 'spec.oci is required'),
  },
  'ArenaSource of type configmap without a configMap block': {
    resource: arenaSource({ type: 'configmap', git: { url: 'https://example.com/x' } }),
    server: `spec.configMap: Required value: ${cel(ARENA_SOURCE, 'spec.configMap is required')}`,
    synth: cel(ARENA_SOURCE, 'spec.configMap is required'),
  },
  // --- ArenaJob: CEL rules
  'ArenaJob with S3 output but no s3 block': {
    resource: arenaJob({ output: { type: 's3' } }),
    server: `spec.output.s3: Required value: ${cel(ARENA_JOB, 'spec.output.s3 is required')}`,
    synth: cel(ARENA_JOB, 'spec.output.s3 is required'),
  },
  'ArenaJob with PVC output but no pvc block': {
    resource: arenaJob({ output: { type: 'pvc', s3: { bucket: 'b' } } }),
    server: `spec.output.pvc: Required value: ${cel(ARENA_JOB, 'spec.output.pvc is required')}`,
    synth: cel(ARENA_JOB, 'spec.output.pvc is required'),
  },
  'ArenaJob with minReplicas > maxReplicas': {
    resource: arenaJob({ workers: { minReplicas: 5, maxReplicas: 2 } }),
    server: cel(ARENA_JOB, 'spec.workers.minReplicas must be less than or equal'),
    synth: cel(ARENA_JOB, 'spec.workers.minReplicas must be less than or equal'),
  },
  // --- ArenaJob: structural schema
  'ArenaJob with an unknown type': {
    resource: arenaJob({ type: 'benchmark' }),
    server: 'spec.type: Unsupported value: "benchmark": supported values: "evaluation", "loadtest", "datagen"',
    synth: 'spec.type: "benchmark" is not one of "evaluation", "loadtest", "datagen"',
  },
  'ArenaJob with an unknown output type': {
    resource: arenaJob({ output: { type: 'gcs' } }),
    server: 'spec.output.type: Unsupported value: "gcs": supported values: "s3", "pvc"',
    synth: 'spec.output.type: "gcs" is not one of "s3", "pvc"',
  },
  'ArenaJob with an unknown concurrency policy': {
    resource: arenaJob({ schedule: { cron: '0 2 * * *', concurrencyPolicy: 'Queue' } }),
    server: 'spec.schedule.concurrencyPolicy: Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"',
    synth: 'spec.schedule.concurrencyPolicy: "Queue" is not one of "Allow", "Forbid", "Replace"',
  },
  'ArenaJob without configRef': {
    resource: { ...arenaJob({}), spec: { type: 'evaluation' } },
    server: 'spec.configRef: Required value',
    synth: 'spec.configRef: required field is missing',
  },
  'ArenaJob with 0 workers': {
    resource: arenaJob({ workers: { replicas: 0 } }),
    server: 'spec.workers.replicas: Invalid value: 0: spec.workers.replicas in body should be greater than or equal to 1',
    synth: 'spec.workers.replicas: must be >= 1 (got 0)',
  },
  'ArenaJob with a negative TTL': {
    resource: arenaJob({ ttlSecondsAfterFinished: -1 }),
    server: 'spec.ttlSecondsAfterFinished: Invalid value: -1: spec.ttlSecondsAfterFinished in body should be greater than or equal to 0',
    synth: 'spec.ttlSecondsAfterFinished: must be >= 0 (got -1)',
  },
  // --- ArenaConfig: structural schema (it has no CEL rules)
  'ArenaConfig without sourceRef': {
    resource: { ...arenaConfig({}), spec: { providers: [{ name: 'p' }] } },
    server: 'spec.sourceRef: Required value',
    synth: 'spec.sourceRef: required field is missing',
  },
  'ArenaConfig with an empty providers list': {
    resource: arenaConfig({ providers: [] }),
    server: 'spec.providers: Invalid value: 0: spec.providers in body should have at least 1 items',
    synth: 'spec.providers: must NOT have fewer than 1 items (got [])',
  },
  'ArenaConfig with 11 retries': {
    resource: arenaConfig({ evaluation: { maxRetries: 11 } }),
    server: 'spec.evaluation.maxRetries: Invalid value: 11: spec.evaluation.maxRetries in body should be less than or equal to 10',
    synth: 'spec.evaluation.maxRetries: must be <= 10 (got 11)',
  },
  'ArenaConfig with concurrency 0': {
    resource: arenaConfig({ evaluation: { concurrency: 0 } }),
    server: 'spec.evaluation.concurrency: Invalid value: 0: spec.evaluation.concurrency in body should be greater than or equal to 1',
    synth: 'spec.evaluation.concurrency: must be >= 1 (got 0)',
  },
  'ArenaConfig with 0 self-play rounds': {
    resource: arenaConfig({ selfPlay: { enabled: true, rounds: 0 } }),
    server: 'spec.selfPlay.rounds: Invalid value: 0: spec.selfPlay.rounds in body should be greater than or equal to 1',
    synth: 'spec.selfPlay.rounds: must be >= 1 (got 0)',
  },
  // --- RadixBatch: the job component's CEL rules (the snapshot of the scheduler's job definition)
  'RadixBatch whose image has {imageTagName} inside the name': {
    resource: radixBatch({ image: 'registry.invalid/{imageTagName}/compute:1' }),
    server: cel(RADIX_BATCH, 'job.image may use {imageTagName} only'),
    synth: cel(RADIX_BATCH, 'job.image may use {imageTagName} only'),
  },
  'RadixBatch whose image ends with :{imageTagName} without imageTagName': {
    resource: radixBatch({ image: 'registry.invalid/compute:{imageTagName}' }),
    server: cel(RADIX_BATCH, 'job.imageTagName is required'),
    synth: cel(RADIX_BATCH, 'job.imageTagName is required'),
  },
  'RadixBatch with imageTagName but a fixed tag': {
    resource: radixBatch({ imageTagName: 'v1' }),
    server: cel(RADIX_BATCH, 'job.imageTagName is set but'),
    synth: cel(RADIX_BATCH, 'job.imageTagName is set but'),
  },
  'RadixBatch whose component has two ports of one number': {
    resource: radixBatch({ ports: [{ name: 'http', port: 8000 }, { name: 'metrics', port: 8000 }] }),
    server: cel(RADIX_BATCH, 'job.ports: every port'),
    synth: cel(RADIX_BATCH, 'job.ports: every port'),
  },
  'RadixBatch whose component takes one variable from two Secrets': {
    resource: radixBatch({ secrets: [{ name: 'TOKEN', secretKeyRef: { name: 'a', key: 'k' } }, { name: 'TOKEN', secretKeyRef: { name: 'b', key: 'k' } }] }),
    server: cel(RADIX_BATCH, 'job.secrets names an environment variable twice'),
    synth: cel(RADIX_BATCH, 'job.secrets names an environment variable twice'),
  },
  'RadixBatch whose component sets a variable as a secret and a plain variable': {
    resource: radixBatch({ secrets: [{ name: 'TOKEN', secretKeyRef: { name: 'a', key: 'k' } }], variables: { TOKEN: 'x' } }),
    server: cel(RADIX_BATCH, 'job.secrets and job.variables'),
    synth: cel(RADIX_BATCH, 'job.secrets and job.variables'),
  },
  'RadixBatch whose batch status rule lists a status twice': {
    resource: radixBatch({ batchStatusRules: [{ condition: 'Any', operator: 'In', jobStatuses: ['Failed', 'Failed'], batchStatus: 'Failed' }] }),
    server: cel(RADIX_BATCH, 'lists a status twice'),
    synth: cel(RADIX_BATCH, 'lists a status twice'),
  },
};

// Cases about the name keep theirs; the others get a name of their own.
const TABLE = Object.entries(CASES).map(([name, c], i) => [name, { ...c, resource: c.resource.metadata.name ? c.resource : named(c.resource, `invalid-${i}`) }] as const);

/** Names of the objects the API server rejected, counted for the report. */
const rejected = new Set<string>();

afterAll(() => {
  process.stdout.write(`invalid-resources.cluster.test: ${rejected.size} invalid custom resources rejected by the API server\n`);
});

function named(resource: Resource, name: string): Resource {
  return { ...resource, metadata: { ...resource.metadata, name } };
}

test('the table covers every CEL rule of every kind kubejobs owns', () => {
  const expectedMessages = [...TABLE.map(([, c]) => c.server), TRANSITION_RULE, REPLICA_SPECS_IMMUTABLE, DEBUG_IMMUTABLE].join('\n');
  const exercised = new Set(TABLE.map(([, c]) => c.rule?.rule));
  const rules = KUBEJOBS_DEFINITIONS.flatMap(celRulesOf);
  expect(rules.length).toBeGreaterThanOrEqual(13);
  for (const rule of rules) {
    // A messageExpression builds the message from the object: such rules are matched by their rule.
    const covered = rule.messageExpression ? exercised.has(rule.rule) : expectedMessages.includes(rule.message);
    expect({ rule: rule.message, covered }).toEqual({ rule: rule.message, covered: true });
  }
  expect(TABLE.length).toBeGreaterThanOrEqual(15);
});

test('the valid objects the table starts from are accepted, so each rejection is the mutation\'s', async () => {
  const valid = [
    named(genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [0, 1] }], failureRules: [{ worker: [1] }], scheduler: { t9kScheduler: { queue: 'q', priority: 100 } } }), 'valid-genericjob'),
    // The boundaries: the highest replica name has exactly 63 characters; several named ports; priority 0.
    named(genericJob({
      replicaSpecs: [worker({ type: 'm', replicas: 1 }), worker({ replicas: 1000 })],
      service: { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 81 }] },
      scheduler: { t9kScheduler: { queue: 'q', priority: 0 } },
    }), 'b'.repeat(52)),
    // Without Services a dotted name is fine (a pod name is a DNS-1123 subdomain); one port needs no name.
    named(genericJob({ replicaSpecs: [worker()] }), 'train.v2'),
    named(genericJob({ replicaSpecs: [worker()], service: { ports: [{ port: 80 }] } }), 'one-port'),
    named(arenaJob({ output: { type: 's3', s3: { bucket: 'b' } }, workers: { minReplicas: 2, maxReplicas: 2 } }), 'valid-arenajob'),
    named(arenaConfig({ providers: [{ name: 'p' }], evaluation: { maxRetries: 10, concurrency: 1 } }), 'valid-arenaconfig'),
    named(radixBatch({
      image: 'registry.invalid/compute:{imageTagName}',
      imageTagName: 'v1',
      ports: [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9000 }],
      secrets: [{ name: 'TOKEN', secretKeyRef: { name: 'a', key: 'k' } }],
      variables: { MODE: 'x' },
      batchStatusRules: [{ condition: 'Any', operator: 'In', jobStatuses: ['Failed', 'Stopped'], batchStatus: 'Failed' }],
    }), 'valid-radixbatch'),
  ];
  for (const o of valid) expect(validateManifest(o)).toEqual([]);
  const stored = await applyManifests(plane().kubeConfig, valid, { namespace });
  expect(stored.map((o) => o.metadata?.uid)).toEqual(valid.map(() => expect.any(String)));
});

describe.each(TABLE)('%s', (_name, c) => {
  test('is rejected by the API server with the expected message', async () => {
    const err = await applyManifests(plane().kubeConfig, [c.resource], { namespace }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(`HTTP ${c.status ?? '422 Invalid'}`);
    expect(message).toContain(c.server);
    rejected.add(c.resource.metadata.name!);
  });

  test('is rejected by validateManifest() at synth with the matching message', () => {
    const errors = validateManifest(c.resource);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(c.synth);
  });
});

describe('the resumeSpecs transition rule (the API server only: it compares with the stored object)', () => {
  const paused = (resumeSpecs?: Spec[]): Spec => ({ pause: { enabled: true, ...(resumeSpecs ? { resumeSpecs } : {}) } });
  const job = (name: string, runMode: Spec): Resource => named(genericJob({ replicaSpecs: [worker()], runMode }), name);

  test.each<[string, Spec, Spec]>([
    ['adding resumeSpecs to an existing pause block', paused(), paused([{ type: 'worker', args: ['--resume'] }])],
    ['changing resumeSpecs', paused([{ type: 'worker', args: ['--resume'] }]), paused([{ type: 'worker', args: ['--restart'] }])],
    ['removing resumeSpecs', paused([{ type: 'worker' }]), paused()],
  ])('%s is rejected', async (title, before, after) => {
    const name = `transition-${title.split(' ')[0]}`;
    const kc = plane().kubeConfig;
    // validateManifest cannot see the previous object: both versions pass at synth.
    expect(validateManifest(job(name, before))).toEqual([]);
    expect(validateManifest(job(name, after))).toEqual([]);
    await applyManifests(kc, [job(name, before)], { namespace });
    const err = await applyManifests(kc, [job(name, after)], { namespace }).then(() => undefined, (e: unknown) => e);
    expect((err as Error | undefined)?.message).toContain(`spec.runMode.pause.resumeSpecs: Forbidden: ${TRANSITION_RULE}`);
    rejected.add(name);
    // The stored object is unchanged.
    const stored = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: GENERIC_JOB.group, version: GENERIC_JOB.version, namespace, plural: GENERIC_JOB.plural, name,
    }) as Resource;
    const resumeBefore = (before.pause as Spec).resumeSpecs as Spec[] | undefined;
    expect(((stored.spec.runMode as Spec).pause as Spec).resumeSpecs).toEqual(resumeBefore?.map((r) => expect.objectContaining(r)));
  });

  test('other changes to a paused job are still allowed (the rule is about resumeSpecs only)', async () => {
    const kc = plane().kubeConfig;
    const resumeSpecs = [{ type: 'worker', args: ['--resume'] }];
    await applyManifests(kc, [job('transition-allowed', paused(resumeSpecs))], { namespace });
    const [updated] = await applyManifests(kc, [job('transition-allowed', { pause: { enabled: false, resumeSpecs } })], { namespace });
    expect(((updated as Resource).spec.runMode as Spec).pause).toMatchObject({ enabled: false });
  });
});

/** Creates `before`, then applies `after` (server-side apply, same field manager) and returns the error. */
async function updateError(name: string, before: Spec, after: Spec): Promise<string | undefined> {
  const kc = plane().kubeConfig;
  await applyManifests(kc, [named(genericJob(before), name)], { namespace });
  const err = await applyManifests(kc, [named(genericJob(after), name)], { namespace }).then(() => undefined, (e: unknown) => e);
  return (err as Error | undefined)?.message;
}

/** The stored spec of a GenericJob. */
async function storedSpec(name: string): Promise<Spec> {
  const stored = await plane().kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: GENERIC_JOB.group, version: GENERIC_JOB.version, namespace, plural: GENERIC_JOB.plural, name,
  }) as Resource;
  return stored.spec;
}

describe('spec.replicaSpecs is immutable (a batch/v1 Job\'s pod template is too; the API server only: it compares with the stored object)', () => {
  const base: Spec = { replicaSpecs: [worker()], successRules: [{ worker: [0] }] };

  test.each<[string, Spec]>([
    ['more replicas', { ...base, replicaSpecs: [worker({ replicas: 3 })] }],
    ['another image', { ...base, replicaSpecs: [worker({ template: { spec: { containers: [{ ...container, image: 'registry.invalid/busybox:2' }] } } })] }],
    ['another restart policy', { ...base, replicaSpecs: [worker({ restartPolicy: { policy: 'Never' } })] }],
    ['an added replica type', { ...base, replicaSpecs: [worker(), worker({ type: 'ps', replicas: 1 })] }],
  ])('changing it (%s) is rejected and the stored job is unchanged', async (title, after) => {
    const name = `immutable-replicas-${title.split(' ').pop()}`;
    // validateManifest cannot see the previous object: both versions pass at synth.
    expect(validateManifest(named(genericJob(base), name))).toEqual([]);
    expect(validateManifest(named(genericJob(after), name))).toEqual([]);
    expect(await updateError(name, base, after)).toContain(`spec.replicaSpecs: Forbidden: ${REPLICA_SPECS_IMMUTABLE}`);
    rejected.add(name);
    expect((await storedSpec(name)).replicaSpecs).toEqual([expect.objectContaining({ type: 'worker', replicas: 2 })]);
  });

  test('re-applying the same spec, and changing other fields, is allowed', async () => {
    const kc = plane().kubeConfig;
    await applyManifests(kc, [named(genericJob(base), 'immutable-replicas-reapply')], { namespace });
    await applyManifests(kc, [named(genericJob(base), 'immutable-replicas-reapply')], { namespace });
    const [updated] = await applyManifests(kc, [named(genericJob({ ...base, cleanUpPolicy: 'All', successRules: [{ worker: [1] }] }), 'immutable-replicas-reapply')], { namespace });
    expect((updated as Resource).spec).toMatchObject({ cleanUpPolicy: 'All', successRules: [{ worker: [1] }] });
  });
});

describe('spec.runMode.debug: field is immutable: debug mode is chosen at creation (the API server only)', () => {
  const job = (runMode?: Spec): Spec => ({ replicaSpecs: [worker()], ...(runMode ? { runMode } : {}) });
  const debugOn: Spec = { debug: { enabled: true } };

  test.each<[string, string, Spec, Spec]>([
    ['turning it off', 'off', job(debugOn), job({ debug: { enabled: false } })],
    ['removing the debug block', 'removed', job(debugOn), job({ pause: { enabled: false } })],
    ['removing runMode altogether', 'no-runmode', job(debugOn), job()],
    ['changing the debug command', 'command', job({ debug: { enabled: true, replicaSpecs: [{ type: 'worker', command: ['sleep', '1d'] }] } }),
      job({ debug: { enabled: true, replicaSpecs: [{ type: 'worker', command: ['/usr/sbin/sshd'] }] } })],
    ['adding it to a job created without runMode', 'added', job(), job(debugOn)],
    ['adding it to a job whose runMode has only pause', 'added-to-pause', job({ pause: { enabled: false } }), job({ pause: { enabled: false }, ...debugOn })],
    ['adding it switched off (the block itself is fixed at creation)', 'added-off', job(), job({ debug: { enabled: false } })],
  ])('%s is rejected', async (_title, suffix, before, after) => {
    const name = `immutable-debug-${suffix}`;
    expect(validateManifest(named(genericJob(before), name))).toEqual([]);
    expect(validateManifest(named(genericJob(after), name))).toEqual([]);
    expect(await updateError(name, before, after)).toContain(`spec.runMode.debug: Forbidden: ${DEBUG_IMMUTABLE}`);
    rejected.add(name);
    // The stored job is unchanged (defaults aside).
    const debugBefore = (before.runMode as Spec | undefined)?.debug as Spec | undefined;
    const debugStored = ((await storedSpec(name)).runMode as Spec | undefined)?.debug;
    if (debugBefore === undefined) expect(debugStored).toBeUndefined();
    else expect(debugStored).toMatchObject(debugBefore);
  });

  test('pause stays mutable on a job in debug mode, and a job without debug can be paused later', async () => {
    const kc = plane().kubeConfig;
    await applyManifests(kc, [named(genericJob(job(debugOn)), 'debug-pause')], { namespace });
    const [paused] = await applyManifests(kc, [named(genericJob(job({ ...debugOn, pause: { enabled: true } })), 'debug-pause')], { namespace });
    expect((paused as Resource).spec.runMode).toMatchObject({ debug: { enabled: true }, pause: { enabled: true } });
    const [resumed] = await applyManifests(kc, [named(genericJob(job({ ...debugOn, pause: { enabled: false } })), 'debug-pause')], { namespace });
    expect((resumed as Resource).spec.runMode).toMatchObject({ debug: { enabled: true }, pause: { enabled: false } });

    await applyManifests(kc, [named(genericJob(job()), 'pause-later')], { namespace });
    const [later] = await applyManifests(kc, [named(genericJob(job({ pause: { enabled: true } })), 'pause-later')], { namespace });
    expect((later as Resource).spec.runMode).toMatchObject({ pause: { enabled: true } });
  });
});

describe('who may manage GenericJobs: the kubejobs-edit and kubejobs-view roles aggregated into the built-in ones', () => {
  let teamNs: string;
  const gj = { group: GENERIC_JOB.group, version: GENERIC_JOB.version, plural: GENERIC_JOB.plural };

  /** What the authorizer answers for `user` doing `verb` on `resource` (with `subresource`) in the team namespace. */
  async function can(user: string, verb: string, group: string, resource: string, subresource?: string): Promise<boolean> {
    const review = await plane().kubeConfig.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, groups: ['system:authenticated'], resourceAttributes: { verb, group, resource, subresource, namespace: teamNs } },
      },
    });
    return review.status?.allowed === true;
  }

  /** Every kind kubejobs owns, as [group, plural]. */
  const KINDS = KUBEJOBS_DEFINITIONS.map((d) => [d.group, d.plural] as const);

  beforeAll(async () => {
    const kc = plane().kubeConfig;
    teamNs = await freshNamespace(kc, {}, { prefix: 'team-', waitForDefaultServiceAccount: false });
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    for (const [user, role] of [['alice', 'edit'], ['bob', 'view'], ['carol', 'admin']] as const) {
      await rbac.createNamespacedRoleBinding({
        namespace: teamNs,
        body: {
          metadata: { name: `${user}-${role}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        },
      });
    }
  });

  test('without the roles, the built-in edit role grants nothing on our kinds', async () => {
    expect(await can('alice', 'create', GENERIC_JOB.group, GENERIC_JOB.plural)).toBe(false);
    expect(await can('bob', 'get', GENERIC_JOB.group, GENERIC_JOB.plural)).toBe(false);
  });

  test('with the roles KubejobsController emits, edit/admin manage our kinds and view reads them', async () => {
    const kc = plane().kubeConfig;
    const chart = Testing.chart();
    new KubejobsController(chart, 'kubejobs');
    const roles = (Testing.synth(chart) as KubernetesObject[]).filter((o) => o.kind === 'ClusterRole' && o.metadata?.name !== 'kubejobs-controller');
    expect(roles.map((r) => r.metadata?.name).sort()).toEqual(['kubejobs-edit', 'kubejobs-view']);
    await applyManifests(kc, roles);
    // The clusterrole-aggregation controller copies the rules into admin, edit and view.
    await waitFor('the aggregated rules to reach the built-in roles', async () => {
      const ok = await can('alice', 'create', GENERIC_JOB.group, GENERIC_JOB.plural) && await can('bob', 'get', GENERIC_JOB.group, GENERIC_JOB.plural)
        && await can('carol', 'deletecollection', GENERIC_JOB.group, GENERIC_JOB.plural);
      return ok ? true : undefined;
    });

    const answers: Record<string, boolean> = {};
    for (const [group, plural] of KINDS) {
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']) {
        answers[`alice (edit) ${verb} ${plural}`] = await can('alice', verb, group, plural);
        answers[`carol (admin) ${verb} ${plural}`] = await can('carol', verb, group, plural);
        answers[`bob (view) ${verb} ${plural}`] = await can('bob', verb, group, plural);
      }
      for (const verb of ['get', 'update', 'patch']) {
        answers[`alice (edit) ${verb} ${plural}/status`] = await can('alice', verb, group, plural, 'status');
        answers[`bob (view) ${verb} ${plural}/status`] = await can('bob', verb, group, plural, 'status');
      }
    }
    const expected = Object.fromEntries(Object.keys(answers).map((k) => {
      const [, role, verb, resource] = /^\w+ \((\w+)\) (\w+) (\S+)$/.exec(k)!;
      const read = ['get', 'list', 'watch'].includes(verb);
      if (resource.endsWith('/status')) return [k, verb === 'get']; // nobody but the controller writes status
      return [k, role === 'view' ? read : true];
    }));
    expect(answers).toEqual(expected);
  });

  test('real requests: a view user cannot create a GenericJob (403), an edit user can', async () => {
    const kc = plane().kubeConfig;
    const body = { apiVersion: `${gj.group}/${gj.version}`, kind: GENERIC_JOB.kind, metadata: { name: 'by-user' }, spec: { replicaSpecs: [worker()] } };
    const create = (asUser: KubeConfig) => asUser.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...gj, namespace: teamNs, body })
      .then(() => 'allowed', (e: unknown) => describeError(e));
    expect(await create(impersonating(kc, 'bob'))).toBe('HTTP 403 Forbidden: genericjobs.batch.tensorstack.dev is forbidden: '
      + `User "bob" cannot create resource "genericjobs" in API group "batch.tensorstack.dev" in the namespace "${teamNs}"`);
    rejected.add('by-user (as bob)');
    expect(await create(impersonating(kc, 'alice'))).toBe('allowed');
  });
});
