import { ResourceType } from './informer';
import { CustomResourceDefinitionSpec } from '../api/crd';
import { RADIX_BATCH } from '../api/radix-batch';

// The kinds the controller and the job-scheduler read and write, as informers and API paths name
// them: defined once here rather than in each reconciler.

/** The resource type of one of our CRDs. */
export function resourceTypeOf(def: CustomResourceDefinitionSpec): ResourceType {
  return { apiVersion: `${def.group}/${def.version}`, kind: def.kind, plural: def.plural };
}

export const POD: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods' };
export const SERVICE: ResourceType = { apiVersion: 'v1', kind: 'Service', plural: 'services' };
export const SECRET: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };
export const CONFIG_MAP: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
export const BATCH_JOB: ResourceType = { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' };

/** Our RadixBatch: written by the job-scheduler, reconciled by the controller. */
export const RADIX_BATCH_TYPE = resourceTypeOf(RADIX_BATCH);
