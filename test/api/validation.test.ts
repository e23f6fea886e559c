import { ARENA_JOB, crdManifestOf, GENERIC_JOB, validateDocument, validateManifest } from '../../src/api';
import { noteJsonText } from '../../src/api/validation';

const container = { name: 'main', image: 'busybox' };
const genericJob = (spec: Record<string, unknown>) => ({
  apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name: 'job' }, spec,
});
const worker = (extra: Record<string, unknown> = {}) => ({ type: 'worker', template: { spec: { containers: [container] } }, ...extra });

describe('validateManifest (synth-time twin of the API server)', () => {
  test('kinds it does not know are not its business', () => {
    expect(validateManifest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } })).toEqual([]);
  });

  test('a noted JSON text is used by the next validation of that object only', () => {
    const manifest = genericJob({ replicaSpecs: [worker({ replicas: 2 })] });
    noteJsonText(manifest, JSON.stringify(manifest));
    expect(validateManifest(manifest)).toEqual([]);
    // Changed after its validation: validated afresh, not from the text noted before.
    (manifest.spec.replicaSpecs as Array<Record<string, unknown>>)[0]!.replicas = 0;
    expect(validateManifest(manifest)).toEqual(['spec.replicaSpecs[0].replicas: must be >= 1 (got 0)']);
  });

  test('a valid GenericJob passes', () => {
    expect(validateManifest(genericJob({ replicaSpecs: [worker({ replicas: 2 })], successRules: [{ worker: [0, 1] }] }))).toEqual([]);
  });

  test('defaults are applied before the CEL rules run, as on the server (replicas defaults to 1)', () => {
    expect(validateManifest(genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [0] }] }))).toEqual([]);
    expect(validateManifest(genericJob({ replicaSpecs: [worker()], successRules: [{ worker: [1] }] }))).toEqual([
      'spec.successRules names a rank that does not exist: ranks of a replica type run from 0 to replicas - 1',
    ]);
  });

  test('fields the server would prune are reported instead of silently lost', () => {
    expect(validateManifest(genericJob({ replicaSpecs: [worker({ replica: 3 })] }))).toEqual([
      'spec.replicaSpecs[0].replica: unknown field; the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off. Remove it or check its spelling',
    ]);
  });

  test('fields kept by x-kubernetes-preserve-unknown-fields are not reported (the pod spec beyond containers)', () => {
    const template = { spec: { containers: [{ ...container, resources: { limits: { cpu: '1' } } }], nodeSelector: { gpu: 'a100' } } };
    expect(validateManifest(genericJob({ replicaSpecs: [worker({ template })] }))).toEqual([]);
  });

  test('enum, minimum and required violations name the field and the value', () => {
    const errors = validateManifest(genericJob({ replicaSpecs: [worker({ replicas: 0, restartPolicy: { policy: 'Sometimes' } })], cleanUpPolicy: 'Some' }));
    expect(errors).toEqual(expect.arrayContaining([
      'spec.replicaSpecs[0].replicas: must be >= 1 (got 0)',
      'spec.replicaSpecs[0].restartPolicy.policy: "Sometimes" is not one of "Always", "OnFailure", "Never"',
      'spec.cleanUpPolicy: "Some" is not one of "None", "Unfinished", "All"',
    ]));
    expect(validateManifest({ apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', metadata: { name: 'a' }, spec: {} })).toEqual([
      'spec.configRef: required field is missing',
    ]);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['duplicate types', { replicaSpecs: [worker(), worker()] },
      'spec.replicaSpecs: replica types must be unique; give each entry its own type or merge the duplicates'],
    ['failure rule names an undeclared type', { replicaSpecs: [worker()], failureRules: [{ chief: [0] }] },
      'spec.failureRules names a replica type that spec.replicaSpecs does not declare: use one of the declared types or add the replica spec'],
    ['two ports, one unnamed', { replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }, { port: 81 }] } },
      'spec.service.ports: with more than one port, every port needs a name (Kubernetes rejects unnamed ports in a multi-port Service); name each port, e.g. {name: http, port: 8080}'],
    ['duplicate port names', { replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] } },
      'spec.service.ports: port names must be unique (each names a port of every replica Service and $(service.port[<name>])); rename the duplicates'],
  ])('CEL rule: %s', (_name, spec, message) => {
    expect(validateManifest(genericJob(spec))).toEqual([message]);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['no replica specs', {}, 'spec.replicaSpecs: required field is missing'],
    ['an empty replica spec list', { replicaSpecs: [] }, 'spec.replicaSpecs: must NOT have fewer than 1 items (got [])'],
    ['priority above 100', { replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: 101 } } },
      'spec.scheduler.t9kScheduler.priority: must be <= 100 (got 101)'],
    ['priority below 0', { replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: -1 } } },
      'spec.scheduler.t9kScheduler.priority: must be >= 0 (got -1)'],
    ['an empty success rule', { replicaSpecs: [worker()], successRules: [{}] }, 'spec.successRules[0]: must NOT have fewer than 1 properties (got {})'],
    ['a failure rule with no ranks', { replicaSpecs: [worker()], failureRules: [{ worker: [] }] },
      'spec.failureRules[0].worker: must NOT have fewer than 1 items (got [])'],
  ])('schema bound: %s', (_name, spec, message) => {
    expect(validateManifest(genericJob(spec))).toEqual([message]);
  });

  test('bounds live in the schema, where `kubectl explain` shows them, not only in CEL rules', () => {
    const spec = GENERIC_JOB.spec;
    expect(spec.required).toEqual(['replicaSpecs']);
    expect(spec.properties!.replicaSpecs).toMatchObject({ minItems: 1, maxItems: 16 });
    expect(spec.properties!.scheduler.properties!.t9kScheduler.properties!.priority).toMatchObject({ minimum: 0, maximum: 100 });
    expect(spec.properties!.scheduler.properties!.t9kScheduler['x-kubernetes-validations']).toBeUndefined();
    expect(spec.properties!.successRules.items).toMatchObject({ minProperties: 1, additionalProperties: { minItems: 1 } });
  });

  describe('root rules on metadata.name (the names the controller derives from it)', () => {
    const named = (name: string, spec: Record<string, unknown>) => ({ ...genericJob(spec), metadata: { name } });

    test('are emitted at the root of the CRD schema, where self.metadata.name is readable', () => {
      const root = crdManifestOf(GENERIC_JOB).spec.versions[0].schema.openAPIV3Schema;
      expect(root['x-kubernetes-validations'].map((r: any) => r.rule)).toEqual([
        expect.stringContaining('size(self.metadata.name)'),
        expect.stringContaining('self.metadata.name.matches'),
      ]);
    });

    test('<job>-<type>-<highest rank> may have 63 characters, not 64; the message quotes the longest and the fix', () => {
      const spec = (replicas: number) => ({ replicaSpecs: [worker({ type: 'm' }), worker({ replicas })] });
      // 'worker' + rank 999 + two dashes: 11 characters after the job name.
      expect(validateManifest(named('a'.repeat(52), spec(1000)))).toEqual([]);
      expect(validateManifest(named('a'.repeat(53), spec(1000)))).toEqual([
        `metadata.name '${'a'.repeat(53)}' is too long: replica '${'a'.repeat(53)}-worker-999' has 64 characters; `
        + 'each replica\'s pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>, '
        + 'so that name must be at most 63 characters: shorten the job name to at most 52 characters, or the replica type \'worker\'',
      ]);
      // The default of one replica counts as rank 0.
      expect(validateManifest(named('a'.repeat(54), { replicaSpecs: [worker()] }))).toEqual([]);
      expect(validateManifest(named('a'.repeat(55), { replicaSpecs: [worker()] }))).toEqual([expect.stringContaining(`replica '${'a'.repeat(55)}-worker-0' has 64 characters`)]);
    });

    test('a replica type too long for any job name is named in the fix', () => {
      expect(validateManifest(named('j', { replicaSpecs: [worker({ type: 'w'.repeat(60), replicas: 100 })] }))).toEqual([
        `metadata.name 'j' is too long: replica 'j-${'w'.repeat(60)}-99' has 65 characters; `
        + 'each replica\'s pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>, '
        + `so that name must be at most 63 characters: shorten the replica type '${'w'.repeat(60)}'`,
      ]);
    });

    test.each(['1st-run', 'train.v2'])('with service ports, the job name \'%s\' must be a DNS-1035 label', (name) => {
      const spec = { replicaSpecs: [worker()], service: { ports: [{ name: 'http', port: 80 }] } };
      expect(validateManifest(named(name, spec))).toEqual([
        `metadata.name '${name}' cannot name the replica Services: with spec.service.ports each replica gets a headless Service <job>-<type>-<rank>, `
        + 'and a Service name must be a DNS-1035 label (start with a lowercase letter; only lowercase letters, digits and -; no dots): '
        + 'rename the job, or drop spec.service.ports',
      ]);
      // Without Services, pods may be named so (a pod name is a DNS-1123 subdomain).
      expect(validateManifest(named(name, { replicaSpecs: [worker()] }))).toEqual([]);
      expect(validateManifest(named(name, { ...spec, service: { ports: [] } }))).toEqual([]);
    });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['s3 output without s3', { type: 's3' },
      'spec.output.s3 is required when spec.output.type is \'s3\': add s3.bucket (and optionally prefix, region, endpoint, secretRef)'],
    ['pvc output without pvc', { type: 'pvc' },
      'spec.output.pvc is required when spec.output.type is \'pvc\': add pvc.claimName (and optionally subPath)'],
  ])('CEL rule: %s', (_name, output, message) => {
    const job = { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', metadata: { name: 'a' }, spec: { configRef: { name: 'c' }, output } };
    expect(validateManifest(job)).toEqual([message]);
  });

  test('a messageExpression that cannot be evaluated falls back to the static message, as on the API server', () => {
    const schema = { 'type': 'object' as const, 'x-kubernetes-validations': [{ rule: 'false', message: 'the static message', messageExpression: 'self.missing + "x"' }] };
    expect(validateDocument(schema, {})).toEqual(['the static message']);
  });

  test('transition rules (oldSelf) are left to the API server: there is no previous object at synth', () => {
    const rules = JSON.stringify(crdManifestOf(GENERIC_JOB));
    expect(rules).toContain('oldSelf');
    expect(validateManifest(genericJob({ replicaSpecs: [worker()], runMode: { pause: { enabled: true, resumeSpecs: [{ type: 'worker' }] } } }))).toEqual([]);
  });

  test('CRDs carry printer columns, the status subresource and short names', () => {
    const gj = crdManifestOf(GENERIC_JOB);
    expect(gj.metadata.name).toEqual('genericjobs.batch.tensorstack.dev');
    expect(gj.spec.names.shortNames).toEqual(['gj']);
    expect(gj.spec.versions[0].subresources).toEqual({ status: {} });
    const aj = crdManifestOf(ARENA_JOB);
    expect(aj.spec.names.shortNames).toEqual(['aj']);
    expect(aj.spec.versions[0].additionalPrinterColumns.map((c: any) => `${c.name}${c.priority ? '(wide)' : ''}`))
      .toEqual(['Phase', 'Progress', 'Age', 'Type(wide)', 'Config(wide)']);
  });
});

describe('image references in the CRD (one pattern for the CRD and the constructs)', () => {
  const job = (image: string) => ({
    apiVersion: 'batch.tensorstack.dev/v1beta1',
    kind: 'GenericJob',
    metadata: { name: 'train' },
    spec: { replicaSpecs: [{ type: 'worker', template: { spec: { containers: [{ name: 'c', image }] } } }] },
  });

  test.each([
    'python:3.12-slim',
    'localhost:5000/team/train:1.0',
    'ghcr.io/kubejobs/kubejobs:0.1.0',
    `pytorch/pytorch@sha256:${'0'.repeat(64)}`,
    `nvcr.io/nvidia/pytorch:24.01-py3@sha256:${'f'.repeat(64)}`,
  ])('%s is accepted', (image) => {
    expect(validateManifest(job(image))).toEqual([]);
  });

  test.each(['', ' python:3.12-slim', 'Python 3.12-slim', 'python@sha256:abc', 'Python:3.12'])('%j is rejected', (image) => {
    expect(validateManifest(job(image))).toEqual([
      `spec.replicaSpecs[0].template.spec.containers[0].image: ${JSON.stringify(image)} is not an image reference: write [registry[:port]/]path[:tag][@algorithm:digest] with a lowercase path, e.g. 'python:3.12-slim'`,
    ]);
  });
});
