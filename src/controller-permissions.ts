import { ARENA_JOB, GENERIC_JOB, RADIX_BATCH } from './api';

/** One RBAC rule of the controller: these verbs on these resources of one API group. */
export interface ControllerPermission {
  /** API group (`''` for core). */
  readonly apiGroup: string;
  /** Resources, with subresources as `<resource>/<sub>`. */
  readonly resources: readonly string[];
  /** Verbs. */
  readonly verbs: readonly string[];
  /** Why the controller needs it. */
  readonly reason: string;
}

/**
 * Everything the controller does in the namespaces it watches, and nothing more: every request the
 * runtime makes passes through this table (src/controller/request-attributes.ts refuses any other),
 * and a cluster test proves each entry is used. It never reads Secrets or ConfigMaps: payloads
 * reach pods through their own volume or env references (RadixBatch payloads: a Secret volume). ArenaJob rights: the schedule of scheduled ArenaJobs (the runs' reconciler adds its own).
 */
export const CONTROLLER_PERMISSIONS: readonly ControllerPermission[] = [
  {
    apiGroup: GENERIC_JOB.group,
    resources: [GENERIC_JOB.plural],
    verbs: ['list', 'watch'],
    reason: 'watch GenericJobs',
  },
  {
    apiGroup: GENERIC_JOB.group,
    resources: [`${GENERIC_JOB.plural}/status`],
    verbs: ['update'],
    reason: 'report GenericJob status (a full update guarded by resourceVersion)',
  },
  {
    apiGroup: GENERIC_JOB.group,
    resources: [`${GENERIC_JOB.plural}/finalizers`],
    verbs: ['update'],
    reason: 'set blockOwnerDeletion on children where OwnerReferencesPermissionEnforcement is enabled (checked by the API server, never requested)',
  },
  {
    apiGroup: '',
    resources: ['pods'],
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
    reason: 'GenericJob replicas (get: read back a same-named pod, or one the cache has not seen yet)',
  },
  {
    apiGroup: '',
    resources: ['services'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'],
    reason: 'the headless Service of each GenericJob replica, and the Service of each RadixBatch job whose component has ports',
  },
  {
    apiGroup: 'scheduler.tensorstack.dev',
    resources: ['podgroups'],
    verbs: ['get', 'create'],
    reason: 'PodGroups of GenericJobs scheduled by the T9k scheduler (removed with the job by the garbage collector)',
  },
  {
    apiGroup: RADIX_BATCH.group,
    resources: [RADIX_BATCH.plural],
    verbs: ['list', 'watch'],
    reason: 'watch RadixBatches recorded by kubejobs job-scheduler',
  },
  {
    apiGroup: RADIX_BATCH.group,
    resources: [`${RADIX_BATCH.plural}/status`],
    verbs: ['update'],
    reason: 'report RadixBatch job statuses (a full update guarded by resourceVersion)',
  },
  {
    apiGroup: RADIX_BATCH.group,
    resources: [`${RADIX_BATCH.plural}/finalizers`],
    verbs: ['update'],
    reason: 'set blockOwnerDeletion on the Jobs and Services of a RadixBatch (checked by the API server, never requested)',
  },
  {
    apiGroup: 'batch',
    resources: ['jobs'],
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
    reason: 'the Kubernetes Job of each RadixBatch job; delete: stop a job (get: read back a same-named Job the cache has not seen yet)',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [ARENA_JOB.plural],
    verbs: ['list', 'watch', 'create', 'patch', 'delete'],
    reason: 'scheduled ArenaJobs: watch them and their runs, create a run at each tick, cancel one (patch spec.cancelled, concurrencyPolicy Replace), delete runs beyond the history limit',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [`${ARENA_JOB.plural}/status`],
    verbs: ['update'],
    reason: 'report the schedule of a scheduled ArenaJob (lastScheduleTime, nextScheduleTime; a full update guarded by resourceVersion)',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [`${ARENA_JOB.plural}/finalizers`],
    verbs: ['update'],
    reason: 'set blockOwnerDeletion on the runs of a scheduled ArenaJob (checked by the API server, never requested)',
  },
  {
    apiGroup: '',
    resources: ['events'],
    verbs: ['create', 'patch'],
    reason: 'Events on the objects it reconciles (patch: count repeats of one Event)',
  },
];

/** Permissions the API server checks on the controller's behalf, never requested by it directly. */
export const IMPLIED_PERMISSIONS: ReadonlyArray<{ apiGroup: string; resource: string; verb: string }> = [
  { apiGroup: GENERIC_JOB.group, resource: `${GENERIC_JOB.plural}/finalizers`, verb: 'update' },
  { apiGroup: RADIX_BATCH.group, resource: `${RADIX_BATCH.plural}/finalizers`, verb: 'update' },
  { apiGroup: ARENA_JOB.group, resource: `${ARENA_JOB.plural}/finalizers`, verb: 'update' },
];

/** What the controller needs in its own namespace only: its leader-election Lease. */
export const LEADER_ELECTION_PERMISSIONS: readonly ControllerPermission[] = [
  {
    apiGroup: 'coordination.k8s.io',
    resources: ['leases'],
    verbs: ['get', 'create', 'update'],
    reason: 'leader election',
  },
];
