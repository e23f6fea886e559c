import * as fs from 'node:fs';
import * as path from 'node:path';
import { POD_EXIT_CODE, POD_EXIT_REASON, POD_RUN_FOR, POD_START_AFTER } from './pod-script';
import { kustomizationFiles, Manifest, readManifests } from './upstream-manifests';

/**
 * The KWOK configuration of the `scheduling` tier: KWOK's own option values (it refuses a config
 * without them, e.g. "node leases parallelism must be greater than 0") and its Stages.
 *
 * Stages come from KWOK's own `kustomize/stage` directory, which build-tier-binaries.sh copies
 * next to the binary (`<kwokManifestsDir>/stage/...`), read at run time so they follow the pinned
 * version; the repository holds only the parts that are ours:
 *
 * - nodes: upstream `node/fast` (`node-initialize`: Ready, addresses, nodeInfo; capacity stays
 *   what the test created the node with) and `node/heartbeat`, whose delay we shorten to 10 s:
 *   upstream's 20 s plus up to 25 s jitter comes close to kube-controller-manager's node-monitor
 *   grace period, and a missed heartbeat makes `nodelifecycle` taint the node NotReady.
 * - pods: upstream `pod/fast` `pod-ready` (bound and Pending -> Running and Ready, with readiness
 *   gates and sidecar init containers) delayed by our {@link POD_START_AFTER} annotation, and
 *   upstream `pod-delete`. Upstream's `pod-complete` (every Job pod Succeeded at once) is replaced
 *   by our `pod-exit`: Running with {@link POD_EXIT_CODE} -> Succeeded or Failed with that exit code,
 *   after {@link POD_RUN_FOR}. Pods without an exit code run until deleted.
 *
 * Node leases are off (`nodeLeaseDurationSeconds: 0`): a restarted KWOK would otherwise wait for
 * the old holder's lease and leave new pods Pending meanwhile.
 */
export function kwokConfigDocuments(kwokManifestsDir: string): Record<string, unknown>[] {
  const upstream = (dir: string): Manifest[] => {
    const full = path.join(kwokManifestsDir, 'stage', dir);
    if (!fs.existsSync(path.join(full, 'kustomization.yaml'))) {
      throw new Error(`KWOK's stage manifests are not at ${full}: build-tier-binaries.sh copies KWOK's kustomize/ directory ` +
        'next to its binary; rebuild it with `bash test/cluster/build-tier-binaries.sh --force kwok`');
    }
    return readManifests(...kustomizationFiles(full));
  };
  const named = (stages: Manifest[], name: string, dir: string): Manifest => {
    const s = stages.find((o) => o.kind === 'Stage' && o.metadata.name === name);
    if (!s) throw new Error(`KWOK stage '${name}' not found in ${path.join(kwokManifestsDir, 'stage', dir)} (found: ${stages.map((o) => o.metadata.name).join(', ')})`);
    return s;
  };
  const nodeFast = upstream('node/fast');
  const heartbeat = named(upstream('node/heartbeat'), 'node-heartbeat', 'node/heartbeat');
  const podFast = upstream('pod/fast');
  const podReady = named(podFast, 'pod-ready', 'pod/fast');
  return [
    {
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      kind: 'KwokConfiguration',
      options: {
        enableProfilingHandler: false,
        enableDebuggingHandlers: true,
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
        // Pod logs are KWOK `Logs` objects (the tier's setPodLog).
        enableCRDs: ['Logs'],
      },
    },
    named(nodeFast, 'node-initialize', 'node/fast'),
    { ...heartbeat, spec: { ...heartbeat.spec, delay: { durationMilliseconds: 10_000 } } },
    { ...podReady, spec: { ...podReady.spec, delay: annotationDelay(POD_START_AFTER) } },
    named(podFast, 'pod-delete', 'pod/fast'),
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: 'pod-exit' },
      spec: {
        resourceRef: { apiGroup: 'v1', kind: 'Pod' },
        selector: {
          matchExpressions: [
            { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
            { key: '.status.phase', operator: 'In', values: ['Running'] },
            { key: annotation(POD_EXIT_CODE), operator: 'Exists' },
          ],
        },
        delay: annotationDelay(POD_RUN_FOR),
        next: { statusTemplate: POD_EXITED },
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
