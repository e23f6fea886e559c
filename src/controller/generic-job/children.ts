import type { Container, GenericJob, ReplicaSpec } from '../../../imports/batch.tensorstack.dev';
import { controllerReferenceTo, KubeObject } from '../kube-client';
import { expandT9kVariables } from './variables';

/** Labels T9k puts on a GenericJob's pods and Services. */
export const LABELS = {
  job: 'genericjob',
  replica: 'genericjob-replica',
  component: 'tensorstack.dev/component',
  componentType: 'tensorstack.dev/component-type',
  groupName: 'scheduler.tensorstack.dev/group-name',
  queue: 'scheduler.tensorstack.dev/queue',
  role: 'scheduler.tensorstack.dev/role',
} as const;

/** Selects every child of every GenericJob (the owned informers watch only these). */
export const CHILD_SELECTOR = `${LABELS.component}=genericjob`;

/** The scheduler name of pods scheduled by the T9k scheduler. */
export const T9K_SCHEDULER_NAME = 't9k-scheduler';

/** The default debug command. */
export const DEFAULT_DEBUG_COMMAND = ['sleep', 'inf'];

/** One replica of the job: a (type, rank) pair and its pod/Service name. */
export interface Replica {
  readonly type: string;
  readonly rank: number;
  readonly name: string;
  readonly spec: ReplicaSpec;
}

/** The job's replicas in spec order, ranks ascending. */
export function replicasOf(job: GenericJob): Replica[] {
  const out: Replica[] = [];
  for (const spec of job.spec.replicaSpecs ?? []) {
    for (let rank = 0; rank < (spec.replicas ?? 1); rank++) {
      out.push({ type: spec.type, rank, name: `${job.metadata.name}-${spec.type}-${rank}`, spec });
    }
  }
  return out;
}

/** How the pod's containers are started. */
export type StartMode =
  | { readonly kind: 'normal' }
  | { readonly kind: 'debug' }
  | { readonly kind: 'resume' };

/** The pod of `replica`, as the controller creates it. */
export function desiredPod(job: GenericJob, replica: Replica, mode: StartMode): KubeObject {
  const name = job.metadata.name as string;
  const template = replica.spec.template;
  const t9k = job.spec.scheduler?.t9kScheduler;
  const scope = { jobName: name, type: replica.type, rank: replica.rank, spec: job.spec };
  let command: string[] | undefined;
  let args: string[] | undefined;
  let dropArgs = false;
  let skipInit = false;
  if (mode.kind === 'debug') {
    const debug = job.spec.runMode?.debug?.replicaSpecs?.find((d) => d.type === replica.type);
    command = debug?.command ?? DEFAULT_DEBUG_COMMAND;
    dropArgs = true;
    skipInit = debug?.skipInitContainer ?? false;
  } else if (mode.kind === 'resume') {
    const resume = job.spec.runMode?.pause?.resumeSpecs?.find((r) => r.type === replica.type);
    command = resume?.command;
    args = resume?.args;
    skipInit = resume?.skipInitContainer ?? false;
  }
  const expand = (c: Container, main: boolean): Container => {
    const out: Container = { ...c };
    if (main && command !== undefined) out.command = [...command];
    if (main && dropArgs) delete out.args;
    if (main && args !== undefined) out.args = [...args];
    if (out.command) out.command = out.command.map((s) => expandT9kVariables(s, scope));
    if (out.args) out.args = out.args.map((s) => expandT9kVariables(s, scope));
    if (out.env) out.env = out.env.map((e) => (e.value === undefined ? e : { ...e, value: expandT9kVariables(e.value, scope) }));
    return out;
  };
  const spec: Record<string, unknown> = {
    ...template.spec,
    // The controller restarts replicas itself, per restartPolicy.policy and limit.
    restartPolicy: 'Never',
    containers: template.spec.containers.map((c) => expand(c, true)),
  };
  if (template.spec.initContainers && !skipInit) spec.initContainers = template.spec.initContainers.map((c) => expand(c, false));
  else delete spec.initContainers;
  if (t9k) spec.schedulerName = T9K_SCHEDULER_NAME;
  const labels: Record<string, string> = {
    ...template.metadata?.labels,
    [LABELS.job]: name,
    [LABELS.replica]: replica.name,
    [LABELS.component]: 'genericjob',
    [LABELS.componentType]: 'user',
  };
  if (t9k) {
    labels[LABELS.groupName] = name;
    labels[LABELS.queue] = t9k.queue;
    labels[LABELS.role] = replica.type;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: replica.name,
      namespace: job.metadata.namespace,
      labels,
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerReferenceTo(job)],
    },
    spec,
  };
}

/** The spec fields of a replica Service that the controller keeps as it wants them; the rest (clusterIP) are the API server's. */
export const SERVICE_SPEC_FIELDS = ['ports', 'selector', 'publishNotReadyAddresses'] as const;

/** The headless Service of `replica`, or undefined when the job has no `service.ports`. */
export function desiredService(job: GenericJob, replica: Replica): KubeObject | undefined {
  const ports = job.spec.service?.ports;
  if (!ports || ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: replica.name,
      namespace: job.metadata.namespace,
      labels: { [LABELS.job]: job.metadata.name as string, [LABELS.replica]: replica.name, [LABELS.component]: 'genericjob' },
      ownerReferences: [controllerReferenceTo(job)],
    },
    spec: {
      clusterIP: 'None',
      // Peers must resolve each other before they are ready: rendezvous happens at start-up.
      publishNotReadyAddresses: true,
      selector: { [LABELS.replica]: replica.name },
      ports: ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
    },
  };
}

/** The T9k scheduler's PodGroup of the job, or undefined without `scheduler.t9kScheduler`. */
export function desiredPodGroup(job: GenericJob): KubeObject | undefined {
  const t9k = job.spec.scheduler?.t9kScheduler;
  if (!t9k) return undefined;
  const minMember = (job.spec.replicaSpecs ?? []).reduce((n, r) => n + (r.replicas ?? 1), 0);
  return {
    apiVersion: 'scheduler.tensorstack.dev/v1beta1',
    kind: 'PodGroup',
    metadata: {
      name: job.metadata.name,
      namespace: job.metadata.namespace,
      labels: { [LABELS.job]: job.metadata.name as string, [LABELS.component]: 'genericjob' },
      ownerReferences: [controllerReferenceTo(job)],
    },
    spec: { minMember, queue: t9k.queue, priority: t9k.priority ?? 0 },
  };
}
