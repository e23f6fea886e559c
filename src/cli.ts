#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliIo, PROCESS_IO } from './cli/io';
import { runCli } from './cli/run';
import { ArenaConfigReconciler } from './controller/arena-config/reconciler';
import { ArenaJobReconciler } from './controller/arena-job/reconciler';
import { DEFAULT_ARENA_WORKER_IMAGE } from './controller/arena-job/render-worker-job';
import { ArenaScheduleReconciler } from './controller/arena-schedule/reconciler';
import { ArenaSourceReconciler } from './controller/arena-source/reconciler';
import { GenericJobReconciler } from './controller/generic-job/reconciler';
import { loadClusterCredentials } from './controller/kubeconfig';
import { createLogger, LOG_LEVELS } from './controller/logger';
import { Manager } from './controller/manager';
import { ProviderReconciler } from './controller/provider/reconciler';
import { RadixBatchReconciler } from './controller/radix-batch/reconciler';
import { PACKAGE_VERSION } from './package-version';
import { runJobScheduler } from './scheduler/command';
import { DEFAULT_MAX_IN_FLIGHT_BYTES, DEFAULT_MAX_REQUEST_BYTES } from './scheduler/memory-budget';

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`'${value}' is not a boolean: use true or false`);
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`'${value}' must be an integer from 1 to 1000`);
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A Go-style duration of one unit (`500ms`, `30s`, `5m`, `1h`), as Kubernetes' own flags take. */
function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match || Number(match[1]) <= 0) throw new InvalidArgumentError(`'${value}' must be a positive duration such as 500ms, 30s, 5m or 1h`);
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]!]!);
}

/** The `kubejobs` command line. */
export function buildProgram(io: CliIo = PROCESS_IO, options: { terminalCommands?: boolean } = {}): Command {
  const program = new Command('kubejobs').description('kubejobs: the controller of GenericJob, ArenaJob and RadixBatch resources, the Radix job-scheduler, and terminal commands to submit and follow jobs.').version(PACKAGE_VERSION);
  program
    .command('controller')
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
  program
    .command('job-scheduler')
    .description('Serve Radix\'s job-scheduler REST API (/api/v1/jobs, /api/v1/batches) for one job component; `kubejobs controller` runs the jobs.')
    .requiredOption('--job-definition <path>', 'the RadixJobDefinition JSON the RadixJobScheduler construct writes')
    .requiredOption('--port <port>', 'port of the REST API (the job component\'s schedulerPort)', parsePort)
    .option('--bind-address <host>', 'address the REST API listens on', '0.0.0.0')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
    .option('--metrics-bind-address <addr>', 'address of the Prometheus /metrics endpoint; 0 disables it', ':9090')
    .option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz; 0 disables it', ':9091')
    .option('--max-request-bytes <n>', 'largest request body; larger ones are answered 413', parsePositiveInteger, DEFAULT_MAX_REQUEST_BYTES)
    .option('--max-in-flight <n>', 'API requests handled at once; more wait', parsePositiveInteger, 32)
    .option('--max-in-flight-bytes <n>', 'request body bytes handled at once (bounds the memory bodies take); more wait', parsePositiveInteger, DEFAULT_MAX_IN_FLIGHT_BYTES)
    .option('--shutdown-drain <duration>', 'on SIGTERM: not ready at once, requests still served this long (endpoints catch up), then in-flight ones finish', parseDuration, 3_000)
    .option('--shutdown-timeout <duration>', 'on SIGTERM: exit 1 if requests in flight have not finished this long after the drain (keep drain + timeout within the pod\'s grace period)', parseDuration, 6_000)
    .option('--max-waiting <n>', 'API requests that may wait; more are answered 503', parsePositiveInteger, 1000)
    .option('--history-limit <n>', 'completed batches kept per kind (Radix RADIX_JOB_SCHEDULERS_PER_ENVIRONMENT_HISTORY_LIMIT)', parsePositiveInteger, 10)
    .option('--request-timeout <duration>', 'deadline of every Kubernetes API request', parseDuration, 30_000)
    .option('--pending-timeout <duration>', 'delete a batch whose payloads were not all written after this long (its request was interrupted)', parseDuration, 600_000)
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .action(async (opts: {
      jobDefinition: string;
      port: number;
      bindAddress: string;
      kubeconfig?: string;
      metricsBindAddress: string;
      healthProbeBindAddress: string;
      maxRequestBytes: number;
      maxInFlight: number;
      maxInFlightBytes: number;
      shutdownDrain: number;
      shutdownTimeout: number;
      maxWaiting: number;
      historyLimit: number;
      requestTimeout: number;
      pendingTimeout: number;
      logLevel: string;
    }) => {
      const log = createLogger(opts.logLevel, 'kubejobs-job-scheduler');
      if (opts.maxRequestBytes > opts.maxInFlightBytes) {
        throw new InvalidArgumentError(`--max-request-bytes (${opts.maxRequestBytes}) must be <= --max-in-flight-bytes (${opts.maxInFlightBytes}): one request must fit what may be in flight`);
      }
      await runJobScheduler({
        ...opts,
        requestTimeoutMs: opts.requestTimeout,
        pendingTimeoutMs: opts.pendingTimeout,
        shutdownDrainMs: opts.shutdownDrain,
        shutdownTimeoutMs: opts.shutdownTimeout,
        log,
      });
    });
  if (options.terminalCommands ?? true) {
    // Loaded only when needed: the constructs (cdk8s) would cost the controller memory for nothing.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { deleteCommand, getCommand, listCommand, waitCommand } = require('./cli/jobs') as typeof import('./cli/jobs');
    let submit: Command;
    try {
      submit = (require('./cli/submit') as typeof import('./cli/submit')).submitCommand(io);
    } catch (err) {
      // The container image ships without the constructs' peer dependencies.
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
      submit = new Command('submit').description('Submit a job built from flags (needs cdk8s, cdk8s-plus-28 and constructs installed)')
        .allowUnknownOption().argument('[args...]').action(() => {
          throw new Error(`kubejobs submit builds the constructs, which need their peer dependencies: npm install cdk8s cdk8s-plus-28 constructs (${(err as Error).message.split('\n')[0]})`);
        });
    }
    const { completionCommand } = require('./cli/completion') as typeof import('./cli/completion');
    const { logsCommand } = require('./cli/logs') as typeof import('./cli/logs');
    const terminal = [submit, listCommand(io), getCommand(io), waitCommand(io), deleteCommand(io), logsCommand(io)];
    terminal.push(completionCommand(io, () => program));
    for (const command of terminal) {
      program.addCommand(command);
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`'${value}' must be a port from 1 to 65535`);
  return n;
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' must be a positive integer`);
  return n;
}

if (require.main === module) {
  // Exit codes: 0 done, 1 error, 2 usage (see runCli). The servers keep running once started;
  // the one-shot commands exit at once rather than wait for idle keep-alive sockets to close.
  const args = process.argv.slice(2);
  const serving = args[0] === 'controller' || args[0] === 'job-scheduler';
  void runCli(buildProgram(PROCESS_IO, { terminalCommands: !serving }), args).then((code) => {
    if (code !== 0 || !serving) process.exit(code);
  });
}
