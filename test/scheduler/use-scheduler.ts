import { installScheduler, SchedulerInstall, SchedulerProcess } from './scheduler-process';
import { crdManifestOf, GENERIC_JOB, KUBEJOBS_DEFINITIONS, RADIX_BATCH } from '../../src/api';
import { KubeClient, KubeObject } from '../../src/controller/kube-client';
import { RadixJobSchedulerProps } from '../../src/radix-job-scheduler';
import { ControlPlane } from '../cluster/control-plane';
import { applyManifests, freshNamespace, waitFor, waitForCrdsEstablished } from '../cluster/kube-helpers';
import { ControllerProcess } from '../controller/controller-process';

/** Props of the construct that the harness sets itself. */
export type SchedulerProps = Omit<RadixJobSchedulerProps, 'namespace' | 'schedulerPort'>;

/** The job component most tests use: the seed's `compute` job with a payload path and a port. */
export const COMPUTE: SchedulerProps = {
  name: 'compute',
  image: 'registry.example.com/compute:1.0',
  payloadPath: '/compute/args',
  ports: [{ name: 'http', port: 3000 }],
};

/** What {@link useScheduler} hands a test. */
export interface RunningScheduler {
  readonly namespace: string;
  readonly install: SchedulerInstall;
  readonly scheduler: SchedulerProcess;
  readonly controller: ControllerProcess;
  /** Admin client. */
  readonly kube: KubeClient;
}

/**
 * beforeAll: the RadixBatch CRD, `kubejobs controller` under its own ServiceAccount, a namespace
 * enforcing Pod Security "restricted", and `kubejobs job-scheduler` for `props` with exactly the
 * ServiceAccount, Role and args the RadixJobScheduler construct emits. afterAll stops both.
 */
export function useScheduler(
  plane: () => ControlPlane,
  props: SchedulerProps | (() => SchedulerProps) = COMPUTE,
): () => RunningScheduler {
  let running: RunningScheduler | undefined;
  beforeAll(async () => {
    const kc = plane().kubeConfig;
    // The controller watches every kind it reconciles.
    await applyManifests(kc, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
    await waitForCrdsEstablished(kc, [`${RADIX_BATCH.plural}.${RADIX_BATCH.group}`, `${GENERIC_JOB.plural}.${GENERIC_JOB.group}`]);
    const controller = await ControllerProcess.start(plane());
    await controller.waitReady();
    const namespace = await freshNamespace(kc, { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const install = await installScheduler(plane(), namespace, typeof props === 'function' ? props() : props);
    const scheduler = await SchedulerProcess.start(install);
    running = { namespace, install, scheduler, controller, kube: new KubeClient(kc, 'kubejobs-test') };
  }, 300_000);
  afterAll(async () => {
    if (!running) return;
    const exits = await Promise.all([running.scheduler.stop(), running.controller.stop()]);
    if (exits[0].code !== 0) process.stderr.write(`job-scheduler exited with ${JSON.stringify(exits[0])}:\n${running.scheduler.logTail()}\n`);
    if (exits[1].code !== 0) process.stderr.write(`controller exited with ${JSON.stringify(exits[1])}:\n${running.controller.logTail()}\n`);
  });
  return () => {
    if (!running) throw new Error('the job-scheduler is not running (did beforeAll fail?)');
    return running;
  };
}

/** A Kubernetes object as tests read it. */
export type Obj = KubeObject & { spec?: any; status?: any; data?: Record<string, string> };

/** Kubernetes API paths of a namespace. */
export function paths(ns: string) {
  return {
    batches: `/apis/kubejobs.dev/v1/namespaces/${ns}/radixbatches`,
    batch: (n: string) => `/apis/kubejobs.dev/v1/namespaces/${ns}/radixbatches/${n}`,
    jobs: `/apis/batch/v1/namespaces/${ns}/jobs`,
    job: (n: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${n}`,
    secret: (n: string) => `/api/v1/namespaces/${ns}/secrets/${n}`,
    secrets: `/api/v1/namespaces/${ns}/secrets`,
    service: (n: string) => `/api/v1/namespaces/${ns}/services/${n}`,
    pods: `/api/v1/namespaces/${ns}/pods`,
  };
}

/** Waits for the pod the job controller creates for Job `jobName`. */
export async function podOf(kube: KubeClient, ns: string, jobName: string): Promise<Obj> {
  return waitFor(`a pod of Job ${jobName}`, async () => {
    const list = await kube.list<Obj>(paths(ns).pods, { labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    return list.items[0];
  });
}

/** Sets a pod's status as a kubelet would: Running and ready, or terminated with an exit code. */
export async function setPod(kube: KubeClient, ns: string, pod: Obj, state: { running: true } | { exitCode: number }): Promise<void> {
  const now = new Date().toISOString();
  const container = (pod.spec.containers as Array<{ name: string; image: string }>)[0]!;
  const running = 'running' in state;
  const terminated = running ? undefined : { exitCode: state.exitCode, reason: state.exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now };
  await kube.mergePatch(`${paths(ns).pods}/${pod.metadata!.name}/status`, {
    status: {
      phase: running ? 'Running' : state.exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: now },
      ],
      containerStatuses: [{
        name: container.name,
        image: container.image,
        imageID: '',
        ready: running,
        restartCount: 0,
        started: running,
        state: running ? { running: { startedAt: now } } : { terminated },
      }],
    },
  });
}
