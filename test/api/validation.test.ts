import { ARENA_JOB, crdManifestOf, GENERIC_JOB, validateManifest } from '../../src/api';

const container = { name: 'main', image: 'busybox' };
const genericJob = (spec: Record<string, unknown>) => ({
  apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name: 'job' }, spec,
});
const worker = (extra: Record<string, unknown> = {}) => ({ type: 'worker', template: { spec: { containers: [container] } }, ...extra });

describe('validateManifest (synth-time twin of the API server)', () => {
  test('kinds it does not know are not its business', () => {
    expect(validateManifest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } })).toEqual([]);
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
      'spec.replicaSpecs[0].replica: unknown field; the API server would drop it. Remove it or check its spelling',
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
    ['no replica specs', { replicaSpecs: [] },
      'spec.replicaSpecs must declare at least one replica type: add an entry such as {type: worker, replicas: 1, template: {...}}'],
    ['duplicate types', { replicaSpecs: [worker(), worker()] },
      'spec.replicaSpecs: replica types must be unique; give each entry its own type or merge the duplicates'],
    ['failure rule names an undeclared type', { replicaSpecs: [worker()], failureRules: [{ chief: [0] }] },
      'spec.failureRules names a replica type that spec.replicaSpecs does not declare: use one of the declared types or add the replica spec'],
    ['priority out of range', { replicaSpecs: [worker()], scheduler: { t9kScheduler: { queue: 'q', priority: 101 } } },
      'spec.scheduler.t9kScheduler.priority must be between 0 and 100 (inclusive); 0 is the lowest priority'],
  ])('CEL rule: %s', (_name, spec, message) => {
    expect(validateManifest(genericJob(spec))).toEqual([message]);
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
