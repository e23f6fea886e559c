import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { pipeline, Transform, TransformCallback } from 'node:stream';
import { FaultAction, FaultRule, isWatch, matches, ProxiedRequest, statusBody, userOf } from './fault-rules';
import { waitFor, WaitOptions } from './kube-helpers';

export type { FaultAction, FaultMatch, FaultRule, ProxiedRequest } from './fault-rules';

/**
 * A fault-injection proxy in front of kube-apiserver: plain HTTP on 127.0.0.1, forwarding every
 * request (bodies and watch streams streamed, never buffered) over TLS to the apiserver, with
 * faults a test adds and removes while clients run. Clients authenticate with a bearer token
 * (the `Authorization` header is forwarded as it is); client certificates cannot cross a plain
 * HTTP hop, so the admin kubeconfig does not work through it. Upgrade requests (exec,
 * port-forward) are not supported.
 */

/** Where the proxy forwards to. */
export interface FaultProxyTarget {
  /** The apiserver URL, e.g. `ControlPlane.server`. */
  readonly server: string;
  /** PEM of the CA that signed the apiserver's certificate, e.g. `ControlPlane.caData`. */
  readonly caData?: Buffer;
}

/** A rule added with {@link FaultProxy.addRule}. */
export interface RuleHandle {
  readonly id: number;
  /** How many requests it has been applied to. */
  readonly hits: number;
  /** Removes the rule; requests it holds are released (see {@link FaultAction}). Idempotent. */
  remove(): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A promise that resolves once `open()` is called. */
class Latch {
  public open!: () => void;
  public readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  hits: number;
  removed: boolean;
  /** Requests (or response headers) the rule holds, released on removal. */
  readonly held: Set<Latch>;
}

interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly entry: Mutable<ProxiedRequest>;
  /** Resolves when the client side is gone (response finished, or the socket closed). */
  readonly closed: Promise<void>;
  isClosed: boolean;
  upstream?: http.ClientRequest;
}

/** Holds each chunk while the proxy is paused, so open streams stall in both directions. */
class PauseGate extends Transform {
  public constructor(private readonly whilePaused: () => Promise<void> | undefined) {
    super();
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wait = this.whilePaused();
    if (wait === undefined) {
      callback(null, chunk);
    } else {
      void wait.then(() => callback(null, chunk));
    }
  }
}

/** Request and response headers that describe one hop, not the message; never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'host',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** See the module comment. Start with {@link FaultProxy.start}; always {@link FaultProxy.close}. */
export class FaultProxy {
  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  public static async start(target: FaultProxyTarget): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(target.server), target.caData);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  private readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly sockets = new Set<net.Socket>();
  private readonly exchanges = new Set<Exchange>();
  private readonly rules: ActiveRule[] = [];
  private readonly log: Array<Mutable<ProxiedRequest>> = [];
  private nextRuleId = 1;
  private nextRequestId = 1;
  private pauseLatch: Latch | undefined;
  private closed = false;
  private port = 0;

  private constructor(private readonly target: URL, caData: Buffer | undefined) {
    // Keep-alive to the apiserver like a real client; no socket limit, as watches hold theirs.
    this.agent = target.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ca: caData, maxSockets: Infinity })
      : new http.Agent({ keepAlive: true, maxSockets: Infinity });
    // requestTimeout 0: a held request must not be answered 408 by Node after 5 min.
    // keepAliveTimeout as kube-apiserver's idle timeout (90 s): Node's 5 s would close idle
    // keep-alive sockets under clients that still reuse them, a reset no real apiserver causes.
    this.server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 90_000 }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** The proxy's URL, `http://127.0.0.1:<port>`: use it as a kubeconfig's `server` (still known after close()). */
  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a rule after the existing ones; the first rule that matches a request (and has count left) applies. */
  public addRule(rule: FaultRule): RuleHandle {
    const active: ActiveRule = { id: this.nextRuleId++, rule, hits: 0, removed: false, held: new Set() };
    this.rules.push(active);
    return {
      id: active.id,
      get hits() {
        return active.hits;
      },
      remove: () => this.removeRule(active),
    };
  }

  /** Removes every rule, releasing what they hold. */
  public clearRules(): void {
    for (const rule of [...this.rules]) this.removeRule(rule);
  }

  /**
   * The apiserver becomes unreachable: new requests are held before forwarding and the bytes of
   * open exchanges (bodies, responses, watch streams) stop in both directions. Nothing is dropped;
   * clients that time out close their side themselves.
   */
  public pause(): void {
    this.pauseLatch ??= new Latch();
  }

  /** Ends {@link pause}: held requests are forwarded and stalled streams continue where they were. */
  public resume(): void {
    this.pauseLatch?.open();
    this.pauseLatch = undefined;
  }

  /** True between {@link pause} and {@link resume}. */
  public get paused(): boolean {
    return this.pauseLatch !== undefined;
  }

  /** A snapshot of every request seen so far (optionally filtered), in arrival order. */
  public requests(filter: (r: ProxiedRequest) => boolean = () => true): ProxiedRequest[] {
    return this.log.map((r) => ({ ...r })).filter(filter);
  }

  /** Forgets the requests seen so far (rules and open exchanges are kept). */
  public clearLog(): void {
    this.log.length = 0;
  }

  /** Waits until a request satisfying `predicate` has been seen, and returns it. */
  public async waitForRequest(
    what: string, predicate: (r: ProxiedRequest) => boolean, options: WaitOptions = {},
  ): Promise<ProxiedRequest> {
    return waitFor(`the fault proxy to see ${what}`, async () => this.requests(predicate)[0], { timeoutMs: 30_000, ...options });
  }

  /** Stops listening and destroys every open connection, both sides; held requests are dropped. */
  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const exchange of this.exchanges) {
      exchange.entry.outcome ??= 'proxy-closed';
      exchange.upstream?.destroy();
    }
    for (const socket of this.sockets) socket.destroy();
    // Nothing held may wait on a latch that nobody will open.
    this.resume();
    for (const rule of this.rules) for (const latch of rule.held) latch.open();
    this.agent.destroy();
    await stopped;
  }

  private removeRule(active: ActiveRule): void {
    if (active.removed) return;
    active.removed = true;
    this.rules.splice(this.rules.indexOf(active), 1);
    for (const latch of active.held) latch.open();
    active.held.clear();
  }

  /** The first live rule matching the request, with its hit counted. */
  private take(entry: ProxiedRequest): ActiveRule | undefined {
    const active = this.rules.find((r) => (r.rule.count === undefined || r.hits < r.rule.count) &&
      matches(r.rule, entry.method, entry.path, entry.watch));
    if (active) active.hits++;
    return active;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const entry: Mutable<ProxiedRequest> = {
      id: this.nextRequestId++,
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      watch: isWatch(url.pathname, url.searchParams),
      user: userOf(req.headers.authorization),
      startedAt: Date.now(),
    };
    this.log.push(entry);
    let markClosed!: () => void;
    const exchange: Exchange = {
      req,
      res,
      entry,
      isClosed: false,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    this.exchanges.add(exchange);
    res.once('close', () => {
      exchange.isClosed = true;
      this.exchanges.delete(exchange);
      entry.finishedAt ??= Date.now();
      entry.outcome ??= res.writableFinished ? 'completed' : 'client-closed';
      exchange.upstream?.destroy();
      markClosed();
    });

    await this.whileOpen(exchange, this.pauseLatch?.opened);
    if (exchange.isClosed || this.closed) return;
    const active = this.take(entry);
    const rule = active?.rule;
    if (active && rule) {
      entry.fault = rule.action;
      entry.ruleId = active.id;
    }
    switch (rule?.action) {
      case 'drop':
        entry.outcome = 'dropped';
        req.socket.destroy();
        return;
      case 'fail':
        this.respond(exchange, rule);
        return;
      case 'delay':
        await this.sleep(exchange, rule.delayMs);
        break;
      case 'hang':
        await this.hold(exchange, active!);
        break;
      default:
        break;
    }
    // A release or the end of a delay may fall in a pause: the pause wins.
    await this.whileOpen(exchange, this.pauseLatch?.opened);
    if (exchange.isClosed || this.closed) return;
    this.forward(exchange, rule?.action === 'hangWatchBeforeFirstByte' || rule?.action === 'holdResponse' ? active : undefined);
  }

  /** Waits for `until` unless the client goes away first. */
  private async whileOpen(exchange: Exchange, until: Promise<void> | undefined): Promise<void> {
    if (until !== undefined) await Promise.race([until, exchange.closed]);
  }

  private async sleep(exchange: Exchange, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.whileOpen(exchange, new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }));
    } finally {
      clearTimeout(timer);
    }
  }

  private async hold(exchange: Exchange, active: ActiveRule): Promise<void> {
    if (active.removed) return;
    const latch = new Latch();
    active.held.add(latch);
    await this.whileOpen(exchange, latch.opened);
    active.held.delete(latch);
  }

  private respond(exchange: Exchange, rule: Extract<FaultAction, { action: 'fail' }>): void {
    const body = JSON.stringify(statusBody(rule));
    exchange.entry.status = rule.status;
    // Drain the request body so the client's keep-alive connection stays usable.
    exchange.req.resume();
    exchange.res.writeHead(rule.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...(rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {}),
    });
    exchange.res.end(body);
  }

  private forward(exchange: Exchange, holdHeaders: ActiveRule | undefined): void {
    const { req, res, entry } = exchange;
    const upstream = (this.target.protocol === 'https:' ? https : http).request({
      protocol: this.target.protocol,
      hostname: this.target.hostname,
      port: this.target.port,
      method: req.method,
      path: req.url,
      headers: { ...endToEnd(req.headers), host: this.target.host },
      agent: this.agent,
    });
    exchange.upstream = upstream;
    upstream.on('error', (err) => {
      if (exchange.isClosed || this.closed) return;
      entry.outcome = 'upstream-error';
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.respond(exchange, { action: 'fail', status: 502, reason: 'ServiceUnavailable', message: `fault proxy: ${err.message}` });
    });
    upstream.on('response', (upstreamRes) => void (async () => {
      // Held headers: the apiserver's answer waits unread (TCP back-pressure), exactly as if the
      // first byte were slow to arrive.
      if (holdHeaders) await this.hold(exchange, holdHeaders);
      if (exchange.isClosed) {
        upstreamRes.destroy();
        return;
      }
      const status = upstreamRes.statusCode ?? 502;
      res.writeHead(status, endToEnd(upstreamRes.headers));
      entry.status = status;
      // A watch's client must learn at once that the watch is open, before any event.
      res.flushHeaders();
      pipeline(upstreamRes, new PauseGate(() => this.pauseLatch?.opened), res, (err) => {
        if (err && !exchange.isClosed) entry.outcome = 'upstream-error';
      });
    })());
    // Not pipeline(): a failed upstream request must not destroy the client's socket before the
    // 502 is written.
    req.pipe(new PauseGate(() => this.pauseLatch?.opened)).pipe(upstream);
  }
}
