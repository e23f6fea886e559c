import { randomBytes } from 'node:crypto';
import { KubeClient, KubeObject } from './kube-client';
import { Logger } from './logger';

/** Records core/v1 Events on the objects the controller reconciles. */
export class EventRecorder {
  private readonly pending: Array<() => Promise<void>> = [];
  private active = 0;

  public constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  /**
   * Emits an Event on `object`; failures are logged, never thrown (Events are best effort). Events
   * go out two at a time, so a burst of transitions never competes with the reconciles' own writes.
   */
  public record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push(() => this.send(object, type, reason, message).then(resolve));
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < 2 && this.pending.length > 0) {
      const next = this.pending.shift()!;
      this.active++;
      void next().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async send(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = object.metadata?.namespace ?? 'default';
    const name = object.metadata?.name ?? '';
    const now = new Date().toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name,
        namespace,
        uid: object.metadata?.uid,
        resourceVersion: object.metadata?.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.client.create(`/api/v1/namespaces/${namespace}/events`, event);
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err), reason }, 'could not record an event');
    }
  }
}
