import { EventRecorder } from './events';
import { Informer, ResourceType } from './informer';
import { KubeClient, KubeObject } from './kube-client';
import { Logger } from './logger';

/** The field manager of everything the controller writes (children, statuses, patches). */
export const FIELD_MANAGER = 'kubejobs-controller';

/** A kind a reconciler creates and watches, mapped back to its owner through the controller owner reference. */
export interface OwnedType extends ResourceType {
  /** Label selector that narrows the watch to objects this controller can own. */
  readonly labelSelector?: string;
  /**
   * A label naming the primary object, for objects controlled by a child rather than by the
   * primary itself (e.g. the pods of a RadixBatch's Jobs carry `radix-batch-name`): a change
   * then requeues the primary of that name in the object's namespace.
   */
  readonly primaryNameLabel?: string;
}

/**
 * A kind a reconciler reads but does not own (an ArenaJob's ArenaConfig): the runtime caches it
 * and maps each change to the keys of the primaries that depend on it.
 */
export interface WatchedType extends ResourceType {
  /** Label selector that narrows the watch. */
  readonly labelSelector?: string;
  /** `namespace/name` keys of the primaries to reconcile when `object` changes. */
  keysFor(object: KubeObject, primary: Informer<KubeObject>): string[];
}

/** What a reconcile asks of the runtime afterwards. */
export interface ReconcileResult {
  /** Reconcile the key again after this many ms (time-based work, e.g. waiting for something). */
  readonly requeueAfterMs?: number;
}

/** What the runtime hands a reconciler. */
export interface ReconcileContext {
  /** The API client. */
  readonly client: KubeClient;
  /** The cache of the primary kind. */
  readonly primary: Informer<KubeObject>;
  /** Event recorder. */
  readonly events: EventRecorder;
  /** Logger bound to the reconciler and key. */
  readonly log: Logger;
  /** The cache of an owned kind, by kind name. */
  owned(kind: string): Informer<KubeObject>;
  /** The cache of a watched kind, by kind name. */
  watched(kind: string): Informer<KubeObject>;
}

/**
 * A level-based reconciler of one primary kind: the runtime watches the primary kind and the owned
 * kinds, turns every change into the primary's `namespace/name` key and calls `reconcile` with
 * it; `reconcile` reads the caches and makes the world match. Throwing requeues the key with
 * per-key exponential back-off.
 */
export interface Reconciler {
  /** Name used in logs and metrics, e.g. `genericjob`. */
  readonly name: string;
  /** The primary kind. */
  readonly primary: ResourceType;
  /** Kinds the reconciler owns (children with a controller owner reference to the primary). */
  readonly owned: readonly OwnedType[];
  /** Kinds the reconciler reads and reacts to without owning them. */
  readonly watched?: readonly WatchedType[];
  /** Reconciles one primary object, by key. */
  reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult>;
}
