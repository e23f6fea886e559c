/**
 * Why a container is not running, as the kubelet says it: one rule for every controller that
 * reports pods (a GenericJob's `ReplicaFailure`, a Radix batch job's message).
 */

/** A container's `state.waiting`, as the kubelet writes it. */
export interface ContainerWaiting {
  readonly reason?: string;
  readonly message?: string;
}

/** Waiting reasons of a container that is starting normally: not worth a word. */
export const ROUTINE_WAITING_REASONS: ReadonlySet<string> = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * The reason and the kubelet's message when a container waits for anything but a normal start
 * (e.g. `CreateContainerConfigError` for a root image under `runAsNonRoot`, `ImagePullBackOff`,
 * `ErrImagePull`, `ErrImageNeverPull`, `InvalidImageName`, `CreateContainerError`,
 * `RunContainerError`, `CrashLoopBackOff`): it will not start without a change to the job or the
 * cluster (a pull secret, an image name, a security context). Undefined while it starts normally.
 */
export function cannotStart(waiting: ContainerWaiting | undefined): { reason: string; message?: string } | undefined {
  if (!waiting?.reason || ROUTINE_WAITING_REASONS.has(waiting.reason)) return undefined;
  return waiting.message ? { reason: waiting.reason, message: waiting.message } : { reason: waiting.reason };
}
