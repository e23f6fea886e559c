import type {
  Aggregate, FinishRule, GenericJob, GenericJobStatus, JobCondition, ReplicaStatus, TaskStatus,
} from '../../../imports/batch.tensorstack.dev';
import { cannotStart } from '../container-waiting';
import { KubeObject } from '../kube-client';
import { desiredPod, desiredPodGroup, desiredService, Replica, replicasOf, SERVICE_SPEC_FIELDS, StartMode } from './children';

/** A pod as the decision reads it. */
export interface ObservedPod extends KubeObject {
  spec?: { nodeName?: string; [key: string]: unknown };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: ObservedContainerStatus[];
    initContainerStatuses?: ObservedContainerStatus[];
  };
}

/** A container's status as the decision reads it. */
export interface ObservedContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { exitCode?: number } };
}

/**
 * Reasons the kubelet alternates between for one cause: a failing pull is `ErrImagePull`, then
 * `ImagePullBackOff` while it waits to retry, and again. One group, so the alternation is no change.
 */
const REASON_GROUP: Readonly<Record<string, string>> = { ErrImagePull: 'ImagePullBackOff' };

/** The reason of `ReplicaFailure` once no container is stuck any more. */
export const CONTAINERS_CAN_START = 'ContainersCanStart';

/**
 * What a cannot-start `ReplicaFailure` says, without the kubelet's changing words: which
 * containers of which replicas are stuck, and the reason group of each.
 */
function stuckKey(reason: string | undefined, message: string | undefined): string {
  const group = (r: string | undefined) => (r === undefined ? '' : REASON_GROUP[r] ?? r);
  const stuck = [...(message ?? '').matchAll(/(?:^|; )(\S+) container '([^']+)' cannot start \((\w+)\)/g)]
    .map((m) => `${m[1]}/${m[2]}/${group(m[3])}`);
  return [group(reason), ...stuck.sort()].join(' ');
}

/** A `ReplicaFailure` message written by `containersThatCannotStart`. */
const CANNOT_START_MESSAGE = /^\S+ container '[^']+' cannot start \(\w+\)/;

/** `ReplicaFailure` while a replica's container cannot start: the replicas and the kubelet's words. */
export function containersThatCannotStart(replicaName: string, pod: ObservedPod | undefined): Array<{ reason: string; message: string }> {
  if (!pod || pod.metadata?.deletionTimestamp) return [];
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.flatMap((c) => {
    const problem = cannotStart(c.state?.waiting);
    if (!problem) return [];
    const said = problem.message ? `: ${problem.message}` : '';
    return [{ reason: problem.reason, message: `${replicaName} container '${c.name}' cannot start (${problem.reason})${said}` }];
  });
}

/** Everything the decision looks at. */
export interface Observed {
  readonly job: GenericJob;
  /** Pods controlled by the job (owner reference uid matches). */
  readonly pods: readonly ObservedPod[];
  /** Services controlled by the job. */
  readonly services: readonly KubeObject[];
  /** Now, ISO 8601 (condition transition times). */
  readonly now: string;
}

/** An Event to record on the job. */
export interface PlannedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** What the applier must do, in this order: status, PodGroup, Services, pod deletions, pod creations. */
export interface Plan {
  /** The new status (written only when it differs from the current one). */
  readonly status: GenericJobStatus;
  readonly podGroup?: KubeObject;
  readonly applyServices: KubeObject[];
  readonly deleteServices: Array<{ name: string; uid: string }>;
  readonly deletePods: Array<{ name: string; uid: string; reason: string }>;
  readonly createPods: KubeObject[];
  readonly events: PlannedEvent[];
}

/** T9k's texts. */
export const MESSAGES = {
  initialized: 'The job has been initialized successfully.',
  running: 'All pods are running normally.',
  succeeded: 'The job has finished successfully.',
  paused: 'All replicas are deleted or being deleted.',
  resumed: 'The job has been resumed.',
  failedWithRule: (rule: string) => `The job is failed with rule: ${rule}`,
  noRuleHolds: 'All replicas have finished but no success rule holds.',
  containersCanStart: 'No container of the job is stuck any more: the ones that could not start are starting.',
} as const;

const TERMINAL = new Set(['Succeeded', 'Failed']);

type ReplicaPhase = NonNullable<ReplicaStatus['phase']>;

/** `{ "worker": [0, 1] }`: T9k's rendering of a finish rule in messages. */
export function formatRule(rule: FinishRule): string {
  const parts = Object.entries(rule).map(([type, ranks]) => `"${type}": [${ranks.join(', ')}]`);
  return `{ ${parts.join(', ')} }`;
}

/** The phase of a replica from its pod. */
export function replicaPhaseOf(pod: ObservedPod | undefined, hadPod: boolean): ReplicaPhase {
  if (!pod) return hadPod ? 'Deleted' : 'Creating';
  if (pod.metadata?.deletionTimestamp) return 'Deleted';
  switch (pod.status?.phase) {
    case 'Running': return 'Running';
    case 'Succeeded': return 'Succeeded';
    case 'Failed': return 'Failed';
    case 'Unknown': return 'Unknown';
    case 'Pending': {
      // "Creating": created, but no node yet; "Pending": scheduled, containers not started.
      const scheduled = pod.spec?.nodeName || pod.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True');
      return scheduled ? 'Pending' : 'Creating';
    }
    default: return 'Creating';
  }
}

function containersOf(pod: ObservedPod | undefined): ReplicaStatus['containers'] {
  return (pod?.status?.containerStatuses ?? []).map((c) => {
    const state = c.state?.terminated ? 'Terminated' : c.state?.running ? 'Running' : 'Waiting';
    return { name: c.name, state, ...(c.state?.terminated ? { exitCode: c.state.terminated.exitCode ?? 0 } : {}) };
  });
}

/**
 * Decides everything for one GenericJob from observed state. Pure: no I/O, no clock (`now` is an
 * input), so every rule is unit-tested without a cluster.
 *
 * Restart bookkeeping survives controller restarts through the status alone: a restart is counted
 * by writing `tasks[].restartCount + 1` together with the replica entry `{uid: <failed pod>,
 * phase: Deleted}` *before* the failed pod is deleted, so a crash in between neither loses nor
 * double-counts it (the status write is guarded by resourceVersion).
 */
export function decide(observed: Observed): Plan {
  const { job, now } = observed;
  const prev: GenericJobStatus = job.status ?? {};
  const podByName = new Map(observed.pods.map((p) => [p.metadata?.name ?? '', p]));
  const prevEntries = new Map<string, ReplicaStatus>();
  for (const t of prev.tasks ?? []) for (const r of t.replicas ?? []) if (r.name) prevEntries.set(r.name, r);
  const restarts = new Map<string, number>((prev.tasks ?? []).map((t) => [t.type ?? '', t.restartCount ?? 0]));
  const replicas = replicasOf(job);
  const events: PlannedEvent[] = [];
  const deletePods: Plan['deletePods'] = [];
  const createPods: KubeObject[] = [];

  const terminal = TERMINAL.has(prev.phase ?? '');
  const paused = !terminal && job.spec.runMode?.pause?.enabled === true;
  const debug = job.spec.runMode?.debug?.enabled === true;
  const wasPaused = prev.phase === 'Paused' || prev.phase === 'Resuming';
  const everPaused = (prev.conditions ?? []).some((c) => c.type === 'Paused');

  // Replica phases as observed, plus the entry each replica gets in status.
  const phaseOf = new Map<string, ReplicaPhase>();
  const entryOf = new Map<string, ReplicaStatus>();
  const lost: Replica[] = [];
  for (const r of replicas) {
    const pod = podByName.get(r.name);
    const prevEntry = prevEntries.get(r.name);
    let phase = replicaPhaseOf(pod, prevEntry?.uid !== undefined);
    // The pod the status recorded is gone or going, and the controller did not delete it (its own
    // deletions are written to status as Deleted first). A finished replica stays finished; one
    // deleted before it finished failed, as a batch/v1 Job counts a deleted pod as a failure.
    const externallyDeleted = !terminal && prevEntry?.uid !== undefined && prevEntry.phase !== 'Deleted' &&
      (pod === undefined || (pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.uid === prevEntry.uid));
    if (externallyDeleted) {
      // What the status recorded stays recorded: a replica counted as failed never turns
      // Succeeded because its terminating pod later exits 0.
      const recorded = prevEntry.phase === 'Succeeded' || prevEntry.phase === 'Failed' ? prevEntry.phase : undefined;
      const finishedAs = recorded ?? pod?.status?.phase;
      phase = finishedAs === 'Succeeded' ? 'Succeeded' : 'Failed';
      if (finishedAs !== 'Succeeded' && finishedAs !== 'Failed') lost.push(r);
    }
    phaseOf.set(r.name, phase);
    if (pod) entryOf.set(r.name, { name: r.name, uid: pod.metadata?.uid, phase, containers: containersOf(pod) });
    else entryOf.set(r.name, { name: r.name, ...(prevEntry?.uid ? { uid: prevEntry.uid } : {}), phase, containers: prevEntry?.uid && phase !== 'Deleted' ? prevEntry.containers ?? [] : [] });
  }
  for (const r of lost) {
    events.push({ type: 'Warning', reason: 'ReplicaDeleted', message: `Pod ${r.name} was deleted before it finished: replica ${r.name} failed` });
  }

  // Restarts: decided first, because "failed" in the rules means "failed with restarts exhausted".
  const restarting = new Set<string>();
  const restartPlan: Array<{ replica: Replica; uid: string; pod?: ObservedPod; counted: boolean }> = [];
  const tentative = new Map(restarts);
  if (!terminal && !paused) {
    for (const r of replicas) {
      const pod = podByName.get(r.name);
      const phase = phaseOf.get(r.name);
      const prevEntry = prevEntries.get(r.name);
      // A missing pod is restarted only when it was lost while running; a finished one stays so.
      const uid = pod ? pod.metadata?.uid : lost.includes(r) || prevEntry?.phase === 'Failed' ? prevEntry?.uid : undefined;
      if (uid === undefined || (phase !== 'Failed' && phase !== 'Succeeded')) continue;
      const alreadyCounted = pod !== undefined && prevEntry?.uid === uid && prevEntry?.phase === 'Deleted';
      if (alreadyCounted) {
        restarting.add(r.name);
        restartPlan.push({ replica: r, uid, pod, counted: true });
        continue;
      }
      const policy = r.spec.restartPolicy?.policy ?? 'OnFailure';
      const limit = r.spec.restartPolicy?.limit ?? 0;
      const wants = policy === 'Always' || (policy === 'OnFailure' && phase === 'Failed');
      const used = tentative.get(r.type) ?? 0;
      if (wants && used < limit) {
        tentative.set(r.type, used + 1);
        restarting.add(r.name);
        restartPlan.push({ replica: r, uid, pod, counted: false });
      }
    }
  }

  const succeeded = (r: Replica) => phaseOf.get(r.name) === 'Succeeded' && !restarting.has(r.name);
  const exhausted = (r: Replica) => phaseOf.get(r.name) === 'Failed' && !restarting.has(r.name);
  const byKey = new Map(replicas.map((r) => [`${r.type}/${r.rank}`, r]));
  const ruleHolds = (rule: FinishRule, test: (r: Replica) => boolean) => Object.entries(rule).every(([type, ranks]) =>
    ranks.every((rank) => {
      const r = byKey.get(`${type}/${rank}`);
      return r !== undefined && test(r);
    }));

  // Finish rules (never in debug mode: debug pods sleep and are inspected by hand).
  let outcome: { phase: 'Succeeded' | 'Failed'; message: string; reason: string } | undefined;
  if (!terminal && !paused && !debug) {
    let failureRule: FinishRule | undefined;
    if (job.spec.failureRules && job.spec.failureRules.length > 0) {
      failureRule = job.spec.failureRules.find((rule) => ruleHolds(rule, exhausted));
    } else {
      const failed = replicas.filter(exhausted);
      if (failed.length > 0) {
        failureRule = {};
        for (const r of failed) (failureRule[r.type] ??= []).push(r.rank);
      }
    }
    const successRules = job.spec.successRules && job.spec.successRules.length > 0 ? job.spec.successRules : undefined;
    const success = successRules
      ? successRules.some((rule) => ruleHolds(rule, succeeded))
      : replicas.every(succeeded);
    // Failure wins a tie: a job that met a failure rule did fail, whatever else succeeded.
    if (failureRule) {outcome = { phase: 'Failed', reason: 'Failed', message: MESSAGES.failedWithRule(formatRule(failureRule)) };} else if (success) {outcome = { phase: 'Succeeded', reason: 'Succeeded', message: MESSAGES.succeeded };} else if (replicas.length > 0 && replicas.every((r) => succeeded(r) || exhausted(r))) {
      outcome = { phase: 'Failed', reason: 'NoRuleSatisfied', message: MESSAGES.noRuleHolds };
    }
  }

  // Apply restarts only while the job goes on.
  if (!outcome) {
    for (const { replica, uid, pod, counted } of restartPlan) {
      entryOf.set(replica.name, { name: replica.name, uid, phase: 'Deleted', containers: pod ? containersOf(pod) : entryOf.get(replica.name)?.containers ?? [] });
      if (pod) deletePods.push({ name: replica.name, uid, reason: 'Restart' });
      if (!counted) {
        events.push({ type: 'Normal', reason: 'RestartReplica', message: `Restarting replica ${replica.name} (${phaseOf.get(replica.name)})` });
      }
    }
    for (const [type, n] of tentative) restarts.set(type, n);
  }

  // Phase.
  let phase: NonNullable<GenericJobStatus['phase']>;
  const anyRunning = replicas.some((r) => phaseOf.get(r.name) === 'Running');
  if (terminal) phase = prev.phase as 'Succeeded' | 'Failed';
  else if (outcome) phase = outcome.phase;
  else if (paused) phase = 'Paused';
  else if (wasPaused && !anyRunning) phase = 'Resuming';
  else phase = anyRunning ? 'Running' : 'Pending';

  // Children.
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const startMode: StartMode = debug ? { kind: 'debug' } : everPaused || paused ? { kind: 'resume' } : { kind: 'normal' };
  if (paused) {
    for (const pod of observed.pods) {
      if (!pod.metadata?.deletionTimestamp) deletePods.push({ name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '', reason: 'Pause' });
    }
  } else if (!finished) {
    for (const r of replicas) {
      if (podByName.has(r.name)) continue;
      // A replica whose pod finished and is gone is not run again, unless it is being restarted.
      const done = entryOf.get(r.name)?.phase === 'Succeeded' || entryOf.get(r.name)?.phase === 'Failed';
      if (!done) createPods.push(desiredPod(job, r, startMode));
    }
  } else {
    const policy = job.spec.cleanUpPolicy ?? 'None';
    for (const pod of observed.pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      const p = pod.status?.phase;
      const unfinished = p !== 'Succeeded' && p !== 'Failed';
      if (policy === 'All' || (policy === 'Unfinished' && unfinished)) {
        deletePods.push({ name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '', reason: `CleanUp${policy}` });
      }
    }
  }
  // Pods deleted now show as Deleted at once, so the status written first already says so.
  for (const d of deletePods) {
    const e = entryOf.get(d.name);
    if (e) entryOf.set(d.name, { ...e, phase: 'Deleted' });
  }
  const applyServices: KubeObject[] = [];
  const desiredServiceNames = new Set<string>();
  for (const r of replicas) {
    const svc = desiredService(job, r);
    if (!svc) continue;
    desiredServiceNames.add(r.name);
    const existing = observed.services.find((s) => s.metadata?.name === r.name);
    if (!existing || serviceKey(existing) !== serviceKey(svc)) applyServices.push(svc);
  }
  const deleteServices = observed.services
    .filter((s) => !desiredServiceNames.has(s.metadata?.name ?? ''))
    .map((s) => ({ name: s.metadata?.name ?? '', uid: s.metadata?.uid ?? '' }));
  const podGroup = createPods.length > 0 ? desiredPodGroup(job) : undefined;

  // Status.
  const tasks: TaskStatus[] = (job.spec.replicaSpecs ?? []).map((spec) => ({
    type: spec.type,
    restartCount: restarts.get(spec.type) ?? 0,
    replicas: replicas.filter((r) => r.type === spec.type).map((r) => entryOf.get(r.name) as ReplicaStatus),
  }));
  const aggregate: Required<Aggregate> = { creating: 0, pending: 0, running: 0, succeeded: 0, failed: 0, unknown: 0, deleted: 0 };
  for (const r of replicas) {
    const p = entryOf.get(r.name)?.phase ?? 'Creating';
    aggregate[p.toLowerCase() as keyof Aggregate]! += 1;
  }
  const conditions = new ConditionSet(prev.conditions ?? [], now);
  const allCreated = replicas.every((r) => podByName.has(r.name) || entryOf.get(r.name)?.uid !== undefined);
  if (allCreated || finished) conditions.set('Initialized', 'True', undefined, MESSAGES.initialized);
  // A name clash is the reconciler's to report and to clear (only it sees the other object).
  const blockedByName = prev.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True' && c.reason === NAME_CONFLICT) ?? false;
  if (!terminal && !blockedByName) {
    // Names the replicas failed now (also when that fails the job), and clears once every replica
    // runs (or has finished) again or the job succeeds, so it never names a recovered replica.
    const failedNow = replicas.filter((r) => phaseOf.get(r.name) === 'Failed');
    const stuck = outcome ? [] : replicas.flatMap((r) => containersThatCannotStart(r.name, podByName.get(r.name)));
    if (failedNow.length > 0) {
      const names = failedNow.map((r) => `${r.name}${restarting.has(r.name) ? ' (restarting)' : ''}`);
      conditions.set('ReplicaFailure', 'True', 'ReplicaFailed', `Replicas failed: ${names.join(', ')}`);
    } else if (stuck.length > 0) {
      // The first container's reason names the condition; the message lists every one.
      // Rewritten (and an Event sent) only when which containers are stuck, or why, changes: the
      // kubelet's own words change every back-off cycle and would cost a status write and an Event each.
      const message = stuck.map((c) => c.message).join('; ');
      const same = conditions.status('ReplicaFailure') === 'True'
        && stuckKey(conditions.reason('ReplicaFailure'), conditions.message('ReplicaFailure')) === stuckKey(stuck[0].reason, message);
      if (!same) {
        conditions.set('ReplicaFailure', 'True', stuck[0].reason, message);
        events.push({ type: 'Warning', reason: stuck[0].reason, message });
      }
    } else if (phase === 'Running' && replicas.every((r) => phaseOf.get(r.name) === 'Running' || phaseOf.get(r.name) === 'Succeeded')) {
      conditions.set('ReplicaFailure', 'False', undefined, MESSAGES.running);
    } else if (conditions.status('ReplicaFailure') === 'True' && CANNOT_START_MESSAGE.test(conditions.message('ReplicaFailure') ?? '')) {
      // The stuck containers are starting again (e.g. ImagePullBackOff back to ContainerCreating).
      conditions.set('ReplicaFailure', 'False', CONTAINERS_CAN_START, MESSAGES.containersCanStart);
    } else if (outcome?.phase === 'Succeeded' && conditions.status('ReplicaFailure') === 'True') {
      conditions.set('ReplicaFailure', 'False', 'Succeeded', MESSAGES.succeeded);
    }
  }
  if (outcome?.phase === 'Succeeded') {
    conditions.set('Running', 'False', 'Succeeded', MESSAGES.succeeded);
    conditions.set('Completed', 'True', 'Succeeded', MESSAGES.succeeded);
    conditions.set('Failed', 'False', 'Succeeded', MESSAGES.succeeded);
    events.push({ type: 'Normal', reason: 'Succeeded', message: MESSAGES.succeeded });
  } else if (outcome?.phase === 'Failed') {
    conditions.set('Running', 'False', outcome.reason, outcome.message);
    conditions.set('Completed', 'False', outcome.reason, outcome.message);
    conditions.set('Failed', 'True', outcome.reason, outcome.message);
    events.push({ type: 'Warning', reason: outcome.reason, message: outcome.message });
  } else if (!terminal) {
    if (phase === 'Running') conditions.set('Running', 'True', undefined, MESSAGES.running);
    if (phase === 'Paused' && conditions.status('Running') === 'True') conditions.set('Running', 'False', 'Paused', MESSAGES.paused);
    if (paused) conditions.set('Paused', 'True', 'Paused', MESSAGES.paused);
    else if (conditions.status('Paused') === 'True') conditions.set('Paused', 'False', 'Resumed', MESSAGES.resumed);
  }
  if (phase !== prev.phase && !outcome) {
    events.push({ type: 'Normal', reason: phase, message: `The job is ${phase.toLowerCase()}.` });
  }

  const status: GenericJobStatus = {
    phase,
    observedGeneration: job.metadata.generation as number | undefined,
    backoffCount: [...restarts.values()].reduce((a, b) => a + b, 0),
    tasks,
    aggregate,
    conditions: conditions.list(),
  };
  if (status.observedGeneration === undefined) delete status.observedGeneration;
  return { status, podGroup, applyServices, deleteServices, deletePods, createPods, events };
}

/**
 * The status after a child could not be written for good (an invalid or forbidden pod, Service or
 * PodGroup): the job is Failed with `message`, which names the child and the API server's reason.
 */
export function failedChild(job: GenericJob, status: GenericJobStatus, reason: string, message: string, now: string): GenericJobStatus {
  const conditions = new ConditionSet(status.conditions ?? [], now);
  conditions.set('Running', 'False', reason, message);
  conditions.set('Completed', 'False', reason, message);
  conditions.set('Failed', 'True', reason, message);
  return { ...status, phase: 'Failed', observedGeneration: job.metadata.generation as number | undefined, conditions: conditions.list() };
}

/**
 * The status while a child's name is held by an object the job does not control: the job waits
 * (nothing of the other object is changed) with `ReplicaFailure` naming it.
 */
export function blockedByNameConflict(status: GenericJobStatus, message: string, now: string): GenericJobStatus {
  const conditions = new ConditionSet(status.conditions ?? [], now);
  conditions.set('ReplicaFailure', 'True', NAME_CONFLICT, message);
  return { ...status, conditions: conditions.list() };
}

/** The status once no child's name is held by someone else any more. */
export function nameConflictResolved(status: GenericJobStatus, now: string): GenericJobStatus {
  const conditions = new ConditionSet(status.conditions ?? [], now);
  if (conditions.reason('ReplicaFailure') !== NAME_CONFLICT) return status;
  conditions.set('ReplicaFailure', 'False', 'NameConflictResolved', 'Every child of the job is controlled by the job.');
  return { ...status, conditions: conditions.list() };
}

/** The reason of `ReplicaFailure` while a child's name is held by an object the job does not control. */
export const NAME_CONFLICT = 'NameConflict';

/** {@link SERVICE_SPEC_FIELDS} of a replica Service, with the API server's defaults filled in, to compare. */
function serviceKey(svc: KubeObject): string {
  const spec = (svc.spec ?? {}) as Record<string, unknown>;
  const comparable: Record<(typeof SERVICE_SPEC_FIELDS)[number], (v: unknown) => unknown> = {
    ports: (v) => ((v as unknown[] | undefined) ?? []).map(portKey),
    selector: (v) => Object.entries((v as Record<string, string> | undefined) ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    publishNotReadyAddresses: (v) => v ?? false,
  };
  return JSON.stringify(SERVICE_SPEC_FIELDS.map((field) => comparable[field](spec[field])));
}

function portKey(p: unknown): string {
  const port = p as { name?: string; port?: number; targetPort?: unknown; protocol?: string; appProtocol?: string };
  return `${port.name ?? ''}:${port.port}:${String(port.targetPort ?? port.port)}:${port.protocol ?? 'TCP'}:${port.appProtocol ?? ''}`;
}

const CONDITION_ORDER: JobCondition['type'][] = ['Initialized', 'Running', 'ReplicaFailure', 'Completed', 'Failed', 'Paused'];

/** Conditions keyed by type; lastTransitionTime changes only when the status does. */
class ConditionSet {
  private readonly byType = new Map<string, JobCondition>();

  public constructor(existing: readonly JobCondition[], private readonly now: string) {
    for (const c of existing) this.byType.set(c.type, { ...c });
  }

  public status(type: JobCondition['type']): string | undefined {
    return this.byType.get(type)?.status;
  }

  public reason(type: JobCondition['type']): string | undefined {
    return this.byType.get(type)?.reason;
  }

  public message(type: JobCondition['type']): string | undefined {
    return this.byType.get(type)?.message;
  }

  public set(type: JobCondition['type'], status: JobCondition['status'], reason: string | undefined, message: string): void {
    const old = this.byType.get(type);
    const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : this.now;
    const c: JobCondition = { type, status, lastTransitionTime, message };
    if (reason !== undefined) c.reason = reason;
    this.byType.set(type, c);
  }

  public list(): JobCondition[] {
    return CONDITION_ORDER.filter((t) => this.byType.has(t)).map((t) => this.byType.get(t)!);
  }
}
