import { killRunningKubejobs, runKubejobs, RunningKubejobs, CliRun } from './cli-process';
import { SchedulingCluster, useSchedulingTier } from '../cluster/tiers/use-tier';
import { RunningController, useController } from '../controller/use-controller';

/** What a CLI test file gets from {@link useCliCluster}. */
export interface CliCluster {
  /** The control plane and the scheduling tier (one KWOK node, `cpu-0`). */
  readonly cluster: () => SchedulingCluster;
  /** `kubejobs controller`, running against it. */
  readonly running: () => RunningController;
  /** Runs `kubejobs <args>` to its end, as a user does, with the plane's admin kubeconfig. */
  readonly kubejobs: (...args: string[]) => Promise<CliRun>;
  /** Starts `kubejobs <args>` and returns at once (e.g. `logs -f`). */
  readonly start: (...args: string[]) => RunningKubejobs;
}

/**
 * The cluster of a CLI test file: a control plane with the `scheduling` tier and `kubejobs
 * controller`; every `kubejobs` process a test started is killed after it.
 */
export function useCliCluster(): CliCluster {
  jest.setTimeout(180_000);
  const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
  const running = useController(() => cluster().plane);
  afterEach(killRunningKubejobs);
  return {
    cluster,
    running,
    kubejobs: (...args) => runKubejobs(cluster().plane.kubeconfigPath, ...args),
    start: (...args) => new RunningKubejobs(cluster().plane.kubeconfigPath, args),
  };
}
