import * as http from 'node:http';
import * as https from 'node:https';

/**
 * One HTTP exchange observed step by step (headers, each body chunk, the end or the error), for
 * tests that must see exactly what a client sees when a server, or a proxy, misbehaves: a
 * response that never comes, a socket that is cut, a watch stream that stalls. The API clients
 * hide these steps behind retries and parsing.
 */

/** Options of {@link RawRequest.send}. */
export interface RawRequestOptions {
  readonly method?: string;
  /** Bearer token sent as `Authorization`. */
  readonly token?: string;
  /** Any other `Authorization` header value (e.g. a non-JWT token); wins over `token`. */
  readonly authorization?: string;
  /** JSON body. */
  readonly body?: unknown;
  /** CA for an https server. */
  readonly caData?: Buffer;
}

/** Where an exchange is. */
export type RawRequestState = 'waiting' | 'streaming' | 'ended' | 'failed';

/** A request in flight; see the module comment. */
export class RawRequest {
  /** Sends `method path` to `baseUrl` on a fresh connection (no agent: no reused or pooled socket). */
  public static send(baseUrl: string, path: string, options: RawRequestOptions = {}): RawRequest {
    return new RawRequest(new URL(path, baseUrl), options);
  }

  /** Resolves with the status once the response headers arrived; rejects if the exchange fails first. */
  public readonly response: Promise<number>;
  /** Resolves with the whole body when the response ends; rejects when the exchange fails. */
  public readonly ended: Promise<string>;
  private body = '';
  private stateValue: RawRequestState = 'waiting';
  private errorValue: Error | undefined;
  private readonly request: http.ClientRequest;

  private constructor(url: URL, options: RawRequestOptions) {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      ...(authorization ? { Authorization: authorization } : {}),
      ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
    };
    const client = url.protocol === 'https:' ? https : http;
    let onResponse!: (status: number) => void;
    let rejectResponse!: (err: Error) => void;
    let onEnd!: (body: string) => void;
    let rejectEnd!: (err: Error) => void;
    this.response = new Promise<number>((resolve, reject) => {
      onResponse = resolve;
      rejectResponse = reject;
    });
    this.ended = new Promise<string>((resolve, reject) => {
      onEnd = resolve;
      rejectEnd = reject;
    });
    // Callers often look only at one of the two; neither may surface as an unhandled rejection.
    this.response.catch(() => undefined);
    this.ended.catch(() => undefined);
    const fail = (err: Error): void => {
      if (this.stateValue === 'ended' || this.stateValue === 'failed') return;
      this.stateValue = 'failed';
      this.errorValue = err;
      rejectResponse(err);
      rejectEnd(err);
    };
    this.request = client.request(url, { method: options.method ?? 'GET', headers, agent: false, ca: options.caData }, (res) => {
      this.stateValue = 'streaming';
      onResponse(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.body += chunk;
      });
      res.on('end', () => {
        if (this.stateValue !== 'streaming') return;
        this.stateValue = 'ended';
        onEnd(this.body);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
      res.on('close', () => fail(new Error('connection closed before the response ended')));
    });
    this.request.on('error', fail);
    this.request.end(payload);
  }

  /** Where the exchange is now. */
  public get state(): RawRequestState {
    return this.stateValue;
  }

  /** Why it failed, once `state` is `failed`. */
  public get error(): Error | undefined {
    return this.errorValue;
  }

  /** The body received so far (a watch's events arrive here as they stream). */
  public get received(): string {
    return this.body;
  }

  /** The body's JSON lines so far, parsed (watch events; a trailing partial line is skipped). */
  public get events(): Array<{ type?: string; object?: { metadata?: { name?: string } } }> {
    return this.body.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }

  /** Gives up, as a client with a timeout would: closes the connection. */
  public abort(): void {
    this.request.destroy(new Error('aborted by the test'));
  }
}
