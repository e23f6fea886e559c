/**
 * Whether a server-side apply changed anything, decided the way a user reads "unchanged": the
 * fields this apply sets hold the same values before and after, and the field manager owns the
 * same set of fields. Comparing resourceVersions alone is not enough, because a controller may
 * write the object (status, finalizers, annotations of its own) between the read and the apply,
 * and that bumps the resourceVersion without this apply changing anything.
 */
import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../internal/plain-object';

interface ManagedFieldsEntry { manager?: string; operation?: string; fieldsV1?: unknown }
interface ServerObject { metadata?: { resourceVersion?: string; managedFields?: ManagedFieldsEntry[] } }

/** `created`, `configured` or `unchanged`, as kubectl prints them. */
export type ApplyVerb = 'created' | 'configured' | 'unchanged';

export function applyVerb(body: object, manager: string, before: ServerObject | undefined, after: ServerObject): ApplyVerb {
  if (before === undefined) return 'created';
  if (before.metadata?.resourceVersion === after.metadata?.resourceVersion) return 'unchanged';
  const sameOwnership = isDeepStrictEqual(appliedFieldsOf(before, manager), appliedFieldsOf(after, manager));
  return sameOwnership && sameAtAppliedPaths(body, before, after) ? 'unchanged' : 'configured';
}

function appliedFieldsOf(object: ServerObject, manager: string): unknown {
  return object.metadata?.managedFields?.find((e) => e.manager === manager && e.operation === 'Apply')?.fieldsV1;
}

/**
 * True when `before` and `after` agree at every path the applied body sets. Arrays are compared
 * whole (a list the body sets is the apply's to change), and the metadata the server owns
 * (resourceVersion, managedFields, generation) is not part of any applied body.
 */
function sameAtAppliedPaths(body: unknown, before: unknown, after: unknown): boolean {
  if (isPlainObject(body)) {
    const b = isPlainObject(before) ? before : {};
    const a = isPlainObject(after) ? after : {};
    return Object.keys(body).every((key) => sameAtAppliedPaths(body[key], b[key], a[key]));
  }
  return isDeepStrictEqual(before, after);
}
