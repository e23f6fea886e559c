import type { ArenaJob } from '../../../imports/omnia.altairalabs.ai';
import { PARENT_LABEL, SCHEDULED_TIME_ANNOTATION } from '../arena-job/schedule-decide';
import { controllerReferenceTo } from '../kube-client';

/**
 * The child ArenaJob a scheduled parent gets at a tick: the parent's spec without `schedule`
 * (so the child is one run, which the ArenaJob reconciler runs) and without `cancelled`, the
 * parent's labels plus {@link PARENT_LABEL}, the tick in {@link SCHEDULED_TIME_ANNOTATION}, and a
 * controller owner reference to the parent, so deleting the parent deletes its runs.
 */
export function scheduledChild(parent: ArenaJob, name: string, scheduledTime: Date, timeZone: string): ArenaJob {
  const { schedule: _schedule, ...spec } = parent.spec;
  delete (spec as { cancelled?: unknown }).cancelled;
  return {
    apiVersion: parent.apiVersion,
    kind: parent.kind,
    metadata: {
      name,
      namespace: parent.metadata.namespace,
      labels: { ...parent.metadata.labels, [PARENT_LABEL]: parent.metadata.name! },
      annotations: { [SCHEDULED_TIME_ANNOTATION]: formatInZone(scheduledTime, timeZone) },
      ownerReferences: [controllerReferenceTo(parent)],
    },
    spec,
  };
}

/** RFC 3339 with the zone's offset at that instant, e.g. `2026-03-09T02:30:00-04:00` (as CronJob's scheduled-timestamp annotation). */
export function formatInZone(instant: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  for (const p of fmt.formatToParts(instant)) parts[p.type] = p.value;
  const n = (k: string) => Number(parts[k]);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  const offsetMin = Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${zone}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
