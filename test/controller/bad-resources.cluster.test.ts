/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { condition, genericJob, template, TestApi } from './helpers';
import { useController } from './use-controller';
import { freshNamespace } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Resources that pass the CRD schema but can never run end Failed with a message that says why;
// the controller neither crashes nor retries them forever.

const plane = useControlPlane();
// No PodGroup CRD here: the T9k scheduler is not installed in this cluster.
const running = useController(plane, {});
let api: TestApi;
let controller: ControllerProcess;
beforeAll(() => {
  ({ api, controller } = running());
});


test('a pod spec the apiserver rejects (volume mount without volume): Failed, CreatePodFailed, the apiserver\'s reason', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('badmount', {
    replicaSpecs: [{ type: 'worker', replicas: 2, template: template({ volumeMounts: [{ name: 'missing', mountPath: '/data' }] }) }],
  }));
  const job = await api.waitForJob(ns, 'badmount', 'Failed', (j) => j.status?.phase === 'Failed');
  const failed = condition(job, 'Failed');
  expect(failed).toMatchObject({ status: 'True', reason: 'CreatePodFailed' });
  expect(failed?.message).toMatch(/^Failed to create pod badmount-worker-\d: .*volumeMounts\[0\]\.name: Not found: "missing"/);
  await api.waitForEvent(ns, 'badmount', 'CreatePodFailed');
});

test('a pod the namespace\'s Pod Security level forbids: Failed with the violation', async () => {
  const ns = await freshNamespace(plane().kubeConfig, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  await api.create(ns, genericJob('priv', {
    replicaSpecs: [{ type: 'worker', replicas: 1, template: template({ securityContext: { privileged: true } }) }],
  }));
  const job = await api.waitForJob(ns, 'priv', 'Failed', (j) => j.status?.phase === 'Failed');
  expect(condition(job, 'Failed')?.message).toMatch(/^Failed to create pod priv-worker-0: .*violates PodSecurity "restricted:latest"/);
});

test('t9kScheduler on a cluster without the T9k scheduler: Failed, PodGroupUnavailable', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('nosched', {
    replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }],
    scheduler: { t9kScheduler: { queue: 'default' } },
  }));
  const job = await api.waitForJob(ns, 'nosched', 'Failed', (j) => j.status?.phase === 'Failed');
  expect(condition(job, 'Failed')).toMatchObject({
    reason: 'PodGroupUnavailable',
    message: 'Failed to create the PodGroup: spec.scheduler.t9kScheduler needs the T9k scheduler: the PodGroup kind (scheduler.tensorstack.dev/v1beta1) is not served by this cluster',
  });
  expect(await api.pods(ns, 'nosched')).toEqual([]);
});

test('a misspelt pod field (nodeSelectr) is refused at pod creation, not silently dropped: Failed with the field named', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  const tpl = template();
  await api.create(ns, genericJob('typo', {
    replicaSpecs: [{ type: 'worker', replicas: 1, template: { spec: { ...tpl.spec, nodeSelectr: { 'nvidia.com/gpu.product': 'A100' } } } as never }],
  }));
  const job = await api.waitForJob(ns, 'typo', 'Failed', (j) => j.status?.phase === 'Failed');
  expect(condition(job, 'Failed')).toMatchObject({ reason: 'CreatePodFailed' });
  expect(condition(job, 'Failed')?.message).toMatch(/^Failed to create pod typo-worker-0: .*unknown field "spec\.nodeSelectr"/);
  expect(await api.pods(ns, 'typo')).toEqual([]);
});

test('a replica Service the API server rejects fails the job with its reason instead of retrying forever', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('badsvc', {
    replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }],
    service: { ports: [{ name: 'http', port: 8080, appProtocol: 'not a protocol!' }] },
  }));
  const job = await api.waitForJob(ns, 'badsvc', 'Failed', (j) => j.status?.phase === 'Failed');
  expect(condition(job, 'Failed')).toMatchObject({ reason: 'CreateChildFailed' });
  expect(condition(job, 'Failed')?.message).toMatch(/^Failed to create Service badsvc-worker-0: .*appProtocol/);
  await api.waitForEvent(ns, 'badsvc', 'CreateChildFailed');
});

test('after all that, the controller still runs and still reconciles good jobs', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('good', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  await api.waitForPods(ns, 'good', ['good-worker-0']);
  expect(controller.hasExited).toBe(false);
  expect(await controller.probe('/healthz')).toBe(200);
  // Failed jobs are final: no reconcile loop keeps erroring on them.
  const errorsBefore = Number((await controller.metrics()).match(/kubejobs_reconcile_errors_total\{controller="genericjob"\} (\d+)/)?.[1] ?? 0);
  // A full reconcile of another job later (no fixed wait), nothing has erred meanwhile.
  await api.create(ns, genericJob('later', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  await api.waitForPods(ns, 'later', ['later-worker-0']);
  await api.waitForJob(ns, 'later', 'status written', (j) => j.status?.tasks?.[0]?.replicas?.[0]?.uid !== undefined);
  const errorsAfter = Number((await controller.metrics()).match(/kubejobs_reconcile_errors_total\{controller="genericjob"\} (\d+)/)?.[1] ?? 0);
  expect(errorsAfter).toBe(errorsBefore);
  // It ran under its own ServiceAccount: the failures above are the jobs', not missing RBAC.
  expect(controller.user).toBeDefined();
  expect(controller.forbidden()).toEqual([]);
});
