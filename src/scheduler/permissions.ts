import { RADIX_BATCH } from '../api';
import type { ControllerPermission } from '../controller-permissions';

/**
 * Everything `kubejobs job-scheduler` does in its namespace, and nothing more (its namespaced Role;
 * its API client refuses any other request). Jobs, pods and Services are the controller's work:
 * the scheduler only records requests as RadixBatches and writes their payload Secrets, which it
 * never reads.
 */
export const JOB_SCHEDULER_PERMISSIONS: readonly ControllerPermission[] = [
  {
    apiGroup: RADIX_BATCH.group,
    resources: [RADIX_BATCH.plural],
    verbs: ['create', 'get', 'list', 'patch', 'delete'],
    reason: 'record requests as RadixBatches (create, then patch to commit their payloads), answer from them, stop jobs (a patch conditional on the resourceVersion) and delete batches and old history',
  },
  { apiGroup: '', resources: ['secrets'], verbs: ['create'], reason: 'payload Secrets, owned by their RadixBatch (garbage collection deletes them with it)' },
];
