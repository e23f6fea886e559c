import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus metrics, in their own registry. */
export class ControllerMetrics {
  /** The registry `/metrics` serves. */
  public readonly registry = new Registry();
  /** Reconciles by controller and result (`success`, `requeue`, `error`). */
  public readonly reconcileTotal: Counter<'controller' | 'result'>;
  /** Reconciles that threw. */
  public readonly reconcileErrors: Counter<'controller'>;
  /** Reconcile durations. */
  public readonly reconcileDuration: Histogram<'controller'>;
  /** Keys waiting in the work queue. */
  public readonly queueDepth: Gauge<'controller'>;
  /** Keys added to the work queue. */
  public readonly queueAdds: Counter<'controller'>;
  /** Objects in each informer cache. */
  public readonly cachedObjects: Gauge<'kind'>;
  /** Informer restarts by kind and cause (`gone`, `error`, `stall`). */
  public readonly informerRestarts: Counter<'kind' | 'cause'>;
  /** 1 while this process holds the leader Lease (or runs without leader election). */
  public readonly leader: Gauge;
  /** API requests by RBAC verb, group, resource and HTTP status (0: no answer). */
  public readonly apiRequests: Counter<'verb' | 'group' | 'resource' | 'code'>;

  public constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'kubejobs_' });
    this.reconcileTotal = new Counter({ name: 'kubejobs_reconcile_total', help: 'Reconciles by controller and result.', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'kubejobs_reconcile_errors_total', help: 'Reconciles that failed with an error.', labelNames: ['controller'], registers });
    this.reconcileDuration = new Histogram({
      name: 'kubejobs_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'kubejobs_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['controller'], registers });
    this.queueAdds = new Counter({ name: 'kubejobs_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['controller'], registers });
    this.cachedObjects = new Gauge({ name: 'kubejobs_cached_objects', help: 'Objects in the informer cache, per kind.', labelNames: ['kind'], registers });
    this.informerRestarts = new Counter({ name: 'kubejobs_informer_restarts_total', help: 'Informer list/watch restarts by cause.', labelNames: ['kind', 'cause'], registers });
    this.apiRequests = new Counter({
      name: 'kubejobs_api_requests_total',
      help: 'Kubernetes API requests by RBAC verb, API group, resource and HTTP status (0: no answer).',
      labelNames: ['verb', 'group', 'resource', 'code'],
      registers,
    });
    this.leader = new Gauge({ name: 'kubejobs_leader', help: '1 while this replica is the leader.', registers });
  }
}
