import { controllerUid, KubeApiError, KubeClient, KubeObject, WatchEvent, WatchHandle } from './kube-client';
import { Logger } from './logger';

/** What an informer watches. */
export interface ResourceType {
  /** `v1`, `batch.tensorstack.dev/v1beta1`, ... */
  readonly apiVersion: string;
  /** Kind, e.g. `Pod`. */
  readonly kind: string;
  /** Plural resource name, e.g. `pods`. */
  readonly plural: string;
}

/** The REST path of a resource collection, all namespaces when `namespace` is undefined. */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${type.plural}` : `${base}/${type.plural}`;
}

/** The REST path of one namespaced object. */
export function objectPath(type: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(type, namespace)}/${name}`;
}

/** Change notifications of an informer. */
export type InformerHandler<T> = (event: 'add' | 'update' | 'delete', object: T) => void;

/** Options of {@link Informer}. */
export interface InformerOptions {
  /** Watch only this namespace. */
  readonly namespace?: string;
  /** Label selector of the list and watch. */
  readonly labelSelector?: string;
  /** Restart the watch when nothing (not even a bookmark) arrived for this long. */
  readonly stallTimeoutMs?: number;
  /** First and largest delay between restarts after errors. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Called on every restart with its cause. */
  readonly onRestart?: (cause: 'gone' | 'error' | 'stall') => void;
  /** Called when the cache size changes. */
  readonly onSize?: (size: number) => void;
  /** The client's request deadline (only used to judge liveness). */
  readonly requestTimeoutMs?: number;
}

/**
 * A list+watch cache of one resource type.
 *
 * - Lists (paginated), then watches from the list's resourceVersion with bookmarks.
 * - 410 Gone (on the watch request or as an ERROR event): re-lists, and reports objects that
 *   vanished meanwhile as deletes.
 * - A server-side close: re-watches from the last resourceVersion seen.
 * - Any other error, or a silent stall (no event nor bookmark within `stallTimeoutMs`): restarts
 *   with exponential back-off, because client-node's informer stops for good on such errors.
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  /** Keys of cached objects by the uid of their controller owner: children without a scan. */
  private readonly byOwner = new Map<string, Set<string>>();
  private lastProgressMs = Date.now();
  private readonly handlers: InformerHandler<T>[] = [];
  private stopped = false;
  private synced = false;
  private currentWatch: WatchHandle | undefined;
  private abortCurrent: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  public constructor(
    private readonly client: KubeClient,
    public readonly type: ResourceType,
    private readonly log: Logger,
    private readonly options: InformerOptions = {},
  ) {}

  /** Registers a change handler (before `start`). */
  public on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** True once the first list has filled the cache. */
  public hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced. */
  public waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The cached object `namespace/name`. */
  public get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  /** Cached objects, optionally of one namespace. */
  public list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** Cached objects whose controller owner reference has `uid`. */
  public listControlledBy(uid: string): T[] {
    const keys = this.byOwner.get(uid);
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.cache.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /**
   * When the list/watch loop last made progress: a list page, a watch opened, an event, a
   * bookmark, or a failed attempt followed by its back-off. A loop that is neither receiving nor
   * retrying is wedged; liveness reports it.
   */
  public get lastProgressAt(): number {
    return this.lastProgressMs;
  }

  /** The longest a healthy loop goes without progress: a stall timeout, the largest back-off and a request deadline. */
  public get maxQuietMs(): number {
    return this.stallTimeout() + (this.options.maxBackoffMs ?? 30_000) + (this.options.requestTimeoutMs ?? 30_000);
  }

  /** Number of cached objects. */
  public get size(): number {
    return this.cache.size;
  }

  /** Starts listing and watching in the background. */
  public start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Stops the watch; resolves when the loop ended. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.currentWatch?.abort();
    this.abortCurrent?.();
    this.wakeSleep?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const minBackoff = this.options.minBackoffMs ?? 500;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    const path = collectionPath(this.type, this.options.namespace);
    while (!this.stopped) {
      try {
        let resourceVersion = await this.relist(path);
        backoff = minBackoff;
        while (!this.stopped) {
          const outcome = await this.watchOnce(path, resourceVersion);
          if (outcome.kind === 'gone') {
            this.options.onRestart?.('gone');
            this.log.debug({ kind: this.type.kind }, 'watch expired (410): re-listing');
            break;
          }
          resourceVersion = outcome.resourceVersion;
          if (outcome.kind === 'stall') {
            this.options.onRestart?.('stall');
            this.log.warn({ kind: this.type.kind, stallTimeoutMs: this.stallTimeout() }, 'watch stalled: restarting it');
            this.progress();
            await this.sleep(backoff);
            backoff = Math.min(maxBackoff, backoff * 2);
          } else if (outcome.eventsSeen > 0) {
            backoff = minBackoff;
          }
        }
      } catch (err) {
        if (this.stopped) break;
        this.options.onRestart?.('error');
        this.log.warn({ kind: this.type.kind, err: describe(err), retryInMs: backoff }, 'list/watch failed: restarting');
        this.progress();
        await this.sleep(backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private stallTimeout(): number {
    return this.options.stallTimeoutMs ?? 150_000;
  }

  /** Lists everything, replaces the cache (emitting the differences) and returns the list's resourceVersion. */
  private async relist(path: string): Promise<string> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    // stop() aborts a list in flight too, so a shutdown never waits out a request deadline.
    const abort = new AbortController();
    this.abortCurrent = () => abort.abort(new Error('informer stopped'));
    do {
      const query = { labelSelector: this.options.labelSelector, limit: 500, continue: continueToken };
      const page = await this.client.list<T>(path, query, { signal: abort.signal });
      for (const item of page.items) {
        // List items lack apiVersion/kind; handlers and appliers expect them.
        item.apiVersion = this.type.apiVersion;
        item.kind = this.type.kind;
        fresh.set(keyOf(item.metadata?.namespace, item.metadata?.name ?? ''), item);
      }
      continueToken = page.metadata.continue || undefined;
      this.progress();
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (continueToken && !this.stopped);
    this.abortCurrent = undefined;
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.remove(key);
        this.emit('delete', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.store(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj);
    }
    this.options.onSize?.(this.cache.size);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return resourceVersion;
  }

  private async watchOnce(path: string, resourceVersion: string): Promise<{ kind: 'closed' | 'gone' | 'stall'; resourceVersion: string; eventsSeen: number }> {
    let rv = resourceVersion;
    let gone = false;
    let stalled = false;
    let eventsSeen = 0;
    let failure: Error | undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    let handle: WatchHandle | undefined;
    // Aborts the request itself, so a watch whose response never starts is given up too.
    const abort = new AbortController();
    this.abortCurrent = () => abort.abort(new Error('informer stopped'));
    const armStall = () => {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        abort.abort(new Error(`no watch event nor bookmark within ${this.stallTimeout()} ms`));
      }, this.stallTimeout());
      stallTimer.unref();
    };
    try {
      // Servers end a watch after timeoutSeconds; the jitter spreads reconnects of many informers.
      const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
      armStall();
      handle = await this.client.watch<T>(path, {
        resourceVersion: rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds,
        labelSelector: this.options.labelSelector,
      }, (event: WatchEvent<T>) => {
        armStall();
        this.progress();
        eventsSeen++;
        if (event.type === 'ERROR') {
          const status = event.object as unknown as { code?: number; message?: string; reason?: string };
          if (status.code === 410) gone = true;
          else failure = new KubeApiError(status.code ?? 0, status.reason ?? '', status.message ?? 'watch error');
          handle?.abort();
          return;
        }
        const obj = event.object;
        const objRv = obj.metadata?.resourceVersion;
        if (objRv) rv = objRv;
        if (event.type === 'BOOKMARK') return;
        obj.apiVersion = this.type.apiVersion;
        obj.kind = this.type.kind;
        const key = keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '');
        if (event.type === 'DELETED') {
          this.remove(key);
          this.emit('delete', obj);
        } else {
          const existed = this.cache.has(key);
          this.store(key, obj);
          this.emit(existed ? 'update' : 'add', obj);
        }
        this.options.onSize?.(this.cache.size);
      }, abort.signal);
      this.progress();
      this.currentWatch = handle;
      if (this.stopped) handle.abort();
      await handle.done;
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 410) gone = true;
      else if (!stalled && !this.stopped) throw err;
    } finally {
      if (stallTimer) clearTimeout(stallTimer);
      this.currentWatch = undefined;
      this.abortCurrent = undefined;
    }
    if (failure && !gone) throw failure;
    return { kind: gone ? 'gone' : stalled ? 'stall' : 'closed', resourceVersion: rv, eventsSeen };
  }

  private progress(): void {
    this.lastProgressMs = Date.now();
  }

  private store(key: string, obj: T): void {
    const old = this.cache.get(key);
    const oldOwner = controllerUid(old);
    const newOwner = controllerUid(obj);
    if (oldOwner !== newOwner && oldOwner !== undefined) this.unindex(oldOwner, key);
    if (newOwner !== undefined) {
      let keys = this.byOwner.get(newOwner);
      if (!keys) this.byOwner.set(newOwner, keys = new Set());
      keys.add(key);
    }
    this.cache.set(key, obj);
  }

  private remove(key: string): void {
    const owner = controllerUid(this.cache.get(key));
    if (owner !== undefined) this.unindex(owner, key);
    this.cache.delete(key);
  }

  private unindex(owner: string, key: string): void {
    const keys = this.byOwner.get(owner);
    keys?.delete(key);
    if (keys?.size === 0) this.byOwner.delete(owner);
  }

  private emit(event: 'add' | 'update' | 'delete', obj: T): void {
    for (const h of this.handlers) {
      try {
        h(event, obj);
      } catch (err) {
        this.log.error({ kind: this.type.kind, err: describe(err) }, 'informer handler threw');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeSleep = undefined;
        resolve();
      }, ms);
      this.wakeSleep = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by {@link keyOf}. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** A readable error text. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
