/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { Chart, Testing } from 'cdk8s';
import { condition, TestApi } from './helpers';
import { useController } from './use-controller';
import type { GenericJob as GenericJobObject } from '../../imports/batch.tensorstack.dev';
import { GenericJob, ReplicaSpecProps } from '../../src';
import { freshNamespace } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The pods the GenericJob construct renders by default meet Pod Security "restricted": the real
// API server's PodSecurity admission, enforcing it on the namespace, admits the pods the
// controller creates from them. Relaxed for a root image, they are refused, and the job says why.

const plane = useControlPlane();
const running = useController(plane);
let api: TestApi;
beforeAll(() => {
  ({ api } = running());
});

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

/** The GenericJob the construct synthesises for these replica props. */
function constructJob(name: string, replica: Partial<ReplicaSpecProps>): GenericJobObject {
  const chart = new Chart(Testing.app(), 'test');
  new GenericJob(chart, 'job', {
    metadata: { name },
    replicaSpecs: [{
      type: 'worker',
      replicas: 2,
      initContainers: [{ name: 'fetch', image: 'busybox:1.36', command: ['true'] }],
      containers: [{ name: 'main', image: 'python:3.12-slim', command: ['python', '-c', 'print(1)'] }],
      ...replica,
    }],
  });
  const [job] = Testing.synth(chart);
  return job as GenericJobObject;
}

test('a default GenericJob\'s pods are admitted in a namespace that enforces "restricted"', async () => {
  const ns = await freshNamespace(plane().kubeConfig, RESTRICTED);
  await api.create(ns, constructJob('plain', {}));
  const pods = await api.waitForPods(ns, 'plain', ['plain-worker-0', 'plain-worker-1']);
  for (const pod of pods) expect(pod.metadata?.uid).toEqual(expect.any(String));
  const job = await api.job(ns, 'plain');
  expect(job.status?.phase).not.toBe('Failed');
  expect(job.status?.conditions?.map((c) => c.reason)).not.toContain('CreatePodFailed');
});

test('the same job with a root user asked for is refused there: CreatePodFailed with the server\'s words', async () => {
  const ns = await freshNamespace(plane().kubeConfig, RESTRICTED);
  await api.create(ns, constructJob('root', { securityContext: { ensureNonRoot: false } }));
  const failed = await api.waitForJob(ns, 'root', 'phase Failed', (j) => j.status?.phase === 'Failed');
  const reasons = (failed.status?.conditions ?? []).map((c) => [c.reason, c.message]);
  expect(reasons).toContainEqual(['CreatePodFailed', expect.stringContaining('violates PodSecurity "restricted:latest": runAsNonRoot != true')]);
  expect(condition(failed, 'Failed')?.status).toBe('True');
  expect(await api.pods(ns, 'root')).toEqual([]);
});
