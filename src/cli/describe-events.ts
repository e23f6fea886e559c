import { age, table } from './output';

/** The parts of a core/v1 Event that `kubejobs get` shows. */
export interface EventObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string };
  reportingComponent?: string;
  metadata: { creationTimestamp?: string };
  involvedObject?: { uid?: string };
}

/** When the event was last seen, for ordering. */
function lastSeen(e: EventObject): string | undefined {
  return e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
}

/**
 * The Events of an object as `kubectl describe` prints them: oldest first, columns Type, Reason,
 * Age, From, Message under a dashed line, and a repeated event's age as `<last> (x<count> over
 * <first>)`. From is the reporting component (`source.component`, else `reportingComponent`).
 * The caller prints kubectl's `Events:  <none>` when there are none.
 */
export function eventsTable(events: readonly EventObject[], options: { colour?: boolean; now?: number } = {}): string {
  const now = options.now ?? Date.now();
  const rows = [...events].sort((a, b) => Date.parse(lastSeen(a) ?? '') - Date.parse(lastSeen(b) ?? '')).map((e) => {
    const first = age(e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp, now);
    const count = e.series?.count ?? e.count ?? 1;
    const when = count > 1 ? `${age(lastSeen(e), now)} (x${count} over ${first})` : first;
    return [e.type ?? '', e.reason ?? '', when, e.source?.component || e.reportingComponent || '', (e.message ?? '').trim()];
  });
  // kubectl's own underline (its Age gets four dashes).
  return table(['Type', 'Reason', 'Age', 'From', 'Message'], [['----', '------', '----', '----', '-------'], ...rows], options.colour ? ['Type'] : []);
}
