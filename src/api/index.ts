import { ARENA_CONFIG } from './arena-config';
import { ARENA_JOB } from './arena-job';
import { CustomResourceDefinitionSpec, gvkOf } from './crd';
import { GENERIC_JOB } from './generic-job';

export * from './crd';
export { GENERIC_JOB, GENERIC_JOB_LIMITS } from './generic-job';
export { ARENA_JOB } from './arena-job';
export { ARENA_CONFIG } from './arena-config';
export { validateManifest } from './validation';

/** The kinds kubejobs owns: their CRDs are installed by `KubejobsController`. */
export const KUBEJOBS_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [GENERIC_JOB, ARENA_JOB, ARENA_CONFIG];

/**
 * Schemas of the upstream kinds kubejobs emits but does not own (AppWrapper, PyTorchJob, Volcano
 * Job, Kueue queues, ...): written here from the upstream facts, for types, synth-time validation
 * and the test cluster, never installed by `KubejobsController`.
 */
export const UPSTREAM_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [];

/** Every definition kubejobs knows: its own kinds, then the upstream ones. */
export const ALL_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [...KUBEJOBS_DEFINITIONS, ...UPSTREAM_DEFINITIONS];

/** The definition of a kind by `apiVersion` and `kind`, if kubejobs has one. */
export function definitionOf(apiVersion: string, kind: string): CustomResourceDefinitionSpec | undefined {
  return ALL_DEFINITIONS.find((d) => {
    const gvk = gvkOf(d);
    return gvk.apiVersion === apiVersion && gvk.kind === kind;
  });
}
