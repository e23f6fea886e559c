import { randomBytes } from 'node:crypto';
import { isAlreadyExists, isNotFound, KubeClient, KubeObject } from './kube-client';
import { Logger } from './logger';

/** Distinct Events remembered for aggregation (client-go's recorder keeps as many). */
export const MAX_REMEMBERED_EVENTS = 4096;
/** Events sent at once, so a burst of transitions never competes with the reconciles' own writes. */
const MAX_IN_FLIGHT = 2;
/** Longest message kept (the API's limit for an Event note). */
const MAX_MESSAGE_LENGTH = 1024;

interface Series {
  readonly name: string;
  readonly namespace: string;
  readonly firstTimestamp: string;
  /** Occurrences recorded so far. */
  count: number;
  /** Occurrences the API server knows of. */
  sent: number;
  created: boolean;
  /** A send queued but not started: occurrences recorded meanwhile ride along with it. */
  waiting: Promise<void> | undefined;
  /** The last send scheduled: the next one starts after it, so one series never races itself. */
  tail: Promise<void>;
}

/**
 * Records core/v1 Events on the objects the controller reconciles, aggregated as client-go's
 * recorder does: the same (object, type, reason, message) again updates one Event's `count` and
 * `lastTimestamp` instead of creating another. Memory is bounded: at most
 * {@link MAX_REMEMBERED_EVENTS} series are remembered (least recently used first out), and a
 * series has at most one send queued, however often it recurs meanwhile.
 */
export class EventRecorder {
  private readonly series = new Map<string, Series>();
  /** Sends waiting for a slot: `run` sends, `drop` gives up on it (the backlog is full). */
  private readonly pending: Array<{ run: () => Promise<void>; drop: () => void }> = [];
  private active = 0;

  public constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
    /** Series remembered at most (default {@link MAX_REMEMBERED_EVENTS}). */
    private readonly maxSeries = MAX_REMEMBERED_EVENTS,
  ) {}

  /** Series currently remembered (for tests and metrics). */
  public get rememberedSeries(): number {
    return this.series.size;
  }

  /** Emits (or counts again) an Event on `object`; failures are logged, never thrown. */
  public record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const text = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : message;
    const key = JSON.stringify([object.metadata?.uid ?? object.metadata?.name, type, reason, text]);
    let series = this.series.get(key);
    if (series) {
      this.series.delete(key); // re-inserted below: most recently used last
    } else {
      const name = object.metadata?.name ?? '';
      series = {
        name: `${name}.${randomBytes(8).toString('hex')}`,
        namespace: object.metadata?.namespace ?? 'default',
        firstTimestamp: new Date().toISOString(),
        count: 0,
        sent: 0,
        created: false,
        waiting: undefined,
        tail: Promise.resolve(),
      };
    }
    this.series.set(key, series);
    while (this.series.size > this.maxSeries) this.series.delete(this.series.keys().next().value as string);
    series.count++;
    const s = series;
    if (s.waiting) return s.waiting;
    s.waiting = new Promise<void>((resolve) => {
      void s.tail.then(() => {
        // Events are best effort: when the API server cannot keep up, the oldest waiting send is
        // dropped rather than letting the backlog (each holding its object) grow without bound.
        if (this.pending.length >= this.maxSeries) {
          this.pending.shift()!.drop();
          this.log.debug('event backlog full: dropped the oldest waiting event');
        }
        this.pending.push({
          run: async () => {
            s.waiting = undefined;
            await this.sync(s, object, type, reason, text);
            resolve();
          },
          drop: () => {
            s.waiting = undefined;
            resolve();
          },
        });
        this.pump();
      });
    });
    s.tail = s.waiting;
    return s.waiting;
  }

  private pump(): void {
    while (this.active < MAX_IN_FLIGHT && this.pending.length > 0) {
      const next = this.pending.shift()!;
      this.active++;
      void next.run().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  /** Brings the API server's Event up to the series' count. */
  private async sync(s: Series, object: KubeObject, type: string, reason: string, message: string): Promise<void> {
    const count = s.count;
    if (count === s.sent) return;
    const now = new Date().toISOString();
    try {
      if (s.created) {
        try {
          await this.client.mergePatch(`/api/v1/namespaces/${s.namespace}/events/${s.name}`, { count, lastTimestamp: now });
          s.sent = count;
          return;
        } catch (err) {
          // The Event expired (the API server keeps Events for an hour): start it again.
          if (!isNotFound(err)) throw err;
        }
      }
      await this.createEvent(s, object, type, reason, message, count, now);
      s.created = true;
      s.sent = count;
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err), reason }, 'could not record an event');
    }
  }

  private async createEvent(s: Series, object: KubeObject, type: string, reason: string, message: string, count: number, now: string): Promise<void> {
    try {
      await this.client.create(`/api/v1/namespaces/${s.namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: s.name, namespace: s.namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata?.name,
          namespace: s.namespace,
          uid: object.metadata?.uid,
          resourceVersion: object.metadata?.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component: this.component, host: this.host },
        reportingComponent: this.component,
        reportingInstance: this.host,
        firstTimestamp: s.firstTimestamp,
        lastTimestamp: now,
        count,
      });
    } catch (err) {
      // An earlier create whose answer was lost (a timeout) did create it: count on it from here.
      if (!isAlreadyExists(err)) throw err;
      await this.client.mergePatch(`/api/v1/namespaces/${s.namespace}/events/${s.name}`, { count, lastTimestamp: now });
    }
  }
}
