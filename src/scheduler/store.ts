import { BatchWrite, PAYLOADS_PENDING_ANNOTATION, RADIX_LABELS } from './batch-spec';
import { invalid, RadixApiError } from './errors';
import type { RadixBatch, RadixJobDefinition } from '../../imports/kubejobs.dev';
import { collectionPath, objectPath, ResourceType } from '../controller/informer';
import { isAlreadyExists, isConflict, KubeApiError, KubeClient } from '../controller/kube-client';
import { Logger } from '../controller/logger';
import { RADIX_BATCH_TYPE, SECRET } from '../controller/resource-types';

/** The field manager of everything the scheduler writes. */
export const SCHEDULER_FIELD_MANAGER = 'kubejobs-job-scheduler';

/** How many secret creates of one batch run at once. */
const SECRET_WRITE_CONCURRENCY = 8;
/** Attempts of a stop patch that meets a conflict (the controller writes the batch status meanwhile). */
const CONFLICT_ATTEMPTS = 5;
const CONFLICT_PAUSE_MS = 50;
/** Attempts of a write whose outcome was unknown (a timeout or a 5xx). */
const UNKNOWN_OUTCOME_ATTEMPTS = 3;

/** True when the apiserver may or may not have done a write: no answer (timeout, network) or a 5xx. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof KubeApiError && (err.code === 0 || err.code >= 500);
}

/**
 * The job-scheduler's state, kept in the cluster only: RadixBatches (and their payload Secrets)
 * labelled with the job definition's `objects.labels`. Every read goes to the API server, so a
 * restarted scheduler or a second replica answers the same. Batches of other job components
 * (other labels) are invisible here: not found.
 */
export class BatchStore {
  private readonly selector: string;

  public constructor(
    private readonly client: KubeClient,
    private readonly definition: RadixJobDefinition,
    private readonly log: Logger,
    /** Called after each batch this store deleted (for the webhook's Delete event). */
    private readonly onDeleted?: (batch: RadixBatch) => void,
  ) {
    this.selector = Object.entries(definition.objects.labels).map(([k, v]) => `${k}=${v}`).join(',');
  }

  private get namespace(): string {
    return this.definition.namespace;
  }

  /** Whether a batch belongs to this component and is committed (its payloads written). */
  private visible(b: RadixBatch | undefined): b is RadixBatch {
    if (!b || b.metadata.deletionTimestamp) return false;
    const labels = b.metadata.labels ?? {};
    const ours = Object.entries(this.definition.objects.labels).every(([k, v]) => labels[k] === v);
    return ours && b.metadata.annotations?.[PAYLOADS_PENDING_ANNOTATION] === undefined;
  }

  /** Every committed batch of this component, oldest first; `type` narrows to one batch type. */
  public async list(type?: 'job' | 'batch'): Promise<RadixBatch[]> {
    const selector = type ? `${this.selector},${RADIX_LABELS.batchType}=${type}` : this.selector;
    const items: RadixBatch[] = [];
    let cont: string | undefined;
    do {
      const query = { labelSelector: selector, limit: 500, continue: cont };
      const page = await this.call(() => this.client.list<RadixBatch>(collectionPath(RADIX_BATCH_TYPE, this.namespace), query));
      items.push(...page.items.map((i) => ({ ...i, apiVersion: RADIX_BATCH_TYPE.apiVersion, kind: 'RadixBatch' }) as RadixBatch));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items.filter((b) => this.visible(b) && (!type || b.spec.batchType === type))
      .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp))
        || a.metadata.name!.localeCompare(b.metadata.name!));
  }

  /** One committed batch of this component, or undefined. */
  public async get(name: string): Promise<RadixBatch | undefined> {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253) return undefined;
    const b = await this.call(() => this.client.get<RadixBatch>(objectPath(RADIX_BATCH_TYPE, this.namespace, name)));
    return this.visible(b) ? b : undefined;
  }

  /**
   * Records a request. Without payloads that is one create. With payloads, the batch is created
   * first marked pending (the controller and the API ignore it), then its Secrets owned by it, then
   * the mark is removed: a crash at any point leaves a pending batch that {@link sweepPending}
   * deletes with its Secrets (garbage collection), or a whole batch. Never half a batch.
   *
   * A write whose outcome is unknown (no answer in time, a 5xx: the apiserver may have done it) is
   * sent again: names are fresh and random, so "already exists" means the first attempt worked.
   */
  public async create(write: BatchWrite): Promise<RadixBatch> {
    const name = write.batch.metadata.name!;
    const created = await this.call(() => this.createOnce<RadixBatch>(RADIX_BATCH_TYPE, write.batch,
      () => this.client.get<RadixBatch>(objectPath(RADIX_BATCH_TYPE, this.namespace, name))), name);
    if (write.secrets.length === 0) return created;
    const owner = { apiVersion: RADIX_BATCH_TYPE.apiVersion, kind: 'RadixBatch', name, uid: created.metadata.uid as string };
    try {
      const queue = [...write.secrets];
      const worker = async () => {
        for (let s = queue.shift(); s; s = queue.shift()) {
          // The scheduler may not read Secrets: one that already exists under this fresh name is the earlier attempt's.
          await this.createOnce(SECRET, { ...s, metadata: { ...s.metadata, ownerReferences: [owner] } }, undefined);
        }
      };
      await Promise.all(Array.from({ length: Math.min(SECRET_WRITE_CONCURRENCY, queue.length) }, worker));
      return await this.commit(name, owner.uid);
    } catch (err) {
      // The request fails; take back what exists of it (its Secrets go with it).
      await this.client.delete(objectPath(RADIX_BATCH_TYPE, this.namespace, name), { uid: owner.uid, propagationPolicy: 'Background' })
        .catch((e) => this.log.warn({ batch: name, err: String(e) }, 'could not delete the batch of a failed request; the pending sweep will'));
      throw toApiError(err, name);
    }
  }

  /**
   * Creates an object under a fresh name, sending it again while the outcome is unknown; an
   * "already exists" answer to a repeat means an earlier attempt made it, which `readBack` returns.
   */
  private async createOnce<T>(
    type: ResourceType,
    body: { metadata: { name?: string } & Record<string, unknown> },
    readBack: (() => Promise<T | undefined>) | undefined,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.create<T>(collectionPath(type, this.namespace), body, SCHEDULER_FIELD_MANAGER);
      } catch (err) {
        if (attempt > 1 && isAlreadyExists(err)) {
          const earlier = readBack ? await readBack() : undefined;
          if (earlier || !readBack) return earlier as T;
        }
        if (!outcomeUnknown(err) || attempt >= UNKNOWN_OUTCOME_ATTEMPTS) throw err;
        this.log.warn({ kind: type.kind, name: body.metadata.name, err: String(err), attempt }, 'create outcome unknown: sending it again');
      }
    }
  }

  /** Removes the pending mark; on an unknown outcome, the batch as re-read says whether it worked. */
  private async commit(name: string, uid: string): Promise<RadixBatch> {
    const path = objectPath(RADIX_BATCH_TYPE, this.namespace, name);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.jsonPatch<RadixBatch>(path, [
          { op: 'test', path: '/metadata/uid', value: uid },
          { op: 'remove', path: `/metadata/annotations/${PAYLOADS_PENDING_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}` },
        ], SCHEDULER_FIELD_MANAGER);
      } catch (err) {
        if (!outcomeUnknown(err) && !(attempt > 1 && err instanceof KubeApiError && err.code === 422)) throw err;
        this.log.warn({ batch: name, err: String(err), attempt }, 'commit outcome unknown: reading the batch back');
        const now = await this.client.get<RadixBatch>(path).catch(() => undefined);
        if (now && now.metadata.uid === uid && now.metadata.annotations?.[PAYLOADS_PENDING_ANNOTATION] === undefined) return now;
        if (attempt >= UNKNOWN_OUTCOME_ATTEMPTS) throw err;
      }
    }
  }

  /** Deletes a batch; its Jobs, pods, Services and Secrets go with it (background propagation). */
  public async delete(batch: RadixBatch): Promise<void> {
    await this.call(() => this.client.delete(objectPath(RADIX_BATCH_TYPE, this.namespace, batch.metadata.name!), { uid: batch.metadata.uid as string, propagationPolicy: 'Background' }));
    this.onDeleted?.(batch);
  }

  /**
   * Sets `stop` on the jobs `pick` chooses with a JSON patch conditional on the batch's
   * resourceVersion; on a conflict (the batch changed meanwhile, e.g. its status) it re-reads and
   * tries again, a bounded number of times with a growing pause. `pick` sees the fresh batch each
   * time and may throw to refuse. Returns false when the batch is gone.
   */
  public async stopJobs(name: string, pick: (b: RadixBatch) => string[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const batch = await this.get(name);
      if (!batch) return false;
      const names = new Set(pick(batch));
      if (names.size === 0) return true;
      const operations: unknown[] = [{ op: 'replace', path: '/metadata/resourceVersion', value: batch.metadata.resourceVersion }];
      batch.spec.jobs.forEach((j, i) => {
        if (!names.has(j.name)) return;
        operations.push({ op: 'test', path: `/spec/jobs/${i}/name`, value: j.name }, { op: 'add', path: `/spec/jobs/${i}/stop`, value: true });
      });
      try {
        await this.client.jsonPatch(objectPath(RADIX_BATCH_TYPE, this.namespace, name), operations, SCHEDULER_FIELD_MANAGER);
        return true;
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_ATTEMPTS) throw toApiError(err, name);
        await new Promise((r) => setTimeout(r, CONFLICT_PAUSE_MS * attempt * (0.5 + Math.random())));
      }
    }
  }

  /**
   * Deletes batches left pending by a scheduler that died mid-request, once older than `olderThanMs`
   * (far longer than any request). Returns the names deleted.
   */
  public async sweepPending(olderThanMs: number, now = Date.now()): Promise<string[]> {
    const page = await this.client.list<RadixBatch>(collectionPath(RADIX_BATCH_TYPE, this.namespace), { labelSelector: this.selector });
    const stale = page.items.filter((b) => b.metadata.annotations?.[PAYLOADS_PENDING_ANNOTATION] !== undefined && !b.metadata.deletionTimestamp
      && now - Date.parse(String(b.metadata.creationTimestamp)) > olderThanMs);
    for (const b of stale) {
      // Only the object seen pending: a request that commits it meanwhile changes its resourceVersion.
      await this.client.delete(objectPath(RADIX_BATCH_TYPE, this.namespace, b.metadata.name!),
        { uid: b.metadata.uid as string, resourceVersion: b.metadata.resourceVersion as string, propagationPolicy: 'Background' });
    }
    return stale.map((b) => b.metadata.name!);
  }

  /** Deletes completed batches as {@link historyToDelete} says. */
  public async trimHistory(limit: number, now = Date.now()): Promise<string[]> {
    const doomed = historyToDelete(await this.list(), limit, now);
    for (const b of doomed) await this.delete(b);
    return doomed.map((b) => b.metadata.name!);
  }

  private async call<T>(fn: () => Promise<T>, name?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toApiError(err, name);
    }
  }
}

/** One hour: batches completed more recently are never trimmed (Radix). */
export const HISTORY_MIN_AGE_MS = 3_600_000;

/**
 * Radix's history rule (B8): among batches completed more than an hour ago, keep the newest `limit`
 * in each of four buckets (succeeded batches, other batches, succeeded single jobs, other single
 * jobs) and delete the rest.
 */
export function historyToDelete(batches: readonly RadixBatch[], limit: number, now: number): RadixBatch[] {
  const buckets = new Map<string, RadixBatch[]>();
  for (const b of batches) {
    const completedAt = b.status?.condition?.type === 'Completed' ? Date.parse(b.status.condition.completionTime ?? '') : NaN;
    if (!(now - completedAt > HISTORY_MIN_AGE_MS)) continue;
    const succeeded = (b.status?.jobStatuses ?? []).length === b.spec.jobs.length && (b.status?.jobStatuses ?? []).every((s) => s.phase === 'Succeeded');
    const key = `${b.spec.batchType}/${succeeded}`;
    buckets.set(key, [...(buckets.get(key) ?? []), b]);
  }
  const doomed: RadixBatch[] = [];
  for (const list of buckets.values()) {
    list.sort((a, b) => Date.parse(b.status!.condition!.completionTime!) - Date.parse(a.status!.condition!.completionTime!));
    doomed.push(...list.slice(limit));
  }
  return doomed;
}

/** An API server error as the job-scheduler answers it (B2.1): invalid is 422, the rest 500. */
export function toApiError(err: unknown, name?: string): RadixApiError {
  if (err instanceof RadixApiError) return err;
  if (err instanceof KubeApiError) {
    if (err.code === 422 && name) return invalid(name, err.message);
    return new RadixApiError(500, 'InternalError', `the Kubernetes API server answered ${err.code}: ${err.message}`);
  }
  return new RadixApiError(500, 'InternalError', err instanceof Error ? err.message : String(err));
}
