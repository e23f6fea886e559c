import { APP_WRAPPER, ARENA_JOB, GENERIC_JOB } from '../api';
import type { CustomResourceDefinitionSpec } from '../api/crd';
import { NVIDIA_GPU } from '../api/pod-template';
import { ARENA_JOB_LABEL } from '../controller/arena-job/render-worker-job';

/** A job object as read from the API server (only the fields the terminal commands read). */
export interface JobObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; creationTimestamp?: string; uid?: string; [key: string]: unknown };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

/** Arena's job statuses, which `list` and `get` show. */
export type ArenaStatus = 'PENDING' | 'QUEUING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SUSPENDED' | 'UNKNOWN';

/** How the terminal commands read one kind of job. */
export interface JobKind {
  /** The `--type` value, e.g. `genericjob`. */
  readonly type: string;
  readonly definition: Pick<CustomResourceDefinitionSpec, 'group' | 'version' | 'kind' | 'plural'>;
  /** The header of the kind's {@link progress} column: `REPLICAS`, `PODS` or `PROGRESS`. */
  readonly progressHeader: string;
  /** True when {@link progress} counts the job's pods, so the caller lists them. */
  readonly progressFromPods?: boolean;
  /** The label whose value is the job's name on each of its pods. */
  readonly podLabel: string;
  /** The job's status as Arena shows it. */
  status(job: JobObject): ArenaStatus;
  /**
   * Replicas, pods or work items, e.g. `2/3` (running or done / total). A kind whose status has no
   * counts ({@link progressFromPods}) counts `pods`, the job's pods.
   */
  progress(job: JobObject, pods?: readonly PodPhase[]): string;
  /** GPUs the job requests in all. */
  gpus(job: JobObject): number;
}

/** The parts of a pod {@link JobKind.progress} reads. */
export interface PodPhase {
  metadata: { labels?: Record<string, string> };
  status?: { phase?: string };
}

const containerGpus = (c: any): number => Number(c?.resources?.limits?.[NVIDIA_GPU] ?? c?.resources?.requests?.[NVIDIA_GPU] ?? 0);
const podGpus = (template: any): number => (template?.spec?.containers ?? []).reduce((n: number, c: any) => n + containerGpus(c), 0);

/** GenericJob phases as Arena names them (Paused and Resuming are still running jobs). */
export function genericJobStatus(job: JobObject): ArenaStatus {
  switch (job.status?.phase) {
    case undefined: case 'Pending': return 'PENDING';
    case 'Running': case 'Paused': case 'Resuming': return 'RUNNING';
    case 'Succeeded': return 'SUCCEEDED';
    case 'Failed': return 'FAILED';
    default: return 'UNKNOWN';
  }
}

/**
 * AppWrapper phases as the arena fork maps them (`trainer_appwrapper.go` GetStatus): not yet
 * admitted is QUEUING; Running with the Unhealthy condition is FAILED; resetting is PENDING.
 */
export function appWrapperStatus(job: JobObject): ArenaStatus {
  const unhealthy = (job.status?.conditions ?? []).some((c: any) => c.type === 'Unhealthy' && c.status === 'True');
  switch (job.status?.phase ?? '') {
    case '': case 'Suspended': return 'QUEUING';
    case 'Resuming': return 'RUNNING';
    case 'Running': return unhealthy ? 'FAILED' : 'RUNNING';
    case 'Succeeded': return 'SUCCEEDED';
    case 'Failed': return 'FAILED';
    case 'Resetting': case 'Suspending': case 'Terminating': return 'PENDING';
    default: return 'UNKNOWN';
  }
}

/** ArenaJob phases; a cancelled run is shown FAILED, as Arena has no cancelled status. */
export function arenaJobStatus(job: JobObject): ArenaStatus {
  switch (job.status?.phase) {
    case undefined: case 'Pending': return 'PENDING';
    case 'Running': return 'RUNNING';
    case 'Succeeded': return 'SUCCEEDED';
    case 'Failed': case 'Cancelled': return 'FAILED';
    default: return 'UNKNOWN';
  }
}

/** True when the job is over and will start no pod again: its own phase, not Arena's status (an AppWrapper
 * Running but Unhealthy shows FAILED, yet resets and retries). */
export function jobFinished(job: JobObject): boolean {
  return ['Succeeded', 'Failed', 'Cancelled'].includes(job.status?.phase);
}

/** The kinds the terminal commands know, in `list` order. */
export const JOB_KINDS: readonly JobKind[] = [
  {
    type: 'genericjob',
    definition: GENERIC_JOB,
    status: genericJobStatus,
    progressHeader: 'REPLICAS',
    progress: (job) => {
      const total = (job.spec?.replicaSpecs ?? []).reduce((n: number, r: any) => n + (r.replicas ?? 1), 0);
      const a = job.status?.aggregate ?? {};
      return `${(a.running ?? 0) + (a.succeeded ?? 0)}/${total}`;
    },
    gpus: (job) => (job.spec?.replicaSpecs ?? []).reduce((n: number, r: any) => n + (r.replicas ?? 1) * podGpus(r.template), 0),
    podLabel: 'genericjob',
  },
  {
    type: 'appwrapperjob',
    definition: APP_WRAPPER,
    status: appWrapperStatus,
    // The AppWrapper's status counts no pods: its pods (running or done) of the pod sets' total.
    progressHeader: 'PODS',
    progressFromPods: true,
    progress: (job, pods = []) => {
      const sets = (job.spec?.components ?? []).flatMap((c: any) => c.podSets ?? []);
      const total = sets.reduce((n: number, s: any) => n + (s.replicas ?? 1), 0);
      const started = pods.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded').length;
      return `${started}/${total}`;
    },
    gpus: (job) => Number(job.metadata.annotations && (job.metadata.annotations as Record<string, string>).requestGPUsOfJobOwner || 0),
    podLabel: 'workload.codeflare.dev/appwrapper',
  },
  {
    type: 'arenajob',
    definition: ARENA_JOB,
    status: arenaJobStatus,
    progressHeader: 'PROGRESS',
    progress: (job) => {
      // A scheduled parent has no work items of its own: its runs (child ArenaJobs) have them.
      if (job.spec?.schedule?.cron) return `cron ${job.spec.schedule.cron}`;
      const p = job.status?.progress ?? {};
      return p.total !== undefined ? `${p.completed ?? 0}/${p.total}` : '-';
    },
    gpus: () => 0,
    // The worker pods of the ArenaJob's Indexed worker Job (kubejobs controller's runtime).
    podLabel: ARENA_JOB_LABEL,
  },
];

/** The kind of a `--type` value; the error lists the valid ones. */
export function kindOf(type: string): JobKind {
  const kind = JOB_KINDS.find((k) => k.type === type || k.definition.kind.toLowerCase() === type.toLowerCase());
  if (!kind) throw new Error(`unknown --type '${type}': use one of ${JOB_KINDS.map((k) => k.type).join(', ')}`);
  return kind;
}

/** The label selector of the pods of the job `name` of `kind`. */
export function podSelector(kind: JobKind, name: string): string {
  return `${kind.podLabel}=${name}`;
}

/** The collection path of a kind in a namespace (all namespaces when undefined). */
export function collectionPath(kind: JobKind, namespace: string | undefined): string {
  const d = kind.definition;
  return `/apis/${d.group}/${d.version}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${d.plural}`;
}
