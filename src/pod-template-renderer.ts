import { ApiObject, ApiObjectMetadataDefinition, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { PodTemplateSpec } from '../imports/batch.tensorstack.dev';
import { NVIDIA_GPU } from './api/pod-template';
import { resolveBuiltIn } from './internal/fast-render';

/** Pod-level properties of a replica: everything a cdk8s-plus `Pod` takes except its restart policy. */
export interface ReplicaPodProps extends Omit<kplus.AbstractPodProps, 'restartPolicy' | 'metadata'> {
  /**
   * Labels and annotations of the replica's pods.
   *
   * @default - none beyond what the controller adds
   */
  readonly podMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };

  /**
   * NVIDIA GPUs of each pod: the `nvidia.com/gpu` request and limit (equal, as Kubernetes requires
   * of an extended resource) of its first container, the one that trains; sidecars and init
   * containers get none. Written in the template itself, so a tool reading the job's requests (a
   * queue, a quota) sees them. A cdk8s-plus container has no extended resources, hence a prop here;
   * named as AppWrapperJob's. Give that container `resources` too: without them cdk8s-plus sets
   * its defaults (CPU 1000m request and 1500m limit, memory 512Mi request and 2Gi limit), small
   * for most GPU training.
   *
   * @default - no GPUs
   */
  readonly gpusPerPod?: number;
}

/**
 * What a replica's pod runs as unless its props say otherwise: Pod Security "restricted", so the
 * pod is admitted in a namespace that enforces it. Non-root (pod-level `runAsNonRoot: true`, the
 * cdk8s-plus default), no privilege escalation, not privileged, every capability dropped, the
 * runtime's default seccomp profile. The root filesystem stays writable ("restricted" does not ask
 * for a read-only one, and training code writes caches and checkpoints next to itself).
 *
 * An image that runs as root (PyTorch, TensorFlow, CUDA bases, `python:*`) then needs a user:
 * `securityContext: { user: 1000 }` on the replica runs it as UID 1000; or it may run as root with
 * `securityContext: { ensureNonRoot: false }` (not admitted where "restricted" is enforced).
 * Without either, the kubelet refuses to start it (`CreateContainerConfigError: container has
 * runAsNonRoot and image will run as root`), which the controller shows on the job's status.
 *
 * Non-root is said once, at pod level. A container carries `runAsNonRoot` only when its own props
 * set `ensureNonRoot`: a container-level value overrides the pod's, so a default there would undo a
 * replica's pod-level relaxation.
 */
const TRAINING_CONTAINER_SECURITY_DEFAULTS: kplus.ContainerSecurityContextProps = {
  readOnlyRootFilesystem: false,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

function withTrainingSecurityDefaults(container: kplus.ContainerProps): kplus.ContainerProps {
  const own = container.securityContext;
  // Capabilities merge a level deeper: `add: [NET_BIND_SERVICE]` (which "restricted" allows) keeps
  // the default `drop: [ALL]` unless the user sets `drop` too.
  const defaults = TRAINING_CONTAINER_SECURITY_DEFAULTS.capabilities;
  const capabilities = own?.capabilities ? { ...defaults, ...own.capabilities } : defaults;
  return { ...container, securityContext: { ...TRAINING_CONTAINER_SECURITY_DEFAULTS, ...own, capabilities } };
}

/**
 * Renders a pod template the way cdk8s-plus renders a Pod (container defaults, volumes from
 * mounts, security context, ...), so replica specs are "cdk8s-plus containers" with the same
 * behaviour users know. Only the pod spec is kept: it is `_toPodSpec()` of a cdk8s-plus
 * `AbstractPod` (which a `Pod` renders too), its tokens resolved, then converted to the wire
 * format, as the Pod's own `toJson()` does.
 *
 * Issue 14 (synth cost): the pod is a {@link PodSpecRenderer}, an `AbstractPod` without the `Pod`'s
 * API object, generated name and address label (a hash of its path), in one private,
 * never-synthesised chart shared by every rendering (a fresh App, chart and `Pod` per replica were
 * a sixth of a GenericJob's synth). None of what it leaves out is part of the spec. The rest of the
 * Pod's `toJson()` (metadata, sorting, pruning of empty values) is the job's own `toJson()`'s
 * business, for the whole object: fields left `undefined` here are pruned there.
 */
export function renderPodTemplate(props: ReplicaPodProps): PodTemplateSpec {
  const { podMetadata, gpusPerPod, ...podProps } = props;
  const { chart, context } = scratchChart();
  let spec: PodTemplateSpec['spec'];
  try {
    const renderer = new PodSpecRenderer(chart, {
      ...podProps,
      containers: podProps.containers?.map(withTrainingSecurityDefaults),
      initContainers: podProps.initContainers?.map(withTrainingSecurityDefaults),
      restartPolicy: kplus.RestartPolicy.NEVER,
    });
    // cdk8s' resolve, faster: the scratch App has cdk8s' built-in resolvers only.
    spec = kplus.k8s.toJson_PodSpec(resolveBuiltIn(['spec'], renderer._toPodSpec(), context) as kplus.k8s.PodSpec) as PodTemplateSpec['spec'];
  } finally {
    // Rendered (or refused by cdk8s-plus): the shared chart keeps nothing of it, and the next
    // rendering reuses the id.
    chart.node.tryRemoveChild(PodSpecRenderer.ID);
  }
  leaveRunAsNonRootToPod(spec.containers, podProps.containers);
  leaveRunAsNonRootToPod(spec.initContainers, podProps.initContainers);
  leavePullPolicyToKubernetes(spec.containers, podProps.containers);
  leavePullPolicyToKubernetes(spec.initContainers, podProps.initContainers);
  if (gpusPerPod && spec.containers[0]) {
    // A quantity is a string on the wire, as the API server writes it back.
    const gpus = String(gpusPerPod);
    const main = spec.containers[0] as { resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } };
    main.resources = {
      ...main.resources,
      limits: { ...main.resources?.limits, [NVIDIA_GPU]: gpus },
      requests: { ...main.resources?.requests, [NVIDIA_GPU]: gpus },
    };
  }
  const metadata = podMetadata && (podMetadata.labels || podMetadata.annotations)
    ? JSON.parse(JSON.stringify({ labels: podMetadata.labels, annotations: podMetadata.annotations }))
    : undefined;
  return metadata ? { metadata, spec } : { spec };
}

/**
 * The private chart pod specs are rendered in, never synthesised, and the API object the spec's
 * tokens are resolved for: its App's resolvers are cdk8s' defaults, as they were in the `Pod`'s
 * own never-synthesised App.
 */
let scratch: { readonly chart: Chart; readonly context: ApiObject } | undefined;

function scratchChart(): { readonly chart: Chart; readonly context: ApiObject } {
  if (!scratch) {
    const chart = new Chart(new App(), 'template');
    scratch = { chart, context: new ApiObject(chart, 'context', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'template' } }) };
  }
  return scratch;
}

/**
 * A cdk8s-plus pod that is only rendered to a pod spec: what an `AbstractPod` holds (containers,
 * volumes, security context, DNS, ...), without an API object of its own.
 */
class PodSpecRenderer extends kplus.AbstractPod {
  /** Its id in the scratch chart, where one renderer at a time exists. */
  public static readonly ID = 'Pod';

  public readonly resourceType = 'pods';

  public constructor(scope: Chart, props: kplus.AbstractPodProps) {
    super(scope, PodSpecRenderer.ID, props);
  }

  /** Never read: only the spec is rendered. */
  protected get apiObject(): ApiObject {
    throw new Error('PodSpecRenderer renders a pod spec only: it has no API object');
  }

  /** Never read: only the spec is rendered. */
  public get podMetadata(): ApiObjectMetadataDefinition {
    throw new Error('PodSpecRenderer renders a pod spec only: it has no metadata');
  }
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

/**
 * Drops the `imagePullPolicy: Always` cdk8s-plus writes for every container, unless the user's
 * container props set it: the API server then applies Kubernetes' own rule (`Always` for a
 * `:latest` or untagged image, `IfNotPresent` otherwise), so a pinned image is not pulled again for
 * every pod and a node that already has it needs no registry.
 */
function leavePullPolicyToKubernetes(rendered: readonly object[] | undefined, given: readonly kplus.ContainerProps[] | undefined): void {
  (rendered as ReadonlyArray<{ imagePullPolicy?: string }> | undefined ?? []).forEach((container, i) => {
    if (given?.[i]?.imagePullPolicy === undefined) delete container.imagePullPolicy;
  });
}
