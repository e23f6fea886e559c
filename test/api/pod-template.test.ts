import { crdManifestOf, GENERIC_JOB, validateManifest } from '../../src/api';

// Why our CRDs validate the core of the pod template instead of embedding the full
// corev1.PodTemplateSpec schema: see src/api/pod-template.ts.
const LAST_APPLIED_ANNOTATION_LIMIT = 262_144; // bytes; what client-side `kubectl apply` can store

const job = (template: unknown) => ({
  apiVersion: 'batch.tensorstack.dev/v1beta1',
  kind: 'GenericJob',
  metadata: { name: 'j' },
  spec: { replicaSpecs: [{ type: 'worker', template }] },
});

test('the GenericJob CRD stays well below the size plain `kubectl apply` can handle', () => {
  const size = Buffer.byteLength(JSON.stringify(crdManifestOf(GENERIC_JOB)));
  // Headroom: a full PodTemplateSpec schema alone is several times this budget.
  expect(size).toBeLessThan(LAST_APPLIED_ANNOTATION_LIMIT / 4);
});

test.each<[string, unknown, string]>([
  ['no spec', {}, 'spec.replicaSpecs[0].template.spec: required field is missing'],
  ['no containers', { spec: {} }, 'spec.replicaSpecs[0].template.spec.containers: required field is missing'],
  ['empty containers', { spec: { containers: [] } }, 'spec.replicaSpecs[0].template.spec.containers: must NOT have fewer than 1 items (got [])'],
  ['container without a name', { spec: { containers: [{ image: 'x' }] } }, 'spec.replicaSpecs[0].template.spec.containers[0].name: required field is missing'],
  ['env var without a name', { spec: { containers: [{ name: 'c', env: [{ value: '1' }] }] } }, 'spec.replicaSpecs[0].template.spec.containers[0].env[0].name: required field is missing'],
  ['port out of range', { spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }] }] } }, 'spec.replicaSpecs[0].template.spec.containers[0].ports[0].containerPort: must be >= 1 (got 0)'],
  ['command not a list', { spec: { containers: [{ name: 'c', command: 'python train.py' }] } }, 'spec.replicaSpecs[0].template.spec.containers[0].command: must be array (got "python train.py")'],
  ['unknown restart policy', { spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c' }] } }, 'spec.replicaSpecs[0].template.spec.restartPolicy: "Sometimes" is not one of "Always", "OnFailure", "Never"'],
])('the validated core of the pod template rejects: %s', (_name, template, message) => {
  expect(validateManifest(job(template))).toContain(message);
});

test('the rest of the pod spec is kept as written, for the API server to validate when the Pod is created', () => {
  const template = { spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '1' } } }], tolerations: [{ key: 'gpu', operator: 'Exists' }] } };
  expect(validateManifest(job(template))).toEqual([]);
});
