/**
 * Invalid GenericJobs, ArenaJobs and ArenaConfigs are rejected by the real API server (our CRDs'
 * structural schema and every CEL rule) with the expected message, and the synth-time validator
 * `validateManifest()` rejects the same objects: both come from one definition in src/api, so
 * they must agree.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import { applyManifests, freshNamespace } from './kube-helpers';
import { useControlPlane } from './use-control-plane';
import {
  ARENA_CONFIG,
  ARENA_JOB,
  crdManifestOf,
  CustomResourceDefinitionSpec,
  GENERIC_JOB,
  gvkOf,
  JsonSchema,
  KUBEJOBS_DEFINITIONS,
  validateManifest,
  ValidationRule,
} from '../../src/api';

jest.setTimeout(120_000);

const plane = useControlPlane();
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
const arenaConfig = (spec: Spec): Resource => ({ ...gvkOf(ARENA_CONFIG), metadata: {}, spec: { sourceRef: { name: 'pack' }, ...spec } });
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

/** Every `x-kubernetes-validations` rule of a definition's spec schema. */
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
  return walk(def.spec);
}

/** One invalid object: what the API server says (substring) and what validateManifest says (substring). */
interface Case {
  readonly resource: Resource;
  readonly server: string;
  /** HTTP status of the rejection (default 422 Invalid). */
  readonly status?: number;
  readonly synth: string;
}

const TRANSITION_RULE = cel(GENERIC_JOB, 'spec.runMode.pause.resumeSpecs is immutable');

const CASES: Record<string, Case> = {
  // --- GenericJob: CEL rules
  'GenericJob without replicaSpecs': {
    resource: genericJob({}),
    server: `spec.replicaSpecs: Required value: ${cel(GENERIC_JOB, 'spec.replicaSpecs must declare at least one')}`,
    synth: cel(GENERIC_JOB, 'spec.replicaSpecs must declare at least one'),
  },
  'GenericJob with an empty replicaSpecs list': {
    resource: genericJob({ replicaSpecs: [] }),
    server: cel(GENERIC_JOB, 'spec.replicaSpecs must declare at least one'),
    synth: cel(GENERIC_JOB, 'spec.replicaSpecs must declare at least one'),
  },
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
  'GenericJob with T9k scheduler priority 101': {
    resource: genericJob({ replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: 101 } } }),
    server: `spec.scheduler.t9kScheduler.priority: Invalid value: "object": ${cel(GENERIC_JOB, 'spec.scheduler.t9kScheduler.priority')}`,
    synth: cel(GENERIC_JOB, 'spec.scheduler.t9kScheduler.priority'),
  },
  'GenericJob with T9k scheduler priority -1': {
    resource: genericJob({ replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: -1 } } }),
    server: cel(GENERIC_JOB, 'spec.scheduler.t9kScheduler.priority'),
    synth: cel(GENERIC_JOB, 'spec.scheduler.t9kScheduler.priority'),
  },
  // --- GenericJob: structural schema
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
};

const TABLE = Object.entries(CASES).map(([name, c], i) => [name, { ...c, resource: named(c.resource, `invalid-${i}`) }] as const);

/** Names of the objects the API server rejected, counted for the report. */
const rejected = new Set<string>();

afterAll(() => {
  process.stdout.write(`invalid-resources.cluster.test: ${rejected.size} invalid custom resources rejected by the API server\n`);
});

function named(resource: Resource, name: string): Resource {
  return { ...resource, metadata: { ...resource.metadata, name } };
}

test('the table covers every CEL rule of every kind kubejobs owns', () => {
  const expectedMessages = [...TABLE.map(([, c]) => c.server), TRANSITION_RULE].join('\n');
  const rules = KUBEJOBS_DEFINITIONS.flatMap(celRulesOf);
  expect(rules.length).toBeGreaterThanOrEqual(9);
  for (const rule of rules) {
    expect({ rule: rule.message, covered: expectedMessages.includes(rule.message) }).toEqual({ rule: rule.message, covered: true });
  }
  expect(TABLE.length).toBeGreaterThanOrEqual(15);
});

test('the valid objects the table starts from are accepted, so each rejection is the mutation\'s', async () => {
  const valid = [
    named(genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [0, 1] }], failureRules: [{ worker: [1] }], scheduler: { t9kScheduler: { queue: 'q', priority: 100 } } }), 'valid-genericjob'),
    named(arenaJob({ output: { type: 's3', s3: { bucket: 'b' } }, workers: { minReplicas: 2, maxReplicas: 2 } }), 'valid-arenajob'),
    named(arenaConfig({ providers: [{ name: 'p' }], evaluation: { maxRetries: 10, concurrency: 1 } }), 'valid-arenaconfig'),
  ];
  for (const o of valid) expect(validateManifest(o)).toEqual([]);
  const stored = await applyManifests(plane().kubeConfig, valid, { namespace });
  expect(stored.map((o) => o.metadata?.uid)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
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
