import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration, parsePort, parsePositiveInteger } from './server-flags';
import { createLogger, LOG_LEVELS } from '../controller/logger';
import { runJobScheduler } from '../scheduler/command';
import { DEFAULT_MAX_IN_FLIGHT_BYTES, DEFAULT_MAX_REQUEST_BYTES } from '../scheduler/memory-budget';

/** `kubejobs job-scheduler`: Radix's REST API for one job component, until SIGTERM. */
export function jobSchedulerCommand(): Command {
  return new Command('job-scheduler')
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
}
