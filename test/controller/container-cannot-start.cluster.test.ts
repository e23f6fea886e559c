/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { condition, genericJob, template, TestApi } from './helpers';
import { useController } from './use-controller';
import { freshNamespace } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// A container the kubelet cannot start (here: an image that runs as root in a pod that asks for
// runAsNonRoot) is shown on the job with the kubelet's own words, instead of a job that sits
// Pending with no word why. There is no kubelet in this harness: the pod status is written as the
// kubelet writes it for this case.

const plane = useControlPlane();
const running = useController(plane);
let api: TestApi;
beforeAll(() => {
  ({ api } = running());
});

const KUBELET_MESSAGE = 'container has runAsNonRoot and image will run as root (pod: "root-worker-0_ns(uid)", container: main)';

test('CreateContainerConfigError: ReplicaFailure=True with the kubelet\'s message and a Warning Event; cleared once the pod runs', async () => {
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('root', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  const [pod] = await api.waitForPods(ns, 'root', ['root-worker-0']);
  const now = new Date().toISOString();
  await api.client.mergePatch(`/api/v1/namespaces/${ns}/pods/root-worker-0/status`, {
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
      containerStatuses: pod!.spec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting: { reason: 'CreateContainerConfigError', message: KUBELET_MESSAGE } },
      })),
    },
  });
  const stuck = await api.waitForJob(ns, 'root', 'ReplicaFailure=True', (j) => condition(j, 'ReplicaFailure')?.status === 'True');
  expect(condition(stuck, 'ReplicaFailure')).toMatchObject({
    status: 'True',
    reason: 'CreateContainerConfigError',
    message: `root-worker-0 container 'main' cannot start (CreateContainerConfigError): ${KUBELET_MESSAGE}`,
  });
  expect(stuck.status?.phase).toBe('Pending');
  await api.waitForEvent(ns, 'root', 'CreateContainerConfigError');

  await api.setPodPhase(ns, 'root-worker-0', 'Running');
  const recovered = await api.waitForJob(ns, 'root', 'ReplicaFailure=False', (j) => condition(j, 'ReplicaFailure')?.status === 'False');
  expect(recovered.status?.phase).toBe('Running');
});
