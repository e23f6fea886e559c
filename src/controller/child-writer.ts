import { collectionPath, objectPath, ResourceType } from './informer';
import { controllerUid, isAlreadyExists, KubeApiError, KubeClient, KubeObject } from './kube-client';

/** A same-named object the reconciled object does not control. */
export interface NameConflict {
  readonly kind: string;
  readonly name: string;
  /** `Kind/name` of its controller, or a note that it has none. */
  readonly owner: string;
}

/** The outcome of {@link ChildWriter.ensure}. */
export type EnsureOutcome =
  | { readonly kind: 'created' | 'unchanged' | 'updated' }
  | { readonly kind: 'conflict'; readonly conflict: NameConflict };

/** The child of `ownerUid` as the controller wants it, and how to bring an existing one there. */
export interface DesiredChild {
  readonly type: ResourceType;
  readonly object: KubeObject;
  /**
   * The object to PUT over `existing` (which the owner controls), or undefined when it already
   * matches. Undefined function: the kind is never updated (a pod's spec is immutable).
   */
  readonly update?: (existing: KubeObject) => KubeObject | undefined;
}

/**
 * Writes only children their owner controls. A child is created with a plain create (never a
 * forced apply, which would take over a same-named object someone else made); when the name is
 * taken, the object there is read back: if the owner controls it (a cache that lags), it is
 * brought up to date; otherwise nothing of it is changed and the clash is reported.
 */
export class ChildWriter {
  public constructor(private readonly client: KubeClient, private readonly fieldManager: string) {}

  /** Creates `child` or, when its name is taken, updates it if `ownerUid` controls it. */
  public async ensure(child: DesiredChild, ownerUid: string, cached?: KubeObject): Promise<EnsureOutcome> {
    const namespace = child.object.metadata?.namespace as string;
    const name = child.object.metadata?.name as string;
    let existing = cached;
    if (!existing) {
      try {
        await this.client.create(collectionPath(child.type, namespace), child.object, this.fieldManager);
        return { kind: 'created' };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      existing = await this.client.get<KubeObject>(objectPath(child.type, namespace, name));
      // Deleted between the create and the read: the next reconcile creates it.
      if (!existing) throw new KubeApiError(409, 'Conflict', `${child.type.kind} ${namespace}/${name} was deleted while being created; retrying`);
    }
    if (!isControlledBy(existing, ownerUid)) {
      return { kind: 'conflict', conflict: { kind: child.type.kind, name, owner: describeController(existing) } };
    }
    const replacement = child.update?.(existing);
    if (!replacement) return { kind: 'unchanged' };
    try {
      await this.client.replace(objectPath(child.type, namespace, name), replacement, this.fieldManager);
    } catch (err) {
      throw Object.assign(err as Error, { operation: 'update' });
    }
    return { kind: 'updated' };
  }
}

/** True when `uid` is the object's controller. */
export function isControlledBy(obj: KubeObject, uid: string): boolean {
  return controllerUid(obj) === uid;
}

function describeController(obj: KubeObject): string {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  // The uid tells a previous owner of the same name (a job deleted and created again) apart.
  return ref ? `${ref.kind}/${ref.name} (uid ${ref.uid})` : 'no controller (created by hand or by another tool)';
}

/** `update` when {@link ChildWriter.ensure} failed updating an existing child, else `create`. */
export function failedOperation(err: unknown): 'create' | 'update' {
  return (err as { operation?: string }).operation === 'update' ? 'update' : 'create';
}

/** The message of a name clash: who holds the name and what the user can do. */
export function conflictMessage(ownerKind: string, c: NameConflict): string {
  return `${c.kind} ${c.name} already exists and is controlled by ${c.owner}, not by this ${ownerKind}: ` +
    `kubejobs leaves it unchanged. Delete or rename that ${c.kind}, or give the ${ownerKind} another name.`;
}
