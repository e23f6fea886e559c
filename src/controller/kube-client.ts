import * as http from 'node:http';
import * as https from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

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
 * only authentication from client-node.
 */
export class KubeClient {
  private readonly server: URL;
  private agent: http.Agent | undefined;

  public constructor(private readonly kc: KubeConfig, private readonly userAgent = 'kubejobs-controller') {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster: pass --kubeconfig or run in a cluster');
    this.server = new URL(cluster.server);
  }

  /** GET a path; undefined on 404. */
  public async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One page of a list. */
  public list<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', withQuery(path, query));
  }

  /** POST. */
  public create<T>(path: string, body: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('POST', withQuery(path, { fieldManager }), body);
  }

  /** PUT (optimistic concurrency through `metadata.resourceVersion` in `body`). */
  public replace<T>(path: string, body: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PUT', withQuery(path, { fieldManager }), body);
  }

  /** Server-side apply with a fixed field manager, forcing ownership of the fields we set. */
  public apply<T>(path: string, body: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', withQuery(path, { fieldManager, force: 'true' }), body, PATCH_CONTENT_TYPE.apply);
  }

  /** JSON merge patch. */
  public mergePatch<T>(path: string, body: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', withQuery(path, { fieldManager }), body, PATCH_CONTENT_TYPE.merge);
  }

  /** DELETE, with a uid precondition when given; a 404 is not an error. */
  public async delete(path: string, options: { uid?: string; propagationPolicy?: string } = {}): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    };
    try {
      await this.request('DELETE', path, body);
    } catch (err) {
      // 404: already gone. 409 with a uid precondition: the name now belongs to a newer object.
      if (isNotFound(err) || (options.uid && err instanceof KubeApiError && err.code === 409)) return;
      throw err;
    }
  }

  /**
   * Opens a watch. `onEvent` gets every event; `done` resolves when the server closes the stream and
   * rejects on a transport error. `abort()` ends it (then `done` resolves).
   */
  public async watch<T>(path: string, query: Record<string, string | number | undefined>, onEvent: (e: WatchEvent<T>) => void): Promise<WatchHandle> {
    const res = await this.send('GET', withQuery(path, { ...query, watch: 'true' }));
    if (res.statusCode !== 200) {
      const text = await readAll(res);
      throw errorFrom(res.statusCode ?? 0, text);
    }
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
    return {
      done,
      abort: () => {
        aborted = true;
        res.destroy();
      },
    };
  }

  /** A request with a JSON answer. */
  public async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.send(method, path, body, contentType);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw errorFrom(code, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  private async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<http.IncomingMessage> {
    const opts: https.RequestOptions = { headers: {} };
    // Fresh per request: tokens (in-cluster, exec plugins) rotate.
    await this.kc.applyToHTTPSOptions(opts);
    const isHttps = this.server.protocol === 'https:';
    if (!this.agent) {
      // One keep-alive agent for the process instead of client-node's agent per request.
      const agentOptions = {
        keepAlive: true,
        maxSockets: 64,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        rejectUnauthorized: opts.rejectUnauthorized,
        servername: opts.servername,
      };
      this.agent = isHttps ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true, maxSockets: 64 });
    }
    const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const headers: Record<string, string> = {
      'Accept': 'application/json',
      'User-Agent': this.userAgent,
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
      const req = requestFn(url, { method, headers, agent: this.agent }, resolve);
      req.on('error', (err) => reject(new KubeApiError(0, 'NetworkError', `${method} ${path}: ${err.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
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
