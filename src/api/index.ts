import { ARENA_CONFIG } from './arena-config';
import { ARENA_JOB } from './arena-job';
import { ARENA_SOURCE } from './arena-source';
import { CustomResourceDefinitionSpec, gvkOf } from './crd';
import { DocumentSchemaSpec } from './document-schema';
import { GENERIC_JOB } from './generic-job';
import { PROVIDER } from './provider';
import { RADIX_BATCH } from './radix-batch';
import { RADIX_JOB_DEFINITION } from './radix-job-definition';
import { APP_WRAPPER_DEFINITIONS } from './upstream';

export * from './crd';
export { GENERIC_JOB, GENERIC_JOB_LIMITS, REPLICA_NAME_MAX_LENGTH } from './generic-job';
export { DNS_1035_LABEL_PATTERN, IMAGE_REFERENCE_PATTERN } from './schema-parts';
export { ARENA_JOB } from './arena-job';
export { ARENA_CONFIG } from './arena-config';
export { ARENA_SOURCE, ARENA_SOURCE_INTERVAL_PATTERN, DEFAULT_BUNDLE_KEY } from './arena-source';
export { PROVIDER, PROVIDER_SECRET_KEYS, PROVIDER_TYPES } from './provider';
export * from './upstream';
export { validateManifest, validateDocument } from './validation';
export type { DocumentSchemaSpec } from './document-schema';
export * from './radix-job-definition';
export { QUANTITY_PATTERN, RADIX_BATCH, RADIX_BATCH_MAX_JOBS, RADIX_JOB_CONFIG_PROPERTIES } from './radix-batch';

/** The kinds kubejobs owns: their CRDs are installed by `KubejobsController`. */
export const KUBEJOBS_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [
  GENERIC_JOB, ARENA_JOB, ARENA_CONFIG, ARENA_SOURCE, PROVIDER, RADIX_BATCH,
];

/**
 * Schemas of the upstream kinds kubejobs emits but does not own (AppWrapper, PyTorchJob, Volcano
 * Job, Kueue queues, ...): written here from the upstream facts, for types, synth-time validation
 * and the test cluster, never installed by `KubejobsController`.
 */
export const UPSTREAM_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [...APP_WRAPPER_DEFINITIONS];

/** Every definition kubejobs knows: its own kinds, then the upstream ones. */
export const ALL_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [...KUBEJOBS_DEFINITIONS, ...UPSTREAM_DEFINITIONS];

/** The definition of a kind by `apiVersion` and `kind`, if kubejobs has one. */
export function definitionOf(apiVersion: string, kind: string): CustomResourceDefinitionSpec | undefined {
  return ALL_DEFINITIONS.find((d) => {
    const gvk = gvkOf(d);
    return gvk.apiVersion === apiVersion && gvk.kind === kind;
  });
}

/**
 * Versioned documents of our API that are not custom resources (no CRD, never sent to the API
 * server): their types are generated into `imports/` next to the kinds of the same group.
 */
export const DOCUMENT_SCHEMAS: readonly DocumentSchemaSpec[] = [RADIX_JOB_DEFINITION];
