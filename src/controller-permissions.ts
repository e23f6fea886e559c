import { ARENA_CONFIG, ARENA_JOB, ARENA_SOURCE, GENERIC_JOB, PROVIDER, RADIX_BATCH } from './api';

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
 * and a cluster test proves each entry is used. Payloads reach pods through their own volume or
 * env references (RadixBatch payloads: a Secret volume; ArenaJob S3 credentials: `secretKeyRef`).
 * The only Secret and ConfigMap reads are single `get`s of the one a Provider or a `configmap`
 * ArenaSource names (no list, no watch), and of a Secret only its key names are kept.
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
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
    reason: 'the Kubernetes Job of each RadixBatch job and the worker Job of each ArenaJob; delete: stop a job or cancel an ArenaJob; patch: scale an ArenaJob\'s workers (get: read back a same-named Job the cache has not seen yet)',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [ARENA_JOB.plural],
    verbs: ['list', 'watch', 'create', 'patch', 'delete'],
    reason: 'ArenaJobs: watch them; for scheduled ones create a run at each tick, cancel one (patch spec.cancelled, concurrencyPolicy Replace), delete runs beyond the history limit',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [ARENA_CONFIG.plural, ARENA_SOURCE.plural, PROVIDER.plural],
    verbs: ['list', 'watch'],
    reason: 'watch the Arena chain: the ArenaConfigs ArenaJobs run, the ArenaSources and Providers those name',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [`${ARENA_JOB.plural}/status`, `${ARENA_CONFIG.plural}/status`, `${ARENA_SOURCE.plural}/status`, `${PROVIDER.plural}/status`],
    verbs: ['update'],
    reason: 'report the status of the Arena chain and the schedule of scheduled ArenaJobs (a full update guarded by resourceVersion)',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [`${ARENA_JOB.plural}/finalizers`],
    verbs: ['update'],
    reason: 'set blockOwnerDeletion on the worker Job of an ArenaJob and the runs of a scheduled one (checked by the API server, never requested)',
  },
  {
    apiGroup: '',
    resources: ['configmaps'],
    verbs: ['get'],
    reason: 'read the bundle of an ArenaSource of type configmap (its revision and scenarios); only the ConfigMap the source names',
  },
  {
    apiGroup: '',
    resources: ['secrets'],
    verbs: ['get'],
    reason: 'check that the Secret a Provider names holds its API key (only the key names are kept)',
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
