import { isConflict, isAlreadyExists, KubeClient } from './kube-client';
import { Logger } from './logger';

/** Timing of leader election (controller-runtime's defaults). */
export interface LeaderElectionTiming {
  /** How long a lease is valid without renewal. */
  readonly leaseDurationMs: number;
  /** The leader gives up when it could not renew for this long. */
  readonly renewDeadlineMs: number;
  /** Pause between acquire/renew attempts. */
  readonly retryPeriodMs: number;
}

/** 15 s lease, 10 s renew deadline, 2 s retry. */
export const DEFAULT_LEADER_ELECTION_TIMING: LeaderElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

/**
 * Lease-based leader election (`coordination.k8s.io/v1`), like client-go's: a candidate takes the
 * Lease when it is free or its holder did not renew within the lease duration, as measured on the
 * candidate's own clock from when it last saw the Lease change (clocks of replicas may differ).
 * Every write is guarded by resourceVersion, so two candidates can never both win.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observedRecord = '';
  private observedAtMs = 0;
  private lastRenewMs = 0;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  public constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
    /** This candidate's identity (pod name + random suffix). */
    public readonly identity: string,
    private readonly log: Logger,
    private readonly callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void },
    private readonly timing: LeaderElectionTiming = DEFAULT_LEADER_ELECTION_TIMING,
  ) {}

  /** True while this candidate holds the Lease. */
  public isLeader(): boolean {
    return this.leading;
  }

  /**
   * True while this replica leads and its last successful renewal is younger than the renew
   * deadline: checked before every write, so a write never starts after the deadline even when the
   * deadline timer has not had its turn on a busy event loop.
   */
  public holdsValidLease(now = Date.now()): boolean {
    return this.leading && now < this.lastRenewMs + this.timing.renewDeadlineMs;
  }

  /** Starts competing for (and then renewing) the Lease. */
  public start(): void {
    this.loop ??= this.run();
  }

  /** Stops; when leading, releases the Lease so a standby takes over at once. */
  public async stop(): Promise<void> {
    this.stopped = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release();
    }
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      // Measured before the request: the Lease's renewTime, as other replicas see it, is no later.
      const attemptStartedMs = Date.now();
      // A leader's attempt may take only until its renew deadline; a candidate's, one retry period
      // plus slack (it holds nothing that could go stale).
      const budgetMs = this.leading
        ? Math.max(1, this.lastRenewMs + this.timing.renewDeadlineMs - attemptStartedMs)
        : Math.max(this.timing.retryPeriodMs, 1_000) * 2;
      try {
        ok = await this.tryAcquireOrRenew(budgetMs);
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'leader election: lease request failed');
      }
      if (this.stopped) return;
      if (ok) {
        this.lastRenewMs = attemptStartedMs;
        if (!this.leading) {
          this.leading = true;
          this.log.info({ lease: `${this.namespace}/${this.name}`, identity: this.identity }, 'became leader');
          this.callbacks.onStartedLeading();
        }
        this.armDeadline();
      } else if (this.leading && Date.now() - this.lastRenewMs >= this.timing.renewDeadlineMs) {
        this.loseLeadership();
        return;
      }
      await this.sleep(this.timing.retryPeriodMs * (this.leading ? 1 : 0.8 + Math.random() * 0.4));
    }
  }

  /**
   * The renew deadline is enforced by a timer, not by the renew loop: however a request hangs, the
   * leader stops reconciling when its last successful renew is `renewDeadlineMs` old, which is
   * before any other replica may take the Lease (`leaseDurationMs` after it saw the last renew).
   */
  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const remaining = this.lastRenewMs + this.timing.renewDeadlineMs - Date.now();
    this.deadlineTimer = setTimeout(() => {
      if (this.leading && !this.stopped) this.loseLeadership();
    }, Math.max(0, remaining));
    this.deadlineTimer.unref();
  }

  private loseLeadership(): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.log.error({ lease: `${this.namespace}/${this.name}`, renewDeadlineMs: this.timing.renewDeadlineMs },
      'lost leadership: could not renew the lease within the renew deadline');
    this.callbacks.onStoppedLeading();
  }

  private async tryAcquireOrRenew(budgetMs: number): Promise<boolean> {
    const nowIso = microTime();
    // Rounded up: standbys must never wait less than the leader's renew deadline.
    const durationSeconds = Math.max(1, Math.ceil(this.timing.leaseDurationMs / 1000));
    const deadline = Date.now() + budgetMs;
    const remaining = () => ({ timeoutMs: Math.max(1, deadline - Date.now()) });
    const current = await this.client.get<Lease>(`${this.path}/${this.name}`, remaining());
    if (!current) {
      try {
        await this.client.create(this.path, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.namespace },
          spec: { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: nowIso, renewTime: nowIso, leaseTransitions: 0 },
        }, undefined, remaining());
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    const record = JSON.stringify(current.spec);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = Date.now();
    }
    const holder = current.spec.holderIdentity ?? '';
    const leaseMs = (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const isMine = holder === this.identity;
    if (!isMine && holder !== '' && this.observedAtMs + leaseMs > Date.now()) return false;
    const spec: Lease['spec'] = isMine
      ? { ...current.spec, renewTime: nowIso, leaseDurationSeconds: durationSeconds }
      : {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: nowIso,
        renewTime: nowIso,
        leaseTransitions: (current.spec.leaseTransitions ?? 0) + (holder === '' && !current.spec.acquireTime ? 0 : 1),
      };
    try {
      const updated = await this.client.replace<Lease>(`${this.path}/${this.name}`, { ...current, spec }, undefined, remaining());
      this.observedRecord = JSON.stringify(updated.spec);
      this.observedAtMs = Date.now();
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    try {
      const current = await this.client.get<Lease>(`${this.path}/${this.name}`);
      if (!current || current.spec.holderIdentity !== this.identity) return;
      const now = microTime();
      await this.client.replace(`${this.path}/${this.name}`, {
        ...current,
        spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.log.info({ lease: `${this.namespace}/${this.name}` }, 'released the leader lease');
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release the leader lease');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** Lease times are metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
