import { POD_EXIT_CODE, POD_EXIT_REASON, POD_RUN_FOR, POD_START_AFTER } from './pod-script';

/**
 * The KWOK configuration of the `scheduling` tier: KWOK's own option values (it refuses a config
 * without them, e.g. "node leases parallelism must be greater than 0"), and our Stages, written
 * from KWOK's Stage API (kwok.x-k8s.io/v1alpha1):
 *
 * - nodes: `node-initialize` (Ready, addresses, the capacity the test gave) and `node-heartbeat`
 *   every 10 s, well inside kube-controller-manager's 40 s node-monitor grace period, so
 *   `nodelifecycle` never marks a node NotReady.
 * - pods: `pod-running` (bound and Pending -> Running and Ready, after {@link POD_START_AFTER}),
 *   `pod-exit` (Running with {@link POD_EXIT_CODE} -> Succeeded or Failed with that exit code, after
 *   {@link POD_RUN_FOR}), `pod-delete` (a deleted pod without finalizers goes away, as a kubelet
 *   confirms it). Pods without an exit code run until deleted.
 *
 * Node leases are off (`nodeLeaseDurationSeconds: 0`): a restarted KWOK would otherwise wait for
 * the old holder's lease and leave new pods Pending meanwhile.
 */
export function kwokConfigDocuments(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      kind: 'KwokConfiguration',
      options: {
        enableProfilingHandler: false,
        enableContentionProfiling: false,
        enablePodsOnNodeSyncListPager: false,
        enablePodsOnNodeSyncStreamWatch: true,
        nodeLeaseParallelism: 4,
        podPlayStageParallelism: 4,
        nodePlayStageParallelism: 4,
        cidr: '10.244.0.0/16',
        manageAllNodes: false,
        manageNodesWithAnnotationSelector: `${KWOK_NODE_ANNOTATION}=fake`,
        manageNodesWithLabelSelector: '',
        manageSingleNode: '',
        nodeLeaseDurationSeconds: 0,
        enableCRDs: [],
      },
    },
    stage('node-initialize', 'Node', [
      { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['True'] },
    ], undefined, NODE_STATUS),
    stage('node-heartbeat', 'Node', [
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'In', values: ['True'] },
    ], { durationMilliseconds: 10_000 }, NODE_CONDITIONS, { immediateNextStage: true }),
    stage('pod-running', 'Pod', [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.status.phase', operator: 'In', values: ['Pending'] },
      { key: '.status.containerStatuses.[].state.running.startedAt', operator: 'DoesNotExist' },
    ], annotationDelay(POD_START_AFTER), POD_RUNNING),
    stage('pod-exit', 'Pod', [
      { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      { key: annotation(POD_EXIT_CODE), operator: 'Exists' },
    ], annotationDelay(POD_RUN_FOR), POD_EXITED),
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: 'pod-delete' },
      spec: {
        resourceRef: { apiGroup: 'v1', kind: 'Pod' },
        selector: {
          matchExpressions: [
            { key: '.metadata.deletionTimestamp', operator: 'Exists' },
            { key: '.metadata.finalizers', operator: 'DoesNotExist' },
          ],
        },
        next: { delete: true },
      },
    },
  ];
}

/** The annotation KWOK manages nodes by (`<annotation>=fake`). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** jq: the per-pod annotation `<key>.<pod name>`, else `<key>`. */
function annotation(key: string): string {
  return `(.metadata.annotations["${key}." + .metadata.name] // .metadata.annotations["${key}"])`;
}

/** Go template: the same lookup as {@link annotation}, into `$var`. */
function templateAnnotation(variable: string, key: string): string {
  return `{{ $${variable} := or (index .metadata.annotations (printf "%s.%s" "${key}" .metadata.name)) (index .metadata.annotations "${key}") }}`;
}

function annotationDelay(key: string): Record<string, unknown> {
  return { durationMilliseconds: 0, durationFrom: { expressionFrom: annotation(key) } };
}

function stage(
  name: string, kind: 'Pod' | 'Node', matchExpressions: Record<string, unknown>[],
  delay: Record<string, unknown> | undefined, statusTemplate: string, extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind },
      selector: { matchExpressions },
      ...(delay ? { delay } : {}),
      next: { statusTemplate },
      ...extra,
    },
  };
}

const NODE_CONDITIONS = `{{ $now := Now }}
{{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $lastTransitionTime | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
`;

// Capacity and allocatable stay what the test created the node with.
const NODE_STATUS = `${NODE_CONDITIONS}
addresses:
{{ with NodeIP }}
- address: {{ . | Quote }}
  type: InternalIP
{{ end }}
{{ with NodeName }}
- address: {{ . | Quote }}
  type: Hostname
{{ end }}
{{ with NodePort }}
daemonEndpoints:
  kubeletEndpoint:
    Port: {{ . }}
{{ end }}
nodeInfo:
  architecture: amd64
  containerRuntimeVersion: kwok
  kernelVersion: kwok
  kubeProxyVersion: kwok
  kubeletVersion: kwok
  operatingSystem: linux
phase: Running
`;

const POD_RUNNING = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      finishedAt: {{ $now | Quote }}
      reason: Completed
      startedAt: {{ $now | Quote }}
{{ end }}
{{ with NodeIPWith .spec.nodeName }}
hostIP: {{ . | Quote }}
{{ end }}
{{ with PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ . | Quote }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
`;

const POD_EXITED = `{{ $now := Now }}
{{ $root := . }}
${templateAnnotation('code', POD_EXIT_CODE)}
${templateAnnotation('reason', POD_EXIT_REASON)}
{{ if not $reason }}{{ if eq $code "0" }}{{ $reason = "Completed" }}{{ else }}{{ $reason = "Error" }}{{ end }}{{ end }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: PodCompleted
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "False"
  reason: PodCompleted
  type: ContainersReady
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: {{ $code }}
      reason: {{ $reason | Quote }}
      startedAt: {{ or $root.status.startTime $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: {{ if eq $code "0" }}Succeeded{{ else }}Failed{{ end }}
`;
