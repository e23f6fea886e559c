import { Command, InvalidArgumentError, Option } from 'commander';
import { parseBoolean, parseConcurrency, parseDuration } from './server-flags';
import { ArenaConfigReconciler } from '../controller/arena-config/reconciler';
import { ArenaJobReconciler } from '../controller/arena-job/reconciler';
import { DEFAULT_ARENA_WORKER_IMAGE } from '../controller/arena-job/render-worker-job';
import { ArenaScheduleReconciler } from '../controller/arena-schedule/reconciler';
import { ArenaSourceReconciler } from '../controller/arena-source/reconciler';
import { GenericJobReconciler } from '../controller/generic-job/reconciler';
import { loadClusterCredentials } from '../controller/kubeconfig';
import { createLogger, LOG_LEVELS } from '../controller/logger';
import { Manager } from '../controller/manager';
import { ProviderReconciler } from '../controller/provider/reconciler';
import { RadixBatchReconciler } from '../controller/radix-batch/reconciler';
import { PACKAGE_VERSION } from '../package-version';

/** `kubejobs controller`: the manager with every reconciler, until SIGTERM. */
export function controllerCommand(): Command {
  return new Command('controller')
    .description('Run the controller: reconcile GenericJobs, the Arena chain (ArenaSource, Provider, ArenaConfig, ArenaJob) and RadixBatches in one or all namespaces.')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
    .option('--namespace <ns>', 'watch only this namespace (default: all namespaces)')
    .option('--leader-elect <bool>', 'elect a leader through a Lease so that only one replica reconciles', parseBoolean, true)
    .option('--leader-election-namespace <ns>', 'namespace of the leader Lease (default: $POD_NAMESPACE, else kubejobs-system)')
    .option('--leader-election-id <name>', 'name of the leader Lease', 'kubejobs-controller')
    .option('--leader-elect-lease-duration <duration>', 'how long a Lease is valid without renewal; a standby takes over after it', parseDuration, 15_000)
    .option('--leader-elect-renew-deadline <duration>', 'the leader stops (exits) when it could not renew for this long; must be shorter than the lease duration', parseDuration, 10_000)
    .option('--leader-elect-retry-period <duration>', 'pause between attempts to acquire or renew the Lease', parseDuration, 2_000)
    .option('--metrics-bind-address <addr>', 'address of the Prometheus /metrics endpoint; 0 disables it', ':8080')
    .option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz; 0 disables it', ':8081')
    .option('--concurrency <n>', 'reconciles run at once', parseConcurrency, 4)
    .option('--request-timeout <duration>', 'deadline of every API request (for a watch: until its response starts)', parseDuration, 30_000)
    .option('--watch-stall-timeout <duration>', 'restart a watch that received nothing, not even a bookmark, for this long', parseDuration, 150_000)
    .option('--stuck-reconcile-timeout <duration>', '/healthz fails while one reconcile has run this long', parseDuration, 300_000)
    .option('--arena-worker-image <image>', 'image of the ArenaJob worker containers', DEFAULT_ARENA_WORKER_IMAGE)
    .addOption(new Option('--arena-worker-image-pull-policy <policy>', 'pull policy of the ArenaJob worker containers').choices(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'))
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .action(async (opts: {
      kubeconfig?: string;
      namespace?: string;
      arenaWorkerImage: string;
      arenaWorkerImagePullPolicy: string;
      leaderElect: boolean;
      leaderElectionNamespace?: string;
      leaderElectionId: string;
      leaderElectLeaseDuration: number;
      leaderElectRenewDeadline: number;
      leaderElectRetryPeriod: number;
      metricsBindAddress: string;
      healthProbeBindAddress: string;
      concurrency: number;
      requestTimeout: number;
      watchStallTimeout: number;
      stuckReconcileTimeout: number;
      logLevel: string;
    }) => {
      const timingOrdered = opts.leaderElectRetryPeriod < opts.leaderElectRenewDeadline
        && opts.leaderElectRenewDeadline < opts.leaderElectLeaseDuration;
      if (opts.leaderElect && !timingOrdered) {
        // A leader must stop before a standby may take over, and must get more than one try.
        throw new InvalidArgumentError(`--leader-elect-retry-period (${opts.leaderElectRetryPeriod} ms) < --leader-elect-renew-deadline ` +
          `(${opts.leaderElectRenewDeadline} ms) < --leader-elect-lease-duration (${opts.leaderElectLeaseDuration} ms) must hold`);
      }
      const log = createLogger(opts.logLevel);
      const kc = loadClusterCredentials(opts.kubeconfig);
      const manager = new Manager({
        kubeConfig: kc,
        log,
        namespace: opts.namespace,
        concurrency: opts.concurrency,
        leaderElect: opts.leaderElect,
        leaderElectionNamespace: opts.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? 'kubejobs-system',
        leaderElectionId: opts.leaderElectionId,
        leaderElectionTiming: {
          leaseDurationMs: opts.leaderElectLeaseDuration,
          renewDeadlineMs: opts.leaderElectRenewDeadline,
          retryPeriodMs: opts.leaderElectRetryPeriod,
        },
        metricsBindAddress: opts.metricsBindAddress,
        healthProbeBindAddress: opts.healthProbeBindAddress,
        requestTimeoutMs: opts.requestTimeout,
        watchStallTimeoutMs: opts.watchStallTimeout,
        stuckReconcileMs: opts.stuckReconcileTimeout,
      });
      manager.add(new GenericJobReconciler());
      manager.add(new RadixBatchReconciler());
      manager.add(new ArenaSourceReconciler());
      manager.add(new ProviderReconciler());
      manager.add(new ArenaConfigReconciler());
      manager.add(new ArenaJobReconciler({ workerImage: opts.arenaWorkerImage, workerImagePullPolicy: opts.arenaWorkerImagePullPolicy }));
      manager.add(new ArenaScheduleReconciler());
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        // A stuck apiserver must not keep the pod past its grace period.
        setTimeout(() => process.exit(1), 8_000).unref();
        manager.stop().then(() => process.exit(0), (err) => {
          log.error({ err: String(err) }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      log.info({ version: PACKAGE_VERSION, namespace: opts.namespace ?? '(all)', leaderElect: opts.leaderElect, concurrency: opts.concurrency, server: kc.getCurrentCluster()?.server }, 'starting kubejobs controller');
      await manager.start();
    });
}
