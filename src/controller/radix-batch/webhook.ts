import type { RadixBatch, RadixBatchStatus } from '../../../imports/kubejobs.dev';
import { batchModel } from '../../scheduler/api-status';
import { BatchStatusModel } from '../../scheduler/models';
import { Logger } from '../logger';

/** Radix's `BatchEvent`: a batch status plus what happened. */
export type BatchEvent = BatchStatusModel & { event: 'Create' | 'Update' | 'Delete' };

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The event to send for a status change of `batch` (B8): Create on its first status, Update with
 * only the jobs whose phase, reason or message changed (or none, when only the batch's condition
 * did), nothing when nothing did. Undefined when the component names no
 * webhook.
 */
export function batchEvent(batch: RadixBatch, before: RadixBatchStatus | undefined, after: RadixBatchStatus): BatchEvent | undefined {
  if (!batch.spec.component.notifications?.webhook) return undefined;
  const model = batchModel({ ...batch, status: after }, batch.spec.component.batchStatusRules ?? []);
  if (!before) return { ...model, event: 'Create' };
  // As Radix's watcher: a job changed when its phase, reason or message did; the batch when any field of its condition did.
  const key = (s: { phase?: string; reason?: string; message?: string }) => JSON.stringify([s.phase, s.reason ?? '', s.message ?? '']);
  const old = new Map((before.jobStatuses ?? []).map((s) => [s.name, key(s)]));
  const changed = new Set((after.jobStatuses ?? []).filter((s) => old.get(s.name) !== key(s)).map((s) => `${batch.metadata.name}-${s.name}`));
  const condition = (c: RadixBatchStatus['condition']) => JSON.stringify([c?.type, c?.reason ?? '', c?.message ?? '', c?.activeTime ?? '', c?.completionTime ?? '']);
  if (changed.size === 0 && condition(before.condition) === condition(after.condition)) return undefined;
  return { ...model, jobStatuses: (model.jobStatuses ?? []).filter((j) => changed.has(j.name)), event: 'Update' };
}

/**
 * The webhook URL as a pod of `namespace` would resolve it: Radix names a webhook by a component's
 * bare host name (`http://backend:8080/hook`), which the job-scheduler's pod resolves in its own
 * namespace. The controller runs elsewhere, so a one-label host (not `localhost`, not an IP address)
 * becomes `<host>.<namespace>.svc`; any other URL is left as it is.
 */
export function qualifyWebhookUrl(url: string, namespace: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const host = parsed.hostname;
  if (host.includes('.') || host.includes(':') || host.startsWith('[') || host === 'localhost' || host === '') return url;
  parsed.hostname = `${host}.${namespace}.svc`;
  return parsed.toString();
}

/** POSTs an event to the webhook; failures are logged, never retried (as Radix). Never logs the body. */
export async function sendBatchEvent(url: string, event: BatchEvent, log: Logger): Promise<void> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    if (!res.ok) log.warn({ url, status: res.status, batch: event.name, event: event.event }, 'webhook answered with an error');
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    log.warn({ url, batch: event.name, event: event.event, err: (err as Error).message }, 'webhook call failed');
  }
}

/**
 * The Delete event of a batch (Radix's watcher sends it when a RadixBatch goes): the batch as it
 * was, with every job's status. Undefined when the component names no webhook.
 */
export function deleteEvent(batch: RadixBatch): BatchEvent | undefined {
  if (!batch.spec.component.notifications?.webhook) return undefined;
  return { ...batchModel(batch, batch.spec.component.batchStatusRules ?? []), event: 'Delete' };
}
