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

/** The definition of a kind by `apiVersion` and `kind`, if kubejobs has one. */
export function definitionOf(apiVersion: string, kind: string): CustomResourceDefinitionSpec | undefined {
  return KUBEJOBS_DEFINITIONS.find((d) => {
    const gvk = gvkOf(d);
    return gvk.apiVersion === apiVersion && gvk.kind === kind;
  });
}
