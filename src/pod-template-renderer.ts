import { ApiObject, App, Chart, resolve } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { PodTemplateSpec } from '../imports/batch.tensorstack.dev';

/** Pod-level properties of a replica: everything a cdk8s-plus `Pod` takes except its restart policy. */
export interface ReplicaPodProps extends Omit<kplus.AbstractPodProps, 'restartPolicy' | 'metadata'> {
  /**
   * Labels and annotations of the replica's pods.
   *
   * @default - none beyond what the controller adds
   */
  readonly podMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
}

/**
 * What a replica's pod runs as unless its props say otherwise: what the image says, as a
 * batch/v1 Job's pod would. cdk8s-plus would make every container `runAsNonRoot` with a read-only
 * root filesystem; most training images (PyTorch, TensorFlow, CUDA bases, `python:*`) run as root
 * and write to their filesystem, so the kubelet would refuse to start them
 * (`CreateContainerConfigError: container has runAsNonRoot and image will run as root`). Privilege
 * escalation stays off and no container is privileged (cdk8s-plus' defaults). Set `securityContext`
 * on the replica or a container to harden it (e.g. `{ ensureNonRoot: true, user: 1000 }`).
 *
 * The "as the image says" default is said once, at pod level (`runAsNonRoot: false`). A container
 * carries `runAsNonRoot` only when its own props set `ensureNonRoot`: a container-level value
 * overrides the pod's, so a default `false` there would undo a replica's pod-level hardening (and
 * Pod Security "restricted" rejects any container with `runAsNonRoot: false`).
 */
const TRAINING_POD_SECURITY_DEFAULTS: kplus.PodSecurityContextProps = { ensureNonRoot: false };
const TRAINING_CONTAINER_SECURITY_DEFAULTS: kplus.ContainerSecurityContextProps = { ensureNonRoot: false, readOnlyRootFilesystem: false };

function withTrainingSecurityDefaults(container: kplus.ContainerProps): kplus.ContainerProps {
  return { ...container, securityContext: { ...TRAINING_CONTAINER_SECURITY_DEFAULTS, ...container.securityContext } };
}

/**
 * Renders a pod template the way cdk8s-plus renders a Pod (container defaults, volumes from
 * mounts, security context, ...), so replica specs are "cdk8s-plus containers" with the same
 * behaviour users know. The Pod is built in a private, never-synthesised app: only its spec is
 * kept.
 *
 * The spec is taken as the Pod's own `toJson()` makes it (its tokens resolved, then converted to
 * the wire format), without the rest of `toJson()` (metadata, sorting, pruning of empty values):
 * the job's own `toJson()` does that for the whole object, and doing it twice was a fifth of a
 * GenericJob's synth (issue 14). Fields left `undefined` here are pruned there.
 */
export function renderPodTemplate(props: ReplicaPodProps): PodTemplateSpec {
  const { podMetadata, ...podProps } = props;
  const scratch = new Chart(new App(), 'template');
  // A fixed name: the scratch Pod is never emitted, and a generated one costs a hash per replica.
  const pod = new kplus.Pod(scratch, 'Pod', {
    ...podProps,
    securityContext: { ...TRAINING_POD_SECURITY_DEFAULTS, ...podProps.securityContext },
    containers: podProps.containers?.map(withTrainingSecurityDefaults),
    initContainers: podProps.initContainers?.map(withTrainingSecurityDefaults),
    metadata: { name: 'template' },
    restartPolicy: kplus.RestartPolicy.NEVER,
  });
  const spec = kplus.k8s.toJson_PodSpec(resolve(['spec'], pod._toPodSpec(), pod.node.defaultChild as ApiObject)) as PodTemplateSpec['spec'];
  leaveRunAsNonRootToPod(spec.containers, podProps.containers);
  leaveRunAsNonRootToPod(spec.initContainers, podProps.initContainers);
  const metadata = podMetadata && (podMetadata.labels || podMetadata.annotations)
    ? JSON.parse(JSON.stringify({ labels: podMetadata.labels, annotations: podMetadata.annotations }))
    : undefined;
  return metadata ? { metadata, spec } : { spec };
}

/**
 * Drops the container-level `runAsNonRoot` cdk8s-plus writes for every container (it always
 * renders `ensureNonRoot`), unless the user's container props set it: the pod-level value (the
 * default or the replica's `securityContext`) then decides, as Kubernetes resolves it.
 */
function leaveRunAsNonRootToPod(rendered: readonly object[] | undefined, given: readonly kplus.ContainerProps[] | undefined): void {
  // cdk8s-plus renders a Pod's containers in the order given (names may be generated, so by index).
  (rendered as ReadonlyArray<{ securityContext?: { runAsNonRoot?: boolean } }> | undefined ?? []).forEach((container, i) => {
    if (container.securityContext && given?.[i]?.securityContext?.ensureNonRoot === undefined) delete container.securityContext.runAsNonRoot;
  });
}
