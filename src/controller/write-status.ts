import { objectPath, ResourceType } from './informer';
import { KubeObject } from './kube-client';
import { FIELD_MANAGER, ReconcileContext } from './reconciler';
import { sameJson } from './same-json';

/**
 * Writes `status` to `object`'s status subresource when it differs from the cached one, as a full
 * update guarded by the cached resourceVersion (a stale cache fails with a conflict and the key is
 * reconciled again). Returns the updated object, or `object` when nothing changed.
 */
export async function writeStatusIfChanged<T extends KubeObject & { status?: unknown }>(
  ctx: ReconcileContext, type: ResourceType, object: T, status: unknown,
): Promise<T> {
  if (sameJson(status, object.status ?? {})) return object;
  const body = { ...object, status };
  const path = `${objectPath(type, object.metadata!.namespace!, object.metadata!.name!)}/status`;
  const updated = await ctx.client.replace<T>(path, body, FIELD_MANAGER);
  ctx.log.debug({ resourceVersion: updated.metadata?.resourceVersion }, 'status written');
  return updated;
}

