import { ensureNodeBuild, NODE_CONTROLLERS, NodeTier, startNodeTier } from './node-tier';
import { OperatorsTier, startOperatorsTier } from './operators-tier';
import { FakeNode, SCHEDULING_CONTROLLERS, SchedulingTier, startSchedulingTier } from './scheduling-tier';
import { ensureTierBinaries, Tier } from './tier-binaries';
import { ControlPlane, DEFAULT_CONTROLLERS, ensureBinaries, startControlPlane, StartOptions } from '../control-plane';
import { FAILED_FLAG } from '../failure-flag';
import { SETUP_SETTLE_MS, setupSettled, stopEach, stopWhenSettled } from '../setup-settled';

/**
 * Time allowed for `beforeAll`: a cold build of the control plane and the tier (about 4.5 min
 * plus 11 min on 2 cores with an empty Go cache; more under load) plus the start.
 */
export const TIER_SETUP_TIMEOUT_MS = 60 * 60_000;

/** A control plane with the `scheduling` tier. */
export interface SchedulingCluster {
  readonly plane: ControlPlane;
  readonly scheduling: SchedulingTier;
}

/** A control plane with the `operators` tier (which includes `scheduling`). */
export interface OperatorsCluster extends SchedulingCluster {
  readonly operators: OperatorsTier;
}

/** Options of {@link useSchedulingTier} and {@link useOperatorsTier}. */
export interface TierOptions {
  /** Fake nodes created before the tests (default: none; tests can add them). */
  readonly nodes?: readonly FakeNode[];
  /** Options of the control plane; `nodelifecycle` is added to its controllers. */
  readonly plane?: StartOptions;
}

/**
 * A control plane plus kube-scheduler and KWOK for the calling test file: pods are bound to fake
 * nodes and live as their annotations script (pod-script.ts). Started in `beforeAll`, stopped by
 * PID in `afterAll`; logs printed when a test failed.
 */
export function useSchedulingTier(options: TierOptions = {}): () => SchedulingCluster {
  return useTier('scheduling', options) as () => SchedulingCluster;
}

/**
 * {@link useSchedulingTier} plus Kueue, the AppWrapper controller and the training-operator, each
 * with its upstream CRDs, webhooks, ServiceAccount and RBAC (operators-tier.ts).
 */
export function useOperatorsTier(options: TierOptions = {}): () => OperatorsCluster {
  return useTier('operators', options) as () => OperatorsCluster;
}

function useTier(tier: Tier, options: TierOptions): () => SchedulingCluster | OperatorsCluster {
  let plane: ControlPlane | undefined;
  let scheduling: SchedulingTier | undefined;
  let operators: OperatorsTier | undefined;
  const stopAll = (keepLogs: boolean): Promise<void> => stopEach([
    () => operators?.stop(), () => scheduling?.stop(), () => plane?.stop(keepLogs ? { keepLogs: true } : {}),
  ]);
  // Aborted in afterAll, which jest runs even when beforeAll failed or timed out: a build still
  // going then is killed instead of outliving the test file.
  const build = new AbortController();
  let setup: Promise<void> | undefined;
  beforeAll(() => setup = (async () => {
    const started = Date.now();
    // In sequence: build-binaries.sh (re)writes test/cluster/go.mod, which the kube-scheduler build reads.
    const binDir = options.plane?.binDir ?? await ensureBinaries();
    const built = await ensureTierBinaries(tier, {
      signal: build.signal,
      timeoutMs: Math.max(60_000, TIER_SETUP_TIMEOUT_MS - (Date.now() - started) - 3 * 60_000),
    });
    const controllers = [...(options.plane?.controllers ?? DEFAULT_CONTROLLERS), ...SCHEDULING_CONTROLLERS];
    const running = plane = await startControlPlane({ ...options.plane, binDir, controllers });
    await startOnPlane(running, stopAll, async () => {
      let t = Date.now();
      scheduling = await startSchedulingTier(running, built, options.nodes ?? []);
      debug(`scheduling tier started in ${Date.now() - t} ms`);
      t = Date.now();
      if (tier === 'operators') operators = await startOperatorsTier(running, built);
      if (operators) debug(`operators tier started in ${Date.now() - t} ms`);
    });
  })(), TIER_SETUP_TIMEOUT_MS);
  stopAfterAll(build, () => setup, () => plane, () => `${scheduling?.dumpLogs(60) ?? ''}\n${operators?.dumpLogs(60) ?? ''}`, stopAll, 120_000);
  return () => {
    if (plane === undefined || scheduling === undefined || (tier === 'operators' && operators === undefined)) {
      throw new Error(`the ${tier} tier is not running (did beforeAll fail?)`);
    }
    return { plane, scheduling, ...(operators ? { operators } : {}) };
  };
}

/**
 * Starts a tier's parts on a running control plane; when one fails, stops what did start (keeping
 * the logs) and says where the logs are.
 */
async function startOnPlane(plane: ControlPlane, stopAll: (keepLogs: boolean) => Promise<void>, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    // The start's error is the one to read; a stop that fails as well is added to it.
    const stopFailure = await stopAll(true).then(() => '', (stopErr: unknown) => `\n(stopping what had started failed too: ${(stopErr as Error)?.message ?? String(stopErr)})`);
    throw new Error(`${(err as Error).message}\nlogs kept in ${plane.logsDir}${stopFailure}`);
  }
}

/**
 * The tier's `afterAll`, which jest runs even when `beforeAll` failed or timed out: aborts a build
 * still going, waits (bounded) for a start still going, prints the cluster's logs when a test
 * failed, and stops every part that started by PID, each even when one before it fails (keeping
 * the logs of a failed run); what a start still going brings up later is stopped once it ends.
 */
function stopAfterAll(build: AbortController, setup: () => Promise<void> | undefined, plane: () => ControlPlane | undefined,
  tierLogs: () => string, stopAll: (keepLogs: boolean) => Promise<void>, timeoutMs: number): void {
  afterAll(async () => {
    build.abort();
    // A start still going (beforeAll timed out) would bring parts up after this hook.
    const started = setup();
    const settled = await setupSettled(started);
    const running = plane();
    const failed = (globalThis as Record<string, unknown>)[FAILED_FLAG] === true;
    if (failed && running !== undefined) {
      process.stderr.write(`\n--- cluster logs (a test failed; kept in ${running.logsDir}) ---\n${running.dumpLogs(60)}\n${tierLogs()}\n`);
    }
    const ownStop = running === undefined ? Promise.resolve() : stopAll(failed);
    if (!settled) stopWhenSettled(started!, ownStop, () => stopAll(true));
    await ownStop;
  }, timeoutMs + SETUP_SETTLE_MS);
}

/** Start timings, only with $KUBEJOBS_CLUSTER_DEBUG set (as control-plane.ts prints its own). */
function debug(message: string): void {
  if (process.env.KUBEJOBS_CLUSTER_DEBUG) process.stderr.write(`kubejobs-cluster: ${message}\n`);
}

/** A control plane with the `node` tier: kube-scheduler and one real kubelet. */
export interface NodeCluster {
  readonly plane: ControlPlane;
  readonly scheduling: SchedulingTier;
  readonly node: NodeTier;
}

/**
 * A control plane plus kube-scheduler and a real kubelet with containerd and runc (node-tier.ts),
 * the kubejobs image built from ./Dockerfile and its base imported (no registry pulls). KWOK runs
 * too but manages no node. Started in `beforeAll`, stopped by PID in `afterAll` (pods deleted
 * first); the kubelet's and containerd's logs printed when a test failed.
 */
export function useNodeTier(options: Pick<TierOptions, 'plane'> = {}): () => NodeCluster {
  let plane: ControlPlane | undefined;
  let scheduling: SchedulingTier | undefined;
  let node: NodeTier | undefined;
  const build = new AbortController();
  const stopAll = (keepLogs: boolean): Promise<void> => stopEach([
    () => node?.stop(), () => scheduling?.stop(), () => plane?.stop(keepLogs ? { keepLogs: true } : {}),
  ]);
  let setup: Promise<void> | undefined;
  beforeAll(() => setup = (async () => {
    const started = Date.now();
    const binDir = options.plane?.binDir ?? await ensureBinaries();
    const built = await ensureTierBinaries('scheduling', {
      signal: build.signal,
      timeoutMs: Math.max(60_000, TIER_SETUP_TIMEOUT_MS - (Date.now() - started) - 3 * 60_000),
    });
    const nodeBuild = await ensureNodeBuild(build.signal);
    const controllers = [...new Set([...(options.plane?.controllers ?? DEFAULT_CONTROLLERS), ...SCHEDULING_CONTROLLERS, ...NODE_CONTROLLERS])];
    const running = plane = await startControlPlane({ ...options.plane, binDir, controllers });
    await startOnPlane(running, stopAll, async () => {
      scheduling = await startSchedulingTier(running, built, []);
      const t = Date.now();
      node = await startNodeTier(running, nodeBuild);
      debug(`node tier started in ${Date.now() - t} ms`);
    });
  })(), TIER_SETUP_TIMEOUT_MS);
  stopAfterAll(build, () => setup, () => plane, () => `${scheduling?.dumpLogs(40) ?? ''}\n${node?.dumpLogs(100) ?? ''}`, stopAll, 180_000);
  return () => {
    if (plane === undefined || scheduling === undefined || node === undefined) throw new Error('the node tier is not running (did beforeAll fail?)');
    return { plane, scheduling, node };
  };
}
