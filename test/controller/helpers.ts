import { KubeConfig } from '@kubernetes/client-node';
import type { GenericJob, GenericJobSpec, PodTemplateSpec } from '../../imports/batch.tensorstack.dev';
import { KubeClient, KubeObject } from '../../src/controller/kube-client';
import { waitFor, WaitOptions } from '../cluster/kube-helpers';
import { PodScript, podScript } from '../cluster/tiers/pod-script';

/** A Pod as tests read it. */
export interface TestPod extends KubeObject {
  spec: {
    containers: Array<{ name: string; image?: string; command?: string[]; args?: string[]; env?: Array<{ name: string; value?: string }> }>;
    initContainers?: unknown[];
    restartPolicy?: string;
    schedulerName?: string;
    nodeName?: string;
  };
  status?: { phase?: string; containerStatuses?: Array<{ name: string; state?: { terminated?: { exitCode: number; reason?: string } } }> };
}

/** The T9k scheduler's PodGroup kind, reduced to what the controller writes. */
export const POD_GROUP_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'podgroups.scheduler.tensorstack.dev' },
  spec: {
    group: 'scheduler.tensorstack.dev',
    scope: 'Namespaced',
    names: { plural: 'podgroups', singular: 'podgroup', kind: 'PodGroup', listKind: 'PodGroupList' },
    versions: [{
      name: 'v1beta1',
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
    }],
  },
};

/** A minimal runnable replica template (busybox, restricted-profile friendly). */
export function template(extra: Record<string, unknown> = {}): PodTemplateSpec {
  return {
    spec: {
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(type) $(rank)'], ...extra }],
    },
  };
}

/** A GenericJob manifest. */
export function genericJob(name: string, spec: GenericJobSpec): GenericJob {
  return { apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name }, spec };
}

/** JSON helpers against one cluster. */
export class TestApi {
  public readonly client: KubeClient;

  public constructor(kc: KubeConfig) {
    this.client = new KubeClient(kc, 'kubejobs-test');
  }

  public async create(namespace: string, job: GenericJob): Promise<GenericJob> {
    return this.client.create(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${namespace}/genericjobs`, { ...job, metadata: { ...job.metadata, namespace } });
  }

  public async job(namespace: string, name: string): Promise<GenericJob> {
    return (await this.client.get<GenericJob>(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${namespace}/genericjobs/${name}`))!;
  }

  public async patchJobSpec(namespace: string, name: string, patch: unknown): Promise<GenericJob> {
    return this.client.mergePatch(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${namespace}/genericjobs/${name}`, patch);
  }

  public async pods(namespace: string, jobName?: string): Promise<TestPod[]> {
    const list = await this.client.list<TestPod>(`/api/v1/namespaces/${namespace}/pods`, jobName ? { labelSelector: `genericjob=${jobName}` } : {});
    return list.items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  }

  public async pod(namespace: string, name: string): Promise<TestPod | undefined> {
    return this.client.get<TestPod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
  }

  public async services(namespace: string): Promise<KubeObject[]> {
    return (await this.client.list<KubeObject>(`/api/v1/namespaces/${namespace}/services`)).items;
  }

  /** Sets a pod's phase as a kubelet would (containers terminated with `exitCode` when finished). */
  public async setPodPhase(
    namespace: string, name: string, phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', options: { scheduled?: boolean } = {},
  ): Promise<TestPod> {
    const pod = await this.pod(namespace, name);
    if (!pod) throw new Error(`pod ${namespace}/${name} does not exist`);
    const now = new Date().toISOString();
    const state = phase === 'Running'
      ? { running: { startedAt: now } }
      : phase === 'Succeeded' || phase === 'Failed'
        ? { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: now, finishedAt: now } }
        : { waiting: { reason: 'ContainerCreating' } };
    const scheduled = options.scheduled ?? phase !== 'Pending';
    return this.client.mergePatch(`/api/v1/namespaces/${namespace}/pods/${name}/status`, {
      status: {
        phase,
        conditions: scheduled ? [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }] : [],
        ...(phase === 'Pending' && !scheduled ? {} : {
          startTime: now,
          containerStatuses: pod.spec.containers.map((c) => ({
            name: c.name, image: c.image ?? 'busybox', imageID: '', ready: phase === 'Running', restartCount: 0, state,
          })),
        }),
      },
    });
  }

  /**
   * Changes the life of a running pod on a KWOK node (the `scheduling` tier): its pod-script
   * annotations, which KWOK acts on at once, e.g. `{ exitCode: 0 }` to let it succeed now.
   */
  public async scriptPod(namespace: string, name: string, script: PodScript): Promise<TestPod> {
    return this.client.mergePatch(`/api/v1/namespaces/${namespace}/pods/${name}`, { metadata: { annotations: podScript(script) } });
  }

  /** Waits for the job to satisfy `test`; the last status is in the timeout message. */
  public async waitForJob(
    namespace: string, name: string, what: string, test: (job: GenericJob) => boolean, options: WaitOptions = {},
  ): Promise<GenericJob> {
    let last: GenericJob | undefined;
    try {
      return await waitFor(`${namespace}/${name}: ${what}`, async () => {
        last = await this.job(namespace, name);
        return test(last) ? last : undefined;
      }, { timeoutMs: 30_000, ...options });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
    }
  }

  /** Waits until the job's pods are exactly `names`. */
  public async waitForPods(namespace: string, jobName: string, names: string[], options: WaitOptions = {}): Promise<TestPod[]> {
    let seen: string[] = [];
    try {
      return await waitFor(`pods of ${namespace}/${jobName}`, async () => {
        const pods = (await this.pods(namespace, jobName)).filter((p) => !p.metadata?.deletionTimestamp);
        seen = pods.map((p) => p.metadata!.name!);
        return JSON.stringify(seen) === JSON.stringify([...names].sort()) ? pods : undefined;
      }, { timeoutMs: 30_000, ...options });
    } catch (err) {
      throw new Error(`${(err as Error).message}; pods seen: ${JSON.stringify(seen)}, expected ${JSON.stringify(names)}`);
    }
  }

  /** Reasons of the Events recorded on the object named `name`. */
  public async eventReasons(namespace: string, name: string): Promise<string[]> {
    return eventReasons(this.client, namespace, name);
  }

  /** See {@link waitForEvent}. */
  public async waitForEvent(namespace: string, name: string, reason: string, options: WaitOptions = {}): Promise<void> {
    return waitForEvent(this.client, namespace, name, reason, options);
  }
}

/** The condition `type` of a job. */
export function condition(job: GenericJob, type: string) {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** Reasons of the Events recorded on the object named `name`. */
export async function eventReasons(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  const list = await client.list<{ reason?: string; involvedObject?: { name?: string } }>(`/api/v1/namespaces/${namespace}/events`);
  return list.items.filter((e) => e.involvedObject?.name === name).map((e) => e.reason ?? '');
}

/**
 * Waits until an Event with `reason` names the object. The controller records Events after it
 * writes status, so a test that has just seen the status must wait for the Event, not read once.
 */
export async function waitForEvent(client: KubeClient, namespace: string, name: string, reason: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(`a ${reason} Event on ${namespace}/${name}`, async () => (await eventReasons(client, namespace, name)).includes(reason), options);
}
