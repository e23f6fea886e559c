import * as fs from 'node:fs';
import * as client from 'prom-client';
import type { RadixJobDefinition } from '../../imports/kubejobs.dev';
import { validateJobDefinition } from '../api';
import { BatchStore } from './store';
import { parseBindAddress, startHttpServer } from '../controller/health-server';
import { describe } from '../controller/informer';
import { KubeClient } from '../controller/kube-client';
import { loadClusterCredentials } from '../controller/kubeconfig';
import { Logger } from '../controller/logger';
import { formatAttributes, isPermitted } from '../controller/request-attributes';
import { PACKAGE_VERSION } from '../package-version';
import { JOB_SCHEDULER_PERMISSIONS } from './permissions';
import { buildServer } from './server';
import { deleteEvent, qualifyWebhookUrl, sendBatchEvent } from '../controller/radix-batch/webhook';

/** Options of `kubejobs job-scheduler`. */
export interface JobSchedulerOptions {
  readonly jobDefinition: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly kubeconfig?: string;
  readonly maxRequestBytes: number;
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
  readonly maxWaiting: number;
  /**
   * On SIGTERM the scheduler turns unready at once and keeps serving this long, so that the
   * Service's endpoints drop it before it stops listening; then requests in flight finish.
   */
  readonly shutdownDrainMs: number;
  /** After the drain, how long requests in flight may take before the process exits 1 (default 6 s). */
  readonly shutdownTimeoutMs?: number;
  readonly historyLimit: number;
  readonly requestTimeoutMs: number;
  /** A batch still pending (its payloads not all written) this long was left by an interrupted request, and is deleted. */
  readonly pendingTimeoutMs: number;
  readonly log: Logger;
}

/** How often pending batches and history are swept, at most (Radix trims history every 60 s). */
const SWEEP_PERIOD_MS = 60_000;

/** Reads and checks the job definition; throws with every problem named. */
export function loadJobDefinition(file: string): RadixJobDefinition {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (err) {
    throw new Error(`--job-definition '${file}' could not be read as JSON: ${(err as Error).message}`);
  }
  const errors = validateJobDefinition(doc);
  if (errors.length > 0) throw new Error(`--job-definition '${file}' is not valid:\n  ${errors.join('\n  ')}`);
  return doc as RadixJobDefinition;
}

/** Runs the job-scheduler until SIGTERM/SIGINT. */
export async function runJobScheduler(o: JobSchedulerOptions): Promise<void> {
  const log = o.log;
  const definition = loadJobDefinition(o.jobDefinition);
  const kc = loadClusterCredentials(o.kubeconfig);

  const registry = new client.Registry();
  const requests = new client.Histogram({
    name: 'kubejobs_job_scheduler_request_duration_seconds',
    help: 'API requests by route, method and status code',
    labelNames: ['route', 'method', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bodyBytes = new client.Gauge({
    name: 'kubejobs_job_scheduler_request_body_bytes_in_flight',
    help: 'Request body bytes being handled (bounded by --max-in-flight-bytes)',
    registers: [registry],
  });
  client.collectDefaultMetrics({ register: registry });

  const kube = new KubeClient(kc, {
    userAgent: 'kubejobs-job-scheduler',
    timeoutMs: o.requestTimeoutMs,
    authorize: (a) => {
      if (!isPermitted(JOB_SCHEDULER_PERMISSIONS, a)) {
        throw new Error(`kubejobs job-scheduler: '${formatAttributes(a)}' is not in its RBAC table (src/scheduler/permissions.ts)`);
      }
    },
  });
  // Radix's watcher sends a Delete event when a batch goes; the scheduler deletes them, so it sends it.
  const webhook = definition.job.notifications?.webhook;
  const store = new BatchStore(kube, definition, log, webhook ? (batch) => {
    const event = deleteEvent(batch);
    if (event) void sendBatchEvent(qualifyWebhookUrl(webhook, definition.namespace), event, log);
  } : undefined);
  const app = await buildServer({
    definition,
    store,
    log,
    bodyLimitBytes: o.maxRequestBytes,
    maxInFlight: o.maxInFlight,
    maxInFlightBytes: o.maxInFlightBytes,
    maxWaiting: o.maxWaiting,
    draining: () => stopping,
    onBodyBytes: (n) => bodyBytes.set(n),
    onResponse: (route, method, code, seconds) => requests.observe({ route, method, code: String(code) }, seconds),
  });

  let ready = false;
  let stopping = false;
  const sweep = async () => {
    try {
      const pending = await store.sweepPending(o.pendingTimeoutMs);
      if (pending.length > 0) log.warn({ batches: pending }, 'deleted batches left pending by an interrupted request');
      const trimmed = await store.trimHistory(o.historyLimit);
      if (trimmed.length > 0) log.info({ batches: trimmed }, 'deleted old batches beyond the history limit');
      ready = true;
    } catch (err) {
      log.warn({ err: describe(err) }, 'sweep failed: retrying later');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), Math.min(SWEEP_PERIOD_MS, Math.max(1_000, o.pendingTimeoutMs / 2)));
  timer.unref();

  const servers: Array<{ close(): Promise<unknown> }> = [];
  const health = parseBindAddress('--health-probe-bind-address', o.healthProbeBindAddress);
  if (health) {
    servers.push(await startHttpServer(health, {
      '/healthz': async () => ({ status: 200, body: 'ok' }),
      // Ready once the API server answered a list with the scheduler's own rights.
      '/readyz': async () => (ready && !stopping ? { status: 200, body: 'ok' } : { status: 503, body: stopping ? 'stopping' : 'the Kubernetes API has not answered yet' }),
    }));
  }
  const metrics = parseBindAddress('--metrics-bind-address', o.metricsBindAddress);
  if (metrics) servers.push(await startHttpServer(metrics, { '/metrics': async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType }) }));
  await app.listen({ host: o.bindAddress, port: o.port });
  log.info({
    version: PACKAGE_VERSION, namespace: definition.namespace, jobComponent: definition.job.name, address: `${o.bindAddress}:${o.port}`, server: kc.getCurrentCluster()?.server,
  }, 'job-scheduler listening');

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainMs: o.shutdownDrainMs }, 'shutting down: unready, still serving while endpoints catch up');
    // Within the pod's grace period (10 s with the defaults) whatever happens.
    setTimeout(() => process.exit(1), o.shutdownDrainMs + (o.shutdownTimeoutMs ?? 6_000)).unref();
    clearInterval(timer);
    setTimeout(() => {
      log.info('closing the listener: finishing requests in flight');
      Promise.all([app.close(), ...servers.map((s) => s.close())]).then(() => process.exit(0), () => process.exit(1));
    }, o.shutdownDrainMs).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
