import { ARENA_CONFIG } from './api/arena-config';
import { ARENA_JOB } from './api/arena-job';
import { GENERIC_JOB } from './api/generic-job';

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

const READ = ['get', 'list', 'watch'] as const;
const MANAGE_CHILDREN = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
const WRITE_STATUS = ['get', 'update', 'patch'] as const;

/**
 * Everything the controller does in the namespaces it watches, and nothing more. It never reads
 * Secrets or ConfigMaps: payloads reach pods through their own volume or env references.
 */
export const CONTROLLER_PERMISSIONS: readonly ControllerPermission[] = [
  {
    apiGroup: GENERIC_JOB.group,
    resources: [GENERIC_JOB.plural],
    verbs: READ,
    reason: 'watch GenericJobs',
  },
  {
    apiGroup: GENERIC_JOB.group,
    resources: [`${GENERIC_JOB.plural}/status`],
    verbs: WRITE_STATUS,
    reason: 'report GenericJob status',
  },
  {
    apiGroup: GENERIC_JOB.group,
    resources: [`${GENERIC_JOB.plural}/finalizers`],
    verbs: ['update'],
    reason: 'set blockOwnerDeletion on children where OwnerReferencesPermissionEnforcement is enabled',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [ARENA_JOB.plural, ARENA_CONFIG.plural],
    verbs: READ,
    reason: 'watch ArenaJobs and the ArenaConfigs they name',
  },
  {
    apiGroup: ARENA_JOB.group,
    resources: [`${ARENA_JOB.plural}/status`, `${ARENA_CONFIG.plural}/status`],
    verbs: WRITE_STATUS,
    reason: 'report ArenaJob and ArenaConfig status',
  },
  {
    apiGroup: '',
    resources: ['pods', 'services'],
    verbs: MANAGE_CHILDREN,
    reason: 'GenericJob replicas and their Services',
  },
  {
    apiGroup: 'batch',
    resources: ['jobs', 'cronjobs'],
    verbs: MANAGE_CHILDREN,
    reason: 'ArenaJob workers and schedules',
  },
  {
    apiGroup: 'scheduler.tensorstack.dev',
    resources: ['podgroups'],
    verbs: MANAGE_CHILDREN,
    reason: 'PodGroups of GenericJobs scheduled by the T9k scheduler',
  },
  {
    apiGroup: '',
    resources: ['events'],
    verbs: ['create', 'patch'],
    reason: 'Events on the objects it reconciles',
  },
  {
    apiGroup: 'events.k8s.io',
    resources: ['events'],
    verbs: ['create', 'patch'],
    reason: 'Events on the objects it reconciles',
  },
];

/** What the controller needs in its own namespace only: its leader-election Lease. */
export const LEADER_ELECTION_PERMISSIONS: readonly ControllerPermission[] = [
  {
    apiGroup: 'coordination.k8s.io',
    resources: ['leases'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
    reason: 'leader election',
  },
];
