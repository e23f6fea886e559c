import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { batchModel, jobApiStatus, jobModel } from './api-status';
import { buildBatch } from './batch-spec';
import { badRequest, invalid, notFound, RadixApiError, success } from './errors';
import { BatchScheduleDescription, JobScheduleDescription } from './models';
import { apiJobName, newBatchName, newJobNames, parseApiJobName } from './naming';
import { openApiDocument, REQUEST_SCHEMAS, ROUTES, RouteSpec } from './schemas';
import { ByteBudget, Semaphore } from './semaphore';
import { BatchStore } from './store';
import { describeSchemaError, SchemaError } from './validation-errors';
import type { RadixBatch, RadixBatchJob, RadixJobDefinition } from '../../imports/kubejobs.dev';
import { Logger } from '../controller/logger';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  readonly definition: RadixJobDefinition;
  readonly store: BatchStore;
  readonly log: Logger;
  /** Largest request body, in bytes; larger ones are answered 413. */
  readonly bodyLimitBytes: number;
  /** API requests handled at once; more wait. */
  readonly maxInFlight: number;
  /**
   * Body bytes handled at once: a request holds its body size (its `content-length`, or
   * `bodyLimitBytes` when sent in chunks) while it runs; more wait. This, not `maxInFlight` x
   * `bodyLimitBytes`, bounds the memory bodies take (see `requestMemoryBudget`).
   *
   * @default - no bound beyond `maxInFlight` x `bodyLimitBytes`
   */
  readonly maxInFlightBytes?: number;
  /** API requests that may wait; more are answered 503 at once. */
  readonly maxWaiting: number;
  /**
   * How long a client may take to send one whole request, body included; then its connection is
   * closed. A slow or stalled client must not hold one of the `maxInFlight` slots for ever.
   *
   * @default 60_000
   */
  readonly requestTimeoutMs?: number;
  /** True once the scheduler is shutting down: answers then ask the client to close its connection. */
  readonly draining?: () => boolean;
  /** Called with the body bytes in flight whenever they change (for metrics). */
  readonly onBodyBytes?: (inFlight: number) => void;
  /** Called with each answered request (for metrics). */
  readonly onResponse?: (route: string, method: string, code: number, seconds: number) => void;
}

const DONE_PHASES = new Set(['Succeeded', 'Failed', 'Stopped']);

/** The subject of a route's body errors, as upstream names it (`payload is invalid`, `BatchScheduleDescription is invalid`). */
function subjectOf(route: RouteSpec | undefined): string {
  return route?.body === 'BatchScheduleDescription' ? 'BatchScheduleDescription' : 'payload';
}

/**
 * The job-scheduler's HTTP API (Radix's 14 routes under `/api/v1`, B2) on fastify. Bodies are
 * validated by ajv against {@link REQUEST_SCHEMAS}; every error is a Radix `Status` body.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { definition, store } = options;
  const component = definition.job;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    // Radix's gin router removes extra slashes.
    ignoreDuplicateSlashes: true,
    ignoreTrailingSlash: true,
    // Node's and fastify's default is no limit at all.
    requestTimeout: options.requestTimeoutMs ?? 60_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, strict: false } },
  });
  for (const schema of REQUEST_SCHEMAS) app.addSchema(schema);

  // Radix clients send JSON with or without a content type; an empty body is an empty request.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      const parsed = JSON.parse(text);
      done(null, parsed === null ? {} : parsed);
    } catch {
      const route = ROUTES.find((r) => r.method === req.method && matches(r.path, req.url));
      done(invalid(subjectOf(route), 'the request body is not JSON: send a JSON object') as unknown as FastifyError, undefined);
    }
  });

  // POST /api/v1/jobs without a body at all runs the component as configured (Radix allows it).
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined || req.body === null) req.body = {};
  });

  const gate = new Semaphore(options.maxInFlight, options.maxWaiting);
  const bytes = new ByteBudget(options.maxInFlightBytes ?? options.maxInFlight * options.bodyLimitBytes);
  let lastBusyLog = 0;
  const tooLarge = () => new RadixApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${options.bodyLimitBytes} bytes: `
    + 'send fewer or smaller payloads per request (at most about 383 KiB per job), or split the batch');
  app.addHook('onRequest', async (req, reply) => {
    (req as unknown as { startedAt: number }).startedAt = performance.now();
    if (!req.url.startsWith('/api/')) return;
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > options.bodyLimitBytes) {
      // Read and drop the body before answering: closing a socket with unread data resets it, and
      // the client would get a connection error instead of the 413. Far larger bodies are cut off.
      if (length <= 4 * options.bodyLimitBytes) {
        req.raw.resume();
        await new Promise<void>((resolve) => {
          req.raw.once('end', resolve);
          req.raw.once('error', () => resolve());
          req.raw.once('close', () => resolve());
        });
      }
      return reply.code(413).header('connection', 'close').send(tooLarge().body());
    }
    const acquired = gate.tryAcquire();
    if (!acquired) {
      const err = new RadixApiError(503, 'ServiceUnavailable', `the job-scheduler is handling ${options.maxInFlight} requests and ${options.maxWaiting} are waiting: retry later`);
      // At most one line a second: an overload must not also flood the log.
      if (Date.now() - lastBusyLog > 1_000) {
        lastBusyLog = Date.now();
        options.log.warn({ method: req.method, url: req.url.split('?')[0], code: 503, inFlight: options.maxInFlight, waiting: options.maxWaiting }, 'request refused: too many requests');
      }
      return reply.code(503).header('retry-after', '1').send(err.body());
    }
    await acquired;
    // Bodies of unknown length (chunked) may be as large as the limit.
    const weight = length > 0 ? length : req.headers['transfer-encoding'] ? options.bodyLimitBytes : 0;
    const taken = await bytes.acquire(weight);
    if (taken > 0) options.onBodyBytes?.(bytes.inUse);
    // The slot goes back when the exchange ends, answered or not: `onResponse` does not run for a
    // client that disconnects, and every such client would keep a slot for good.
    const release = () => {
      bytes.release(taken);
      gate.release();
      if (taken > 0) options.onBodyBytes?.(bytes.inUse);
    };
    if (reply.raw.closed || req.raw.socket?.destroyed) return void release();
    reply.raw.once('close', release);
  });
  // A keep-alive client must not keep sending to a scheduler about to stop listening.
  app.addHook('onSend', async (_req, reply) => {
    if (options.draining?.()) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const started = (req as unknown as { startedAt?: number }).startedAt ?? performance.now();
    options.onResponse?.(req.routeOptions.url ?? 'unknown', req.method, reply.statusCode, (performance.now() - started) / 1000);
  });

  app.setErrorHandler((err: FastifyError & { validation?: SchemaError[] }, req, reply) => {
    const route = ROUTES.find((r) => r.method === req.method && r.path === req.routeOptions.url);
    let answer: RadixApiError;
    if (err instanceof RadixApiError) {
      answer = err;
    } else if (err.validation && err.validation.length > 0) {
      answer = invalid(subjectOf(route), describeSchemaError(err.validation[0]!, req.body));
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      answer = tooLarge();
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      answer = badRequest(err.message);
    } else {
      answer = new RadixApiError(500, 'InternalError', err.message);
    }
    // A 5xx is the scheduler's or the cluster's fault: log it (never the body: it may hold payloads).
    if (answer.code >= 500) {
      options.log.error({ method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], code: answer.code, reason: answer.reason, err: answer.message }, 'request failed');
    }
    void reply.code(answer.code).send(answer.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const err = new RadixApiError(404, 'NotFound', `route ${req.method} ${req.url.split('?')[0]} not found: the job-scheduler serves /api/v1/jobs and /api/v1/batches (see /api/v1/openapi.json)`);
    void reply.code(404).send(err.body());
  });

  const openApi = openApiDocument();
  app.get('/api/v1/openapi.json', async () => openApi);
  app.get('/swaggerui/doc.json', async () => openApi);

  /** A job by its full name, from a batch of this component. */
  const findJob = async (name: string): Promise<{ batch: RadixBatch; job: RadixBatchJob }> => {
    const parsed = parseApiJobName(name);
    if (!parsed) {
      throw invalid(name, 'is not a valid job name: use the name POST /api/v1/jobs or /api/v1/batches returned, \'<batch name>-<job name>\'');
    }
    const batch = await store.get(parsed.batchName);
    const job = batch?.spec.jobs.find((j) => j.name === parsed.jobName);
    if (!batch || !job) throw notFound('job', name);
    return { batch, job };
  };
  /** A job of a batch by its short or full name. */
  const findBatchJob = (batch: RadixBatch, name: string): RadixBatchJob => {
    const short = name.startsWith(`${batch.metadata.name}-`) ? name.slice(batch.metadata.name!.length + 1) : name;
    const job = batch.spec.jobs.find((j) => j.name === short);
    if (!job) throw notFound('job', apiJobName(batch.metadata.name!, short));
    return job;
  };
  const getBatch = async (name: string): Promise<RadixBatch> => {
    const batch = await store.get(name);
    if (!batch) throw notFound('batch', name);
    return batch;
  };
  const statusOf = (batch: RadixBatch, job: RadixBatchJob) => jobApiStatus(job.stop, batch.status?.jobStatuses?.find((s) => s.name === job.name));
  const stoppable = (batch: RadixBatch, job: RadixBatchJob) => !job.stop && !DONE_PHASES.has(statusOf(batch, job));
  const rules = component.batchStatusRules ?? [];

  type Handler = (req: FastifyRequest<{ Params: Record<string, string>; Body: unknown }>, reply: FastifyReply) => Promise<unknown>;
  const handlers: Record<string, Handler> = {
    createJob: async (req) => {
      const body = req.body as JobScheduleDescription;
      const batchName = newBatchName(component.name, new Date());
      const [jobName] = newJobNames(1);
      const write = buildBatch({ definition, batchType: 'job', batchName, jobNames: [jobName!], descriptions: [body], subject: 'payload' });
      const created = await store.create(write);
      return jobModel(created, jobName!);
    },
    createBatch: async (req) => {
      const body = req.body as BatchScheduleDescription;
      const batchName = newBatchName(component.name, new Date());
      const write = buildBatch({
        definition,
        batchType: 'batch',
        batchName,
        jobNames: newJobNames(body.jobScheduleDescriptions.length),
        descriptions: body.jobScheduleDescriptions,
        defaults: body.defaultRadixJobComponentConfig,
        batchId: body.batchId,
        subject: 'BatchScheduleDescription',
      });
      return batchModel(await store.create(write), rules);
    },
    getJobs: async () => (await store.list()).flatMap((b) => b.spec.jobs.map((j) => jobModel(b, j.name))),
    getJob: async (req) => {
      const { batch, job } = await findJob(req.params.jobName!);
      return jobModel(batch, job.name);
    },
    deleteJob: async (req) => {
      const name = req.params.jobName!;
      const { batch } = await findJob(name);
      if (batch.spec.batchType !== 'job') {
        throw invalid(name, `not a single job: it belongs to the batch ${batch.metadata.name}; delete the batch with DELETE /api/v1/batches/${batch.metadata.name}`);
      }
      await store.delete(batch);
      return success(`job ${name} successfully deleted`);
    },
    stopJob: async (req) => {
      const name = req.params.jobName!;
      const { batch } = await findJob(name);
      const found = await store.stopJobs(batch.metadata.name!, (fresh) => {
        const job = findBatchJob(fresh, parseApiJobName(name)!.jobName);
        const status = statusOf(fresh, job);
        if (DONE_PHASES.has(status)) throw badRequest(`cannot stop the job ${name} with the status ${status}: it has ended`);
        return job.stop ? [] : [job.name];
      });
      if (!found) throw notFound('job', name);
      return success(`job ${name} was successfully stopped`);
    },
    stopAllJobs: async () => {
      for (const b of await store.list('job')) {
        if (!b.spec.jobs.some((j) => stoppable(b, j))) continue;
        await store.stopJobs(b.metadata.name!, (fresh) => fresh.spec.jobs.filter((j) => stoppable(fresh, j)).map((j) => j.name));
      }
      return success('all jobs where successfully stopped');
    },
    getBatches: async () => (await store.list('batch')).map((b) => batchModel(b, rules)),
    getBatch: async (req) => batchModel(await getBatch(req.params.batchName!), rules),
    getBatchJob: async (req) => {
      const batch = await getBatch(req.params.batchName!);
      return jobModel(batch, findBatchJob(batch, req.params.jobName!).name);
    },
    deleteBatch: async (req) => {
      const batch = await getBatch(req.params.batchName!);
      await store.delete(batch);
      return success(`batch ${batch.metadata.name} successfully deleted`);
    },
    stopBatch: async (req) => {
      const name = req.params.batchName!;
      const found = await store.stopJobs(name, (fresh) => {
        const status = fresh.status?.condition?.type;
        if (status === 'Completed') throw badRequest(`cannot stop the batch ${name} with the status Completed: every job of it has ended`);
        return fresh.spec.jobs.filter((j) => stoppable(fresh, j)).map((j) => j.name);
      });
      if (!found) throw notFound('batch', name);
      return success(`batch ${name} successfully stopped`);
    },
    stopAllBatches: async () => {
      for (const b of await store.list('batch')) {
        if (b.status?.condition?.type === 'Completed' || !b.spec.jobs.some((j) => stoppable(b, j))) continue;
        await store.stopJobs(b.metadata.name!, (fresh) => fresh.spec.jobs.filter((j) => stoppable(fresh, j)).map((j) => j.name));
      }
      return success('batches successfully stopped');
    },
    stopBatchJob: async (req) => {
      const batchName = req.params.batchName!;
      const jobParam = req.params.jobName!;
      let shortName = jobParam;
      const found = await store.stopJobs(batchName, (fresh) => {
        const job = findBatchJob(fresh, jobParam);
        shortName = job.name;
        const status = statusOf(fresh, job);
        if (DONE_PHASES.has(status)) throw badRequest(`cannot stop the job ${job.name} with the status ${status} in the batch ${batchName}: it has ended`);
        return job.stop ? [] : [job.name];
      });
      if (!found) throw notFound('batch', batchName);
      return success(`job ${shortName} in the batch ${batchName} successfully stopped`);
    },
  };

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.path,
      schema: route.body ? { body: { $ref: `${route.body}#` } } : undefined,
      handler: handlers[route.operationId]! as never,
    });
  }
  return app;
}

/** Whether a fastify path pattern matches a URL path. */
function matches(pattern: string, url: string): boolean {
  const path = url.split('?')[0]!.replace(/\/+/g, '/').replace(/\/$/, '');
  return new RegExp(`^${pattern.replace(/:\w+/g, '[^/]+')}$`).test(path);
}
