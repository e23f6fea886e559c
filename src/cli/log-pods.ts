import { JobKind, jobFinished, JobObject } from './kinds';
import { UsageError } from './usage-error';

/** The fields of a pod `logs` reads. */
export interface LogPod {
  metadata: { name: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ name: string }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name?: string; restartCount?: number; state?: { running?: unknown; terminated?: unknown; waiting?: unknown } }>;
  };
}

/** The label a batch/v1 Indexed Job puts on each pod: its completion index (an ArenaJob work item). */
const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
/** The annotation kubectl reads for a pod's default container. */
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/**
 * The replica `logs` shows by default, as `TYPE-RANK`: rank 0 of the job's first replica type
 * (GenericJob: the first in spec; AppWrapper: PyTorch's master, or the Volcano task; ArenaJob:
 * work item 0).
 */
export function defaultReplica(kind: JobKind, job: JobObject): string {
  if (kind.type === 'genericjob') return `${job.spec?.replicaSpecs?.[0]?.type ?? 'worker'}-0`;
  if (kind.type === 'appwrapperjob') {
    const inner = job.spec?.components?.[0]?.template;
    return `${inner?.kind === 'PyTorchJob' ? 'master' : inner?.spec?.tasks?.[0]?.name ?? 'worker'}-0`;
  }
  return 'item-0';
}

/**
 * Every replica the job declares (`TYPE-RANK`), or undefined when its spec does not say (an
 * ArenaJob before its items are counted). GenericJob: its replica specs; AppWrapper: the wrapped
 * PyTorchJob's replica specs or Volcano Job's tasks; ArenaJob: one `item-N` per work item.
 */
export function declaredReplicas(kind: JobKind, job: JobObject): string[] | undefined {
  const ranks = (type: string, n: unknown) => Array.from({ length: Number(n ?? 1) }, (_, i) => `${type}-${i}`);
  if (kind.type === 'genericjob') return (job.spec?.replicaSpecs ?? []).flatMap((r: any) => ranks(r.type, r.replicas));
  if (kind.type === 'appwrapperjob') {
    const inner = job.spec?.components?.[0]?.template;
    if (inner?.kind === 'PyTorchJob') {
      return Object.entries(inner.spec?.pytorchReplicaSpecs ?? {}).flatMap(([type, r]: [string, any]) => ranks(type.toLowerCase(), r?.replicas));
    }
    const tasks = inner?.spec?.tasks;
    return Array.isArray(tasks) ? tasks.flatMap((t: any) => ranks(t.name, t.replicas)) : undefined;
  }
  const total = job.status?.progress?.total;
  return typeof total === 'number' ? ranks('item', total) : undefined;
}

/** Throws a usage error when `replica` is not one the job declares. */
export function checkReplica(kind: JobKind, job: JobObject, replica: string): void {
  const declared = declaredReplicas(kind, job);
  if (declared === undefined || declared.includes(replica)) return;
  throw new UsageError(`--replica ${replica}: ${kind.type} '${job.metadata.name}' has no such replica; its replicas are ${summarise(declared)}`);
}

/** A list of replicas for a message, the middle of a long one elided. */
function summarise(replicas: readonly string[]): string {
  return replicas.length <= 8 ? replicas.join(', ') : `${replicas.slice(0, 4).join(', ')}, ..., ${replicas.slice(-2).join(', ')}`;
}

/** True when a pod is over: its log will not grow. */
export function hasEnded(pod: LogPod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * Every pod that has been replica `replica` (`TYPE-RANK`), newest first (a pod not yet over first
 * among pods created in the same second: creation times have 1 s resolution). A GenericJob or
 * AppWrapper replica keeps its pod name `<job>-<TYPE>-<RANK>` across restarts (a new pod has a
 * new uid); an ArenaJob's `item-N` is completion index N of its Indexed worker Job, whose retries
 * are new pods with new names.
 */
export function podsOfReplica(kind: JobKind, job: JobObject, pods: readonly LogPod[], replica: string): LogPod[] {
  const mine = kind.type === 'arenajob'
    ? pods.filter((p) => replica === `item-${p.metadata.labels?.[COMPLETION_INDEX_LABEL]}`)
    : pods.filter((p) => p.metadata.name === `${job.metadata.name}-${replica}`);
  const created = (p: LogPod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return [...mine].sort((a, b) => created(b) - created(a) || Number(hasEnded(a)) - Number(hasEnded(b)));
}

/** What names replica `replica` in messages. */
function replicaName(kind: JobKind, job: JobObject, replica: string): string {
  return kind.type === 'arenajob' ? `pod for ${replica}` : `pod ${job.metadata.name}-${replica}`;
}

/** The replicas the pods are (`TYPE-RANK`), in natural order, for messages. */
function replicasOf(kind: JobKind, job: JobObject, pods: readonly LogPod[]): string[] {
  const names = pods.map((p) => kind.type === 'arenajob'
    ? `item-${p.metadata.labels?.[COMPLETION_INDEX_LABEL] ?? '?'}`
    : p.metadata.name.slice(job.metadata.name.length + 1));
  return [...new Set(names)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** True once a pod's containers have started (a log may exist), whether or not they still run. */
export function hasStarted(pod: LogPod): boolean {
  if (!pod.spec?.nodeName) return false;
  return (pod.status?.containerStatuses ?? []).some((c) => c.state?.running !== undefined || c.state?.terminated !== undefined) ||
    pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded';
}

/**
 * The pod whose log `logs` shows (without `-f`): the newest pod of `replica` (default
 * {@link defaultReplica}) that has started, so a retry still Pending does not hide the last
 * attempt's log. Throws a message naming the replicas there are, or why there is no log yet.
 */
export function choosePod(kind: JobKind, job: JobObject, pods: readonly LogPod[], replica: string | undefined): LogPod {
  const wanted = replica ?? defaultReplica(kind, job);
  const candidates = podsOfReplica(kind, job, pods, wanted);
  if (candidates.length === 0) {
    if (pods.length === 0) throw new Error(`${kind.type} '${job.metadata.name}' has no pods yet, so no log: wait for them, or follow with -f`);
    const replicas = replicasOf(kind, job, pods);
    throw new UsageError(`${kind.type} '${job.metadata.name}' has no ${replicaName(kind, job, wanted)}: its replicas are ${summarise(replicas)}; pick one with --replica TYPE-RANK, e.g. --replica ${replicas[0]}`);
  }
  const started = candidates.find(hasStarted);
  if (started) return started;
  const newest = candidates[0]!;
  throw new Error(`pod ${newest.metadata.name} is ${newest.status?.phase ?? 'Pending'} and has not started, so it has no log yet: see why with 'kubejobs get ${job.metadata.name}', or follow with -f`);
}

/**
 * The container whose log is read: `requested`, else the pod's `kubectl.kubernetes.io/default-container`,
 * else its first container, as kubectl chooses. Throws when `requested` is not one of the pod's.
 */
export function chooseContainer(pod: LogPod, requested: string | undefined): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (requested !== undefined) {
    if (names.length > 0 && !names.includes(requested)) {
      throw new UsageError(`--container ${requested}: pod ${pod.metadata.name} has no such container; its containers are ${names.join(', ')}`);
    }
    return requested;
  }
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  return annotated && names.includes(annotated) ? annotated : names[0];
}

/**
 * One run of a replica's container: the pod's uid and the container's restart count (a kubelet
 * restarts an `OnFailure` container in the same pod), so each run's log is shown once.
 */
export function runKey(pod: LogPod, container: string | undefined): string {
  const status = (pod.status?.containerStatuses ?? []).find((c) => c.name === container) ?? pod.status?.containerStatuses?.[0];
  return `${pod.metadata.uid ?? pod.metadata.name}#${status?.restartCount ?? 0}`;
}

/** What `logs -f` does next. */
export type FollowStep =
  | { readonly action: 'stream'; readonly pod: LogPod; readonly key: string }
  | { readonly action: 'wait'; readonly reason: string }
  | { readonly action: 'done'; readonly reason?: string };

/**
 * The next step of `logs -f` on replica `replica`, given the job (undefined once deleted), the
 * job's pods and the runs already streamed ({@link runKey}): stream the replica's newest run that
 * has started and was not streamed yet (a restart makes a new one); finish when the replica's last
 * run succeeded or the job is over; else wait.
 */
export function nextFollowStep(
  kind: JobKind, job: JobObject | undefined, pods: readonly LogPod[], replica: string, container: string | undefined, streamed: ReadonlySet<string>,
): FollowStep {
  if (!job) return { action: 'done', reason: `${kind.type} was deleted` };
  const newest = podsOfReplica(kind, job, pods, replica)[0];
  if (newest && hasStarted(newest) && !streamed.has(runKey(newest, container))) return { action: 'stream', pod: newest, key: runKey(newest, container) };
  if (newest?.status?.phase === 'Succeeded' && streamed.size > 0) return { action: 'done' };
  if (jobFinished(job)) {
    return streamed.size > 0 ? { action: 'done' } : { action: 'done', reason: `${kind.type} '${job.metadata.name}' is ${job.status?.phase} and its ${replicaName(kind, job, replica)} has no log left` };
  }
  return { action: 'wait', reason: newest ? `pod ${newest.metadata.name} to start` : `the ${replicaName(kind, job, replica)} to be created` };
}
