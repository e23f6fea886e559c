import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import { ClusterCredentials } from './kubeconfig';
import { RequestAttributes, requestAttributes } from './request-attributes';
import { MAX_RETRIES_WHEN_ASKED, MIN_RETRY_BUDGET_MS, retryWaitMs, sleep } from './retry-after';

/** The parts of a Kubernetes object the runtime reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/**
 * The controller owner reference to `owner` that every child carries: garbage collection follows
 * it, and foreground deletion of the owner waits for the child (`blockOwnerDeletion`).
 */
export function controllerReferenceTo(owner: { apiVersion?: string; kind?: string; metadata: { name?: string; uid?: unknown } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion as string,
    kind: owner.kind as string,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of the object's controller owner reference, if it has one. */
export function controllerUid(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid;
}

/** A failed API request: the HTTP status and the apiserver's Status message. */
export class KubeApiError extends Error {
  public constructor(
    /** HTTP status code (0 when the request never got an answer). */
    public readonly code: number,
    /** The Status `reason`, e.g. `AlreadyExists`, `Conflict`, `Invalid`, `Expired`. */
    public readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** True for a 404. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404;
}

/** True for a 409 AlreadyExists. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409 && err.reason === 'AlreadyExists';
}

/** True for a 409 Conflict (stale resourceVersion). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409 && err.reason !== 'AlreadyExists';
}

/** A list answer. */
export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

/** One event of a watch stream. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A running watch; `done` settles when the stream ends (resolves) or fails (rejects). */
export interface WatchHandle {
  readonly done: Promise<void>;
  abort(): void;
}

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /** User-Agent header. */
  readonly userAgent?: string;
  /**
   * Deadline of one request, from sending it to the last byte of the answer (for a watch: to its
   * response headers), in ms. A hung API server or network then costs a worker this long, never
   * forever. Default 30 s.
   */
  readonly timeoutMs?: number;
  /** Called before every request; throwing refuses it (the RBAC table as the one gate). */
  readonly authorize?: (attributes: RequestAttributes) => void;
  /** Called after every request with its HTTP status (0: no answer). */
  readonly onResponse?: (attributes: RequestAttributes, code: number) => void;
}

/** Per-call options of a request. */
export interface RequestOptions {
  /** Overrides the client's timeout for this call, in ms. */
  readonly timeoutMs?: number;
  /** Aborts the call (e.g. a leader's renew deadline). */
  readonly signal?: AbortSignal;
}

/** Default request deadline. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Content types of PATCH requests. */
export const PATCH_CONTENT_TYPE = {
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
  json: 'application/json-patch+json',
} as const;

/**
 * A small JSON client for the Kubernetes REST API on top of the kubeconfig's credentials.
 *
 * client-node's typed clients deserialise into model classes (dates become `Date`, unknown fields
 * of custom resources need care) and open a new TLS agent per call; the runtime needs plain JSON,
 * keep-alive connections and watch streams it can time out, so it speaks HTTP itself and takes
 * only the server and credentials from the kubeconfig.
 */
export class KubeClient {
  private readonly server: URL;
  private agent: http.Agent | undefined;
  /** The TLS material {@link agent} was made with: a new client certificate (exec plugins rotate them) needs a new agent. */
  private agentTls: readonly unknown[] = [];
  private readonly options: KubeClientOptions;

  public constructor(private readonly kc: ClusterCredentials, userAgentOrOptions: string | KubeClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster: pass --kubeconfig or run in a cluster');
    this.server = new URL(cluster.server);
    this.options = typeof userAgentOrOptions === 'string' ? { userAgent: userAgentOrOptions } : userAgentOrOptions;
  }

  /** GET a path; undefined on 404. */
  public async get<T>(path: string, options?: RequestOptions): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path, undefined, undefined, options);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One page of a list. */
  public list<T>(path: string, query: Record<string, string | number | undefined> = {}, options?: RequestOptions): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', withQuery(path, query), undefined, undefined, options);
  }

  /**
   * POST. `fieldValidation=Strict`: a field the schema does not know (a typo such as `nodeSelectr`)
   * is an error instead of being dropped, so a child never runs without part of its spec.
   */
  public create<T>(path: string, body: unknown, fieldManager?: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', withQuery(path, { fieldManager, fieldValidation: 'Strict' }), body, undefined, options);
  }

  /** PUT (optimistic concurrency through `metadata.resourceVersion` in `body`). */
  public replace<T>(path: string, body: unknown, fieldManager?: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', withQuery(path, { fieldManager, fieldValidation: 'Strict' }), body, undefined, options);
  }

  /** JSON merge patch. */
  public mergePatch<T>(path: string, body: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', withQuery(path, { fieldManager, fieldValidation: 'Strict' }), body, PATCH_CONTENT_TYPE.merge);
  }

  /**
   * JSON patch (RFC 6902). An operation that sets `/metadata/resourceVersion` makes the patch
   * conditional: the apiserver answers 409 Conflict when the object changed since that version.
   */
  public jsonPatch<T>(path: string, operations: readonly unknown[], fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', withQuery(path, { fieldManager, fieldValidation: 'Strict' }), operations, PATCH_CONTENT_TYPE.json);
  }

  /**
   * DELETE, with uid and resourceVersion preconditions when given; a 404 is not an error, nor a
   * 409 when a precondition is given (the object is no longer the one meant).
   */
  public async delete(path: string, options: { uid?: string; resourceVersion?: string; propagationPolicy?: string } = {}): Promise<void> {
    const preconditions = {
      ...(options.uid ? { uid: options.uid } : {}),
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    };
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...(Object.keys(preconditions).length > 0 ? { preconditions } : {}),
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    };
    try {
      await this.request('DELETE', path, body);
    } catch (err) {
      // 404: already gone. 409 with a uid precondition: the name now belongs to a newer object.
      if (isNotFound(err) || ((options.uid || options.resourceVersion) && err instanceof KubeApiError && err.code === 409)) return;
      throw err;
    }
  }

  /**
   * Opens a watch. `onEvent` gets every event; `done` resolves when the server closes the stream and
   * rejects on a transport error. `abort()` ends it (then `done` resolves). The client's timeout
   * bounds the wait for the response headers; `signal` aborts the call at any point, also before
   * the server answered (a watch that hangs before its first byte).
   */
  public async watch<T>(
    path: string, query: Record<string, string | number | undefined>, onEvent: (e: WatchEvent<T>) => void, signal?: AbortSignal,
  ): Promise<WatchHandle> {
    const fullPath = withQuery(path, { ...query, watch: 'true' });
    const { res, finish } = await this.send('GET', fullPath, undefined, undefined, { signal });
    if (res.statusCode !== 200) {
      const text = await readAll(res).finally(() => finish(res.statusCode ?? 0));
      throw errorFrom(res.statusCode ?? 0, text);
    }
    finish(200, { keepSignal: true });
    let aborted = false;
    const done = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line);
        } catch {
          return;
        }
        onEvent(event);
      });
      // readline re-emits stream errors on the interface; unhandled, they would kill the process.
      lines.on('error', (err) => (aborted ? resolve() : reject(err)));
      res.on('error', (err) => (aborted ? resolve() : reject(err)));
      res.on('aborted', () => (aborted ? resolve() : reject(new Error('watch stream aborted'))));
      lines.on('close', () => resolve());
    });
    const abort = () => {
      aborted = true;
      res.destroy();
    };
    signal?.addEventListener('abort', abort, { once: true });
    void done.finally(() => signal?.removeEventListener('abort', abort)).catch(() => undefined);
    return { done, abort };
  }

  /**
   * GETs a plain-text stream (a pod's log), handing each chunk to `onChunk`; resolves when the
   * server ends it. The client's timeout bounds only the wait for the response headers, so a
   * followed log (`follow=true`) streams until the server closes it or `signal` aborts it.
   */
  public async stream(
    path: string, query: Record<string, string | number | undefined>, onChunk: (chunk: string) => void, signal?: AbortSignal,
  ): Promise<void> {
    const { res, finish } = await this.send('GET', withQuery(path, query), undefined, undefined, { signal });
    if (res.statusCode !== 200) {
      const text = await readAll(res).finally(() => finish(res.statusCode ?? 0));
      throw errorFrom(res.statusCode ?? 0, text);
    }
    finish(200, { keepSignal: true });
    res.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => onChunk(chunk));
      res.on('end', () => resolve());
      res.on('error', (err) => (signal?.aborted ? resolve() : reject(err)));
    });
  }

  /**
   * A request with a JSON answer, bounded by the client's timeout (or `options.timeoutMs`). An
   * answer that asks to be retried later (429, or a 5xx with `Retry-After`, e.g. a kind whose
   * storage is still initializing right after its CRD was created) is sent again after the wait
   * it asks for, as client-go does, at most {@link MAX_RETRIES_WHEN_ASKED} times and within the
   * same deadline. A retry is sent only if at least {@link MIN_RETRY_BUDGET_MS} of the deadline is
   * left after the wait (a write sent with no time to answer would have an unknown outcome);
   * otherwise the answer's error is returned at once.
   */
  public async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json', options: RequestOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const aborted = () => new KubeApiError(0, 'Timeout', `${method} ${path}: ${describeAbort(options.signal!)}`);
    for (let retries = 0; ; retries++) {
      let answer: { code: number; text: string; retryAfter?: string };
      try {
        answer = await this.requestOnce(method, path, body, contentType, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (err) {
        // A retry's own deadline is what was left of the request's: say what the whole was.
        if (retries > 0 && err instanceof KubeApiError && err.reason === 'Timeout' && !options.signal?.aborted) {
          throw new KubeApiError(0, 'Timeout', `${method} ${path}: no answer within the request timeout of ${timeoutMs} ms (after ${retries} retries the API server asked for)`);
        }
        throw err;
      }
      const { code, text, retryAfter } = answer;
      if (code >= 200 && code < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
      const waitMs = retries < MAX_RETRIES_WHEN_ASKED ? retryWaitMs(code, retryAfter) : undefined;
      if (waitMs === undefined || Date.now() + waitMs + MIN_RETRY_BUDGET_MS > deadline) throw errorFrom(code, text);
      if (options.signal?.aborted) throw aborted();
      await sleep(waitMs, options.signal);
      if (options.signal?.aborted) throw aborted();
    }
  }

  private async requestOnce(
    method: string, path: string, body: unknown, contentType: string, options: RequestOptions,
  ): Promise<{ code: number; text: string; retryAfter?: string }> {
    const { res, finish } = await this.send(method, path, body, contentType, options);
    let text: string;
    try {
      text = await readAll(res);
    } catch (err) {
      finish(0);
      throw err;
    }
    const code = res.statusCode ?? 0;
    finish(code);
    const retryAfter = res.headers['retry-after'];
    return { code, text, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
  }

  /**
   * Sends a request with a deadline. Resolves with the response (headers received) and `finish`,
   * which the caller calls once it has read the answer: it reports the status and clears the
   * deadline (a watch keeps only the caller's signal for its stream).
   */
  private async send(
    method: string, path: string, body?: unknown, contentType = 'application/json', options: RequestOptions = {},
  ): Promise<{ res: http.IncomingMessage; finish: (code: number, opts?: { keepSignal?: boolean }) => void }> {
    const attributes = requestAttributes(method, path);
    this.options.authorize?.(attributes);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    const signal = options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal;
    let onAbort: (() => void) | undefined;
    // Called once the answer is read (or the request failed): clears the deadline and reports the
    // status; a watch keeps only the caller's signal for its stream.
    const finish = (code: number, opts?: { keepSignal?: boolean }) => {
      clearTimeout(timer);
      if (opts?.keepSignal && onAbort) signal.removeEventListener('abort', onAbort);
      this.options.onResponse?.(attributes, code);
    };
    try {
      const res = await this.transmit(method, path, body, contentType, signal);
      // The deadline also covers reading the body; a caller's abort afterwards is the watch's own.
      const abortResponse = () => res.destroy(new KubeApiError(0, 'Timeout', `${method} ${path}: ${describeAbort(signal)}`));
      onAbort = abortResponse;
      signal.addEventListener('abort', abortResponse, { once: true });
      res.once('close', () => signal.removeEventListener('abort', abortResponse));
      return { res, finish };
    } catch (err) {
      finish(0);
      throw err;
    }
  }

  /** One keep-alive agent for the process (client-node makes one per request), renewed when the TLS material changes. */
  private agentFor(opts: https.RequestOptions, isHttps: boolean): http.Agent {
    const tls = [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.rejectUnauthorized, opts.servername];
    if (this.agent && tls.every((value, i) => sameTlsValue(value, this.agentTls[i]))) return this.agent;
    // Requests and watches in flight keep their sockets until they end; idle ones close now.
    if (this.agent) for (const sockets of Object.values(this.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    this.agentTls = tls;
    if (!isHttps) return new http.Agent({ keepAlive: true, maxSockets: 64 });
    return new https.Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      rejectUnauthorized: opts.rejectUnauthorized,
      servername: opts.servername,
    });
  }

  private async transmit(method: string, path: string, body: unknown, contentType: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    if (signal.aborted) throw new KubeApiError(0, 'Timeout', `${method} ${path}: ${describeAbort(signal)}`);
    const opts: https.RequestOptions = { headers: {} };
    // Fresh per request: tokens (in-cluster, exec plugins) rotate.
    await this.kc.applyToHTTPSOptions(opts);
    const isHttps = this.server.protocol === 'https:';
    this.agent = this.agentFor(opts, isHttps);
    const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const headers: Record<string, string> = {
      'Accept': 'application/json',
      'User-Agent': this.options.userAgent ?? 'kubejobs-controller',
    };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(path, this.server);
    const requestFn = isHttps ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = requestFn(url, { method, headers, agent: this.agent, signal }, resolve);
      req.on('error', (err) => reject(signal.aborted
        ? new KubeApiError(0, 'Timeout', `${method} ${path}: ${describeAbort(signal)}`)
        : new KubeApiError(0, 'NetworkError', `${method} ${path}: ${err.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function describeAbort(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'aborted';
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    res.on('error', reject);
  });
}

function errorFrom(code: number, text: string): KubeApiError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(code, status.reason ?? '', status.message ?? text);
  } catch {
    return new KubeApiError(code, '', text || `HTTP ${code}`);
  }
}

function sameTlsValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
