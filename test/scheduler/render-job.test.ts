import type { RadixBatch } from '../../imports/kubejobs.dev';
import { jobImage, renderJob, renderService } from '../../src/controller/radix-batch/render-job';

// Radix's job image rules (upstream Test_getJobImage) and the Job a batch job becomes (syncer_test.go).
test.each([
  ['component image', 'repo/img:abc', undefined, {}, 'repo/img:abc'],
  ['request image', 'repo/img:abc', undefined, { image: 'other/img:1' }, 'other/img:1'],
  ['imageTagName replaces the tag', 'repo/img:abc', undefined, { imageTagName: 'dfe' }, 'repo/img:dfe'],
  ['imageTagName on a request image', 'repo/img:abc', undefined, { image: 'other/img:1', imageTagName: '2' }, 'other/img:2'],
  ['imageTagName adds a tag to an untagged image', 'repo/img', undefined, { imageTagName: 'v1' }, 'repo/img:v1'],
  ['registry port is not a tag', 'registry:5000/img', undefined, { imageTagName: 'v1' }, 'registry:5000/img:v1'],
  ['registry port and a tag', 'registry:5000/img:old', undefined, { imageTagName: 'v1' }, 'registry:5000/img:v1'],
  ['digest dropped for a tag', 'repo/img:1@sha256:abc', undefined, { imageTagName: 'v2' }, 'repo/img:v2'],
  ['placeholder takes the component tag', 'repo/img:{imageTagName}', '1.0', {}, 'repo/img:1.0'],
  ['placeholder takes the request tag', 'repo/img:{imageTagName}', '1.0', { imageTagName: '2.0' }, 'repo/img:2.0'],
  ['placeholder in a request image takes the request tag', 'repo/img:abc', undefined, { image: 'x/y:{imageTagName}', imageTagName: '3' }, 'x/y:3'],
  ['empty imageTagName keeps the tag', 'repo/img:abc', undefined, { imageTagName: '' }, 'repo/img:abc'],
])('image: %s', (_n, image, tag, job, expected) => {
  expect(jobImage(image, tag, job)).toBe(expected);
});

// Upstream Test_getJobImage (radix-operator pkg/apis/batch/kubejob_test.go), all 18 cases in upstream
// order, named after them; upstream gives two names twice (rows 1/5 and 9/13), so each name carries its
// row number. A Radix component image never has a `{imageTagName}` placeholder in these cases.
describe('Test_getJobImage', () => {
  const imageCases: Array<[number, string, string, { image?: string; imageTagName?: string }, string]> = [
    [1, 'image without repo and tag, no imageTagName', 'alpine', { imageTagName: '' }, 'alpine'],
    [2, 'image with repo, no tag, no imageTagName', 'somerepo/alpine', { imageTagName: '' }, 'somerepo/alpine'],
    [3, 'image with repo, org, no tag, no imageTagName', 'somerepo/org/alpine', { imageTagName: '' }, 'somerepo/org/alpine'],
    [4, 'image with repo and domain, org, no tag, no imageTagName', 'somerepo.com/org/alpine', { imageTagName: '' }, 'somerepo.com/org/alpine'],
    [5, 'image without repo and tag, no imageTagName', 'alpine:abc', { imageTagName: '' }, 'alpine:abc'],
    [6, 'image with repo and tag, no imageTagName', 'somerepo/alpine:abc', { imageTagName: '' }, 'somerepo/alpine:abc'],
    [7, 'image with repo, org and tag, no imageTagName', 'somerepo/org/alpine:abc', { imageTagName: '' }, 'somerepo/org/alpine:abc'],
    [8, 'image with repo and domain, org and tag, no imageTagName', 'somerepo.com/org/alpine:abc', { imageTagName: '' }, 'somerepo.com/org/alpine:abc'],
    [9, 'image without repo and tag, with imageTagName', 'alpine', { imageTagName: 'dfe' }, 'alpine:dfe'],
    [10, 'image with repo, no tag, with imageTagName', 'somerepo/alpine', { imageTagName: 'dfe' }, 'somerepo/alpine:dfe'],
    [11, 'image with repo, org, no tag, with imageTagName', 'somerepo/org/alpine', { imageTagName: 'dfe' }, 'somerepo/org/alpine:dfe'],
    [12, 'image with repo and domain, org, no tag, with imageTagName', 'somerepo.com/org/alpine', { imageTagName: 'dfe' }, 'somerepo.com/org/alpine:dfe'],
    [13, 'image without repo and tag, with imageTagName', 'alpine:abc', { imageTagName: 'dfe' }, 'alpine:dfe'],
    [14, 'image with repo and tag, with imageTagName', 'somerepo/alpine:abc', { imageTagName: 'dfe' }, 'somerepo/alpine:dfe'],
    [15, 'image with repo, org and tag, with imageTagName', 'somerepo/org/alpine:abc', { imageTagName: 'dfe' }, 'somerepo/org/alpine:dfe'],
    [16, 'image with repo and domain, org and tag, with imageTagName', 'somerepo.com/org/alpine:abc', { imageTagName: 'dfe' }, 'somerepo.com/org/alpine:dfe'],
    [17, 'image with image, no imageTagName', 'somerepo.com/org/alpine:abc', { image: 'otherrepo.com/org/alpine:abc' }, 'otherrepo.com/org/alpine:abc'],
    [18, 'image with image, with imageTagName', 'somerepo.com/org/alpine:abc', { image: 'otherrepo.com/org/alpine:abc', imageTagName: 'dfe' }, 'otherrepo.com/org/alpine:dfe'],
  ];

  test.each(imageCases)('[%d] %s', (_row, _name, componentImage, job, expected) => {
    expect(jobImage(componentImage, undefined, job)).toBe(expected);
  });
});

function batch(overrides: Partial<RadixBatch['spec']> = {}, component: Partial<RadixBatch['spec']['component']> = {}): RadixBatch {
  return {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name: 'batch-b', namespace: 'ml', uid: 'u1', labels: { 'radix-component': 'etl', 'radix-batch-type': 'batch' } },
    spec: {
      batchType: 'batch',
      component: { name: 'etl', image: 'repo/etl:1', schedulerPort: 9000, timeLimitSeconds: 123, backoffLimit: 5, ...component },
      jobs: [{ name: 'abcdefgh' }],
      ...overrides,
    },
  };
}

test('defaults from the component: time limit, backoff, labels, restricted pod, owner, no radix-batch-type label', () => {
  const job = renderJob(batch(), batch().spec.jobs[0]!) as any;
  expect(job.metadata).toEqual({
    name: 'batch-b-abcdefgh',
    namespace: 'ml',
    labels: { 'radix-component': 'etl', 'radix-job-type': 'job-scheduler', 'radix-batch-name': 'batch-b', 'radix-batch-job-name': 'abcdefgh' },
    ownerReferences: [{ apiVersion: 'kubejobs.dev/v1', kind: 'RadixBatch', name: 'batch-b', uid: 'u1', controller: true, blockOwnerDeletion: true }],
  });
  expect(job.spec.backoffLimit).toBe(5);
  expect(job.spec.template.spec.activeDeadlineSeconds).toBe(123);
  expect(job.spec.template.spec.affinity).toBeUndefined();
  expect(job.spec.template.spec.containers[0].command).toBeUndefined();
});

test('job values win: time limit 234 over 123, backoff 0 over 5, resources replaced whole, variables over the component', () => {
  const b = batch({ jobs: [{ name: 'j', timeLimitSeconds: 234, backoffLimit: 0, resources: { limits: { memory: '1Gi' } }, variables: { A: 'job', RADIX_X: 'x' } }] },
    { resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } }, variables: { A: 'comp', B: 'b' }, secrets: [{ name: 'S', secretKeyRef: { name: 'sec', key: 'k' } }] });
  const job = renderJob(b, b.spec.jobs[0]!) as any;
  expect(job.spec.backoffLimit).toBe(0);
  expect(job.spec.template.spec.activeDeadlineSeconds).toBe(234);
  const c = job.spec.template.spec.containers[0];
  expect(c.resources).toEqual({ limits: { memory: '1Gi' } });
  expect(c.env).toEqual([
    { name: 'A', value: 'job' }, { name: 'B', value: 'b' }, { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } },
    { name: 'RADIX_X', value: 'x' }, { name: 'RADIX_JOB_NAME', value: 'batch-b-j' },
  ]);
});

test('GPU: affinity gpu-count > count-1, wanted and excluded types, toleration (upstream Test_JobWithGpuNode)', () => {
  const b = batch({ jobs: [{ name: 'j', node: { gpu: 'GPU3, gpu4, -gpu5', gpuCount: '8' } }] });
  const spec = (renderJob(b, b.spec.jobs[0]!) as any).spec.template.spec;
  expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
    { key: 'radix-node-gpu-count', operator: 'Gt', values: ['7'] },
    { key: 'radix-node-gpu', operator: 'In', values: ['gpu3', 'gpu4'] },
    { key: 'radix-node-gpu', operator: 'NotIn', values: ['gpu5'] },
  ]);
  expect(spec.tolerations).toEqual([{ key: 'radix-node-gpu-count', operator: 'Exists', effect: 'NoSchedule' }]);
});

test('runtime.nodeType wins over node.gpu; architecture becomes kubernetes.io/arch', () => {
  const b = batch({ jobs: [{ name: 'j', node: { gpu: 'x' }, runtime: { nodeType: 'gpu-a100', architecture: 'arm64' } }] });
  const spec = (renderJob(b, b.spec.jobs[0]!) as any).spec.template.spec;
  expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
    { key: 'radix-nodetype', operator: 'In', values: ['gpu-a100'] },
    { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
  ]);
  expect(spec.tolerations).toEqual([{ key: 'radix-nodetype', operator: 'Equal', value: 'gpu-a100', effect: 'NoSchedule' }]);
});

test('command and args: nil inherits the image, [] stays empty (upstream Test_GetJobCommandAndArgs)', () => {
  const b = batch({ jobs: [{ name: 'a', command: [], args: ['x'] }, { name: 'b' }] });
  const [a, n] = b.spec.jobs.map((j) => (renderJob(b, j) as any).spec.template.spec.containers[0]);
  expect([a.command, a.args]).toEqual([[], ['x']]);
  expect(n).not.toHaveProperty('command');
  expect(n).not.toHaveProperty('args');
});

test('failurePolicy becomes podFailurePolicy on the job container, exit codes sorted', () => {
  const b = batch({ jobs: [{ name: 'j', failurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3, 1] } }] } }] });
  expect((renderJob(b, b.spec.jobs[0]!) as any).spec.podFailurePolicy).toEqual({
    rules: [{ action: 'FailJob', onExitCodes: { containerName: 'etl', operator: 'In', values: [1, 3] } }],
  });
});

test('a Service only when the component has ports', () => {
  expect(renderService(batch(), batch().spec.jobs[0]!)).toBeUndefined();
  const b = batch({}, { ports: [{ name: 'http', port: 3000 }] });
  expect((renderService(b, b.spec.jobs[0]!) as any).spec).toEqual({
    type: 'ClusterIP', selector: { 'radix-batch-name': 'batch-b', 'radix-batch-job-name': 'abcdefgh' }, ports: [{ name: 'http', port: 3000, targetPort: 3000, protocol: 'TCP' }],
  });
});
