import type { RadixBatchJobPodStatus } from '../../../imports/kubejobs.dev';
import { cannotStart } from '../container-waiting';
import { KubeObject } from '../kube-client';

interface ContainerState {
  readonly running?: { startedAt?: string };
  readonly waiting?: { reason?: string; message?: string };
  readonly terminated?: { exitCode?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

/** A pod of a batch job as the controller reads it. */
export interface ObservedPod extends KubeObject {
  readonly spec?: { readonly containers?: ReadonlyArray<{ name: string; image?: string }> };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly startTime?: string;
    readonly conditions?: ReadonlyArray<{ type: string; status: string; reason?: string; message?: string }>;
    readonly containerStatuses?: ReadonlyArray<{ name: string; image?: string; imageID?: string; restartCount?: number; state?: ContainerState }>;
  };
}

const POD_PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed']);

/**
 * Why a pod is not running or did not succeed, in one line, or undefined when nothing went wrong
 * (Radix back-fills a job's message from its pod; kubejobs reads the pod's own status instead of
 * its Events): the job container's termination (its reason, termination message and exit code; an
 * out-of-memory kill says the memory limit is likely too low), a container that cannot start
 * (e.g. `ImagePullBackOff`), a pod-level reason (e.g. `DeadlineExceeded`, `Evicted`), or a pod that
 * cannot be scheduled. The container's termination message is the program's own text, never the
 * payload kubejobs mounted.
 */
export function podProblem(pod: ObservedPod, containerName: string): string | undefined {
  const status = pod.status ?? {};
  const container = status.containerStatuses?.find((c) => c.name === containerName) ?? status.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  if (terminated && (terminated.exitCode ?? 0) !== 0) {
    const reason = terminated.reason || 'Error';
    const text = terminated.message?.trim();
    if (reason === 'OOMKilled') return `Memory limit is probably too low. Error: OOMKilled, exit code ${terminated.exitCode}${text ? `: ${text}` : ''}`;
    return `${reason}, exit code ${terminated.exitCode}${text ? `: ${text}` : ''}`;
  }
  const stuck = cannotStart(container?.state?.waiting);
  if (stuck) return stuck.message ? `${stuck.reason}: ${stuck.message}` : stuck.reason;
  if (status.reason || status.message) return [status.reason, status.message].filter(Boolean).join(': ');
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.message) return `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message}`;
  return undefined;
}

/**
 * The pods of a job as Radix's `podStatuses` (B5): oldest first, `podIndex` their position; the
 * job container's start, end, exit code, restarts and image; `reason`/`message` from the container
 * or the pod.
 */
export function podStatuses(pods: readonly ObservedPod[], containerName: string): RadixBatchJobPodStatus[] {
  const sorted = [...pods].sort((a, b) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? ''))
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  return sorted.map((pod, index) => {
    const status = pod.status ?? {};
    const container = status.containerStatuses?.find((c) => c.name === containerName) ?? status.containerStatuses?.[0];
    const state = container?.state ?? {};
    const phase = POD_PHASES.has(status.phase ?? '') ? status.phase as RadixBatchJobPodStatus['phase'] : 'Pending';
    return strip({
      name: pod.metadata!.name!,
      phase,
      reason: state.terminated?.reason || state.waiting?.reason || status.reason || undefined,
      message: podProblem(pod, containerName),
      exitCode: state.terminated?.exitCode ?? 0,
      creationTime: pod.metadata?.creationTimestamp as string | undefined,
      startTime: state.running?.startedAt ?? state.terminated?.startedAt ?? status.startTime,
      endTime: state.terminated?.finishedAt,
      restartCount: container?.restartCount || undefined,
      image: container?.image || pod.spec?.containers?.find((c) => c.name === containerName)?.image,
      imageID: container?.imageID || undefined,
      podIndex: index,
    });
  });
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
