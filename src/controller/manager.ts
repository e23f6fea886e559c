import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { FastifyInstance } from 'fastify';
import { EventRecorder } from './events';
import { parseBindAddress, startHttpServer } from './health-server';
import { describe, Informer, keyOf } from './informer';
import { CONTROLLER_PERMISSIONS, LEADER_ELECTION_PERMISSIONS } from '../controller-permissions';
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClient, KubeObject } from './kube-client';
import { ClusterCredentials } from './kubeconfig';
import { DEFAULT_LEADER_ELECTION_TIMING, LeaderElectionTiming, LeaderElector } from './leader-election';
import { Logger } from './logger';
import { ControllerMetrics } from './metrics';
import { Reconciler, ReconcileContext } from './reconciler';
import { formatAttributes, isPermitted } from './request-attributes';
import { WorkQueue } from './work-queue';

/** Options of {@link Manager}. */
export interface ManagerOptions {
  readonly kubeConfig: ClusterCredentials;
  readonly log: Logger;
  /** Watch one namespace; all when undefined. */
  readonly namespace?: string;
  /** Reconciles run at once per reconciler. */
  readonly concurrency: number;
  /** Lease-based leader election. */
  readonly leaderElect: boolean;
  /** Namespace of the leader Lease. */
  readonly leaderElectionNamespace: string;
  /** Name of the leader Lease. */
  readonly leaderElectionId?: string;
  readonly leaderElectionTiming?: LeaderElectionTiming;
  /** `[host]:port` or `0`. */
  readonly metricsBindAddress: string;
  /** `[host]:port` or `0`. */
  readonly healthProbeBindAddress: string;
  /** Every key is reconciled again this often, as a safety net for missed events. */
  readonly resyncPeriodMs?: number;
  /** Deadline of every API request, in ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** /healthz fails while a reconcile has run longer than this, in ms (default 5 min). */
  readonly stuckReconcileMs?: number;
  /** Restart a watch that received nothing (not even a bookmark) for this long, in ms (default 150 s). */
  readonly watchStallTimeoutMs?: number;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Default of {@link ManagerOptions.stuckReconcileMs}. */
export const DEFAULT_STUCK_RECONCILE_MS = 300_000;

interface Controller {
  readonly reconciler: Reconciler;
  readonly queue: WorkQueue;
  readonly primary: Informer<KubeObject>;
  readonly owned: Map<string, Informer<KubeObject>>;
  readonly watched: Map<string, Informer<KubeObject>>;
}

/**
 * Runs reconcilers: informers for their primary and owned kinds, a work queue each, N workers,
 * leader election, health and metrics endpoints, and a graceful stop. Reconcilers plug in through
 * {@link Reconciler} and never see any of this machinery.
 */
export class Manager {
  /** The metrics. */
  public readonly metrics = new ControllerMetrics();
  private readonly client: KubeClient;
  private readonly controllers: Controller[] = [];
  private readonly events: EventRecorder;
  private elector: LeaderElector | undefined;
  private servers: FastifyInstance[] = [];
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopping = false;
  private readonly identity: string;
  /** Reconciles in flight: `controller key` -> start time. */
  private readonly inFlight = new Map<string, number>();

  public constructor(private readonly options: ManagerOptions) {
    const permissions = [...CONTROLLER_PERMISSIONS, ...LEADER_ELECTION_PERMISSIONS];
    this.client = new KubeClient(options.kubeConfig, {
      userAgent: 'kubejobs-controller',
      timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // The RBAC table is the one gate: a request outside it is a bug in the controller, refused
      // here with a message naming it instead of a 403 from the API server.
      authorize: (a) => {
        if (!isPermitted(permissions, a)) {
          this.metrics.apiRequests.inc({ verb: a.verb, group: a.apiGroup, resource: a.resource, code: 'refused' });
          throw new Error(`kubejobs controller: '${formatAttributes(a)}' is not in its RBAC table (src/controller-permissions.ts)`);
        }
        // Fencing: once the renew deadline has passed, no write leaves this process, whatever the
        // event loop has not run yet. The Lease's own requests are the election itself.
        if (this.elector && a.resource !== 'leases' && !READ_VERBS.has(a.verb) && !this.elector.holdsValidLease()) {
          throw new Error(`kubejobs controller: '${formatAttributes(a)}' refused: this replica does not hold a valid leader Lease`);
        }
      },
      onResponse: (a, code) => this.metrics.apiRequests.inc({ verb: a.verb, group: a.apiGroup, resource: a.resource, code: String(code) }),
    });
    this.identity = `${process.env.POD_NAME ?? os.hostname()}_${randomBytes(4).toString('hex')}`;
    this.events = new EventRecorder(this.client, 'kubejobs-controller', this.identity, options.log);
  }

  /** Adds a reconciler (before `start`). */
  public add(reconciler: Reconciler): void {
    const log = this.options.log;
    const queue = new WorkQueue({
      onDepth: (d) => this.metrics.queueDepth.set({ controller: reconciler.name }, d),
      onAdd: () => this.metrics.queueAdds.inc({ controller: reconciler.name }),
    });
    this.metrics.queueDepth.set({ controller: reconciler.name }, 0);
    const makeInformer = (type: Reconciler['primary'], labelSelector?: string) => new Informer<KubeObject>(this.client, type, log, {
      namespace: this.options.namespace,
      labelSelector,
      onRestart: (cause) => this.metrics.informerRestarts.inc({ kind: type.kind, cause }),
      onSize: (n) => this.metrics.cachedObjects.set({ kind: type.kind }, n),
      requestTimeoutMs: this.options.requestTimeoutMs,
      stallTimeoutMs: this.options.watchStallTimeoutMs,
    });
    const primary = makeInformer(reconciler.primary);
    primary.on((_event, obj) => queue.add(keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '')));
    const owned = new Map<string, Informer<KubeObject>>();
    for (const type of reconciler.owned) {
      const informer = makeInformer(type, type.labelSelector);
      informer.on((_event, obj) => {
        if (type.primaryNameLabel) {
          const primaryName = obj.metadata?.labels?.[type.primaryNameLabel];
          if (primaryName) queue.add(keyOf(obj.metadata?.namespace, primaryName));
          return;
        }
        const owner = obj.metadata?.ownerReferences?.find((r) => r.controller && r.kind === reconciler.primary.kind &&
          r.apiVersion.split('/')[0] === reconciler.primary.apiVersion.split('/')[0]);
        if (owner) queue.add(keyOf(obj.metadata?.namespace, owner.name));
      });
      owned.set(type.kind, informer);
    }
    const watched = new Map<string, Informer<KubeObject>>();
    for (const type of reconciler.watched ?? []) {
      const informer = makeInformer(type, type.labelSelector);
      informer.on((_event, obj) => {
        for (const key of type.keysFor(obj, primary)) queue.add(key);
      });
      watched.set(type.kind, informer);
    }
    this.controllers.push({ reconciler, queue, primary, owned, watched });
  }

  /** True once every cache has synced. */
  public cachesSynced(): boolean {
    return this.controllers.every((c) => c.primary.hasSynced() && [...c.owned.values(), ...c.watched.values()].every((i) => i.hasSynced()));
  }

  /**
   * Why the process is wedged, if it is: an informer whose list/watch loop made no progress for
   * longer than a healthy loop can (every request has a deadline, so only a bug gets there), or a
   * reconcile running longer than {@link ManagerOptions.stuckReconcileMs}. The kubelet restarts
   * the pod on a failing /healthz; a standby (or the restarted pod) takes over.
   */
  public livenessProblems(now = Date.now()): string[] {
    const problems: string[] = [];
    for (const c of this.controllers) {
      for (const informer of [c.primary, ...c.owned.values(), ...c.watched.values()]) {
        const quietMs = now - informer.lastProgressAt;
        if (quietMs > informer.maxQuietMs) {
          problems.push(`informer ${informer.type.kind}: no list/watch progress for ${Math.round(quietMs / 1000)} s`);
        }
      }
    }
    const stuckMs = this.options.stuckReconcileMs ?? DEFAULT_STUCK_RECONCILE_MS;
    for (const [key, started] of this.inFlight) {
      if (now - started > stuckMs) problems.push(`reconcile ${key}: running for ${Math.round((now - started) / 1000)} s`);
    }
    return problems;
  }

  /** Starts everything; reconciling begins once leading (or at once without leader election). */
  public async start(): Promise<void> {
    const log = this.options.log;
    const health = parseBindAddress('--health-probe-bind-address', this.options.healthProbeBindAddress);
    const metricsAddress = parseBindAddress('--metrics-bind-address', this.options.metricsBindAddress);
    if (health) {
      this.servers.push(await startHttpServer(health, {
        '/healthz': async () => {
          const problems = this.livenessProblems();
          return problems.length === 0 ? { status: 200, body: 'ok' } : { status: 500, body: problems.join('\n') };
        },
        '/readyz': async () => {
          const synced = this.cachesSynced();
          // Leading or standing by: a standby is ready to take over, so it must not be restarted.
          const electing = !this.options.leaderElect || this.elector !== undefined;
          return synced && electing && !this.stopping
            ? { status: 200, body: 'ok' }
            : { status: 503, body: this.stopping ? 'stopping' : 'caches not synced' };
        },
      }));
      log.info({ address: `${health.host}:${health.port}` }, 'health probes listening');
    }
    if (metricsAddress) {
      this.servers.push(await startHttpServer(metricsAddress, {
        '/metrics': async () => ({ status: 200, body: await this.metrics.registry.metrics(), contentType: this.metrics.registry.contentType }),
      }));
      log.info({ address: `${metricsAddress.host}:${metricsAddress.port}` }, 'metrics listening');
    }
    for (const c of this.controllers) {
      c.primary.start();
      for (const i of [...c.owned.values(), ...c.watched.values()]) i.start();
    }
    if (this.options.leaderElect) {
      this.elector = new LeaderElector(this.client, this.options.leaderElectionNamespace, this.options.leaderElectionId ?? 'kubejobs-controller',
        this.identity, log, {
          onStartedLeading: () => void this.startReconciling(),
          onStoppedLeading: () => {
            this.metrics.leader.set(0);
            // Another replica may reconcile from now on: stop at once, like controller-runtime.
            log.error('leadership lost: exiting');
            process.exit(1);
          },
        }, this.options.leaderElectionTiming ?? DEFAULT_LEADER_ELECTION_TIMING);
      this.elector.start();
      log.info({ identity: this.identity }, 'waiting for leadership');
    } else {
      void this.startReconciling();
    }
  }

  private async startReconciling(): Promise<void> {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.metrics.leader.set(1);
    const log = this.options.log;
    for (const c of this.controllers) {
      await Promise.all([c.primary.waitForSync(), ...[...c.owned.values(), ...c.watched.values()].map((i) => i.waitForSync())]);
      if (this.stopping) return;
      log.info({ controller: c.reconciler.name, objects: c.primary.size }, 'caches synced: starting workers');
      // Events seen while standing by were queued already; this catches anything else.
      for (const o of c.primary.list()) c.queue.add(keyOf(o.metadata?.namespace, o.metadata?.name ?? ''));
      for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work(c));
    }
    const resync = this.options.resyncPeriodMs ?? 300_000;
    this.resyncTimer = setInterval(() => {
      for (const c of this.controllers) for (const o of c.primary.list()) c.queue.add(keyOf(o.metadata?.namespace, o.metadata?.name ?? ''));
    }, resync);
    this.resyncTimer.unref();
  }

  private async work(c: Controller): Promise<void> {
    const name = c.reconciler.name;
    const baseLog = this.options.log.child({ controller: name });
    const owned = (kind: string) => {
      const i = c.owned.get(kind);
      if (!i) throw new Error(`reconciler ${name} did not declare ${kind} as owned`);
      return i;
    };
    const watched = (kind: string) => {
      const i = c.watched.get(kind);
      if (!i) throw new Error(`reconciler ${name} did not declare ${kind} as watched`);
      return i;
    };
    for (;;) {
      const key = await c.queue.get();
      if (key === undefined) return;
      const log = baseLog.child({ key });
      const context: ReconcileContext = { client: this.client, primary: c.primary, owned, watched, events: this.events, log };
      const end = this.metrics.reconcileDuration.startTimer({ controller: name });
      const flightKey = `${name} ${key}`;
      this.inFlight.set(flightKey, Date.now());
      try {
        const result = await c.reconciler.reconcile(key, context);
        log.debug({ requeueAfterMs: result.requeueAfterMs }, 'reconciled');
        c.queue.forget(key);
        if (result.requeueAfterMs !== undefined) {
          c.queue.addAfter(key, result.requeueAfterMs);
          this.metrics.reconcileTotal.inc({ controller: name, result: 'requeue' });
        } else {
          this.metrics.reconcileTotal.inc({ controller: name, result: 'success' });
        }
      } catch (err) {
        const retryInMs = c.queue.addRateLimited(key);
        this.metrics.reconcileTotal.inc({ controller: name, result: 'error' });
        this.metrics.reconcileErrors.inc({ controller: name });
        // Conflicts are the normal price of optimistic concurrency with a lagging cache.
        const level = /Conflict|the object has been modified/.test(describe(err)) ? 'debug' : 'warn';
        log[level]({ err: describe(err), retryInMs }, 'reconcile failed: requeued');
      } finally {
        this.inFlight.delete(flightKey);
        end();
        c.queue.done(key);
      }
    }
  }

  /** Stops informers, lets in-flight reconciles finish, releases the Lease and closes the servers. */
  public async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const log = this.options.log;
    log.info('stopping: draining in-flight reconciles');
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const c of this.controllers) c.queue.shutDown();
    await Promise.all(this.controllers.flatMap((c) => [c.primary.stop(), ...[...c.owned.values(), ...c.watched.values()].map((i) => i.stop())]));
    await Promise.all(this.workers);
    await this.elector?.stop();
    await Promise.all(this.servers.map((s) => s.close()));
    log.info('stopped');
  }
}
