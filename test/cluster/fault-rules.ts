import { createHash } from 'node:crypto';

/**
 * The vocabulary of the fault-injection proxy (fault-proxy.ts): which requests a rule matches,
 * what it does to them, and what the proxy records. Kept apart from the server so a reader sees
 * the whole contract on one page.
 */

/** Which requests a rule applies to. Every field given must match. */
export interface FaultMatch {
  /** HTTP method, or several, upper case (default: any). */
  readonly method?: string | readonly string[];
  /** Tested against the URL path without its query, e.g. `/\/leases\/kubejobs-controller$/` (default: any). */
  readonly path?: RegExp;
  /** true: only watch requests (`?watch=true`); false: only other requests (default: both). */
  readonly watch?: boolean;
  /** Apply to this many requests, then stop matching (default: every request until removed). */
  readonly count?: number;
}

/** What a rule does to a request it matches. */
export type FaultAction =
  /**
   * Accept the request and answer nothing: the request is not forwarded. When the rule is removed
   * the held requests are released, i.e. forwarded as if they had been slow, unless their client
   * gave up first. (Release rather than drop: it is what a healed network partition does, and a
   * test wanting a drop can add a `drop` rule.)
   */
  | { readonly action: 'hang' }
  /** Destroy the client's socket at once (no HTTP answer at all). */
  | { readonly action: 'drop' }
  /** Wait `delayMs`, then forward normally. */
  | { readonly action: 'delay'; readonly delayMs: number }
  /**
   * Answer `status` with a Kubernetes `Status` body (the request is not forwarded). `reason`
   * defaults to the apiserver's reason for that code; `retryAfterSeconds` sets `Retry-After`.
   */
  | {
    readonly action: 'fail';
    readonly status: number;
    readonly reason?: string;
    readonly message?: string;
    readonly retryAfterSeconds?: number;
  }
  /**
   * Watch requests only (the rule never matches other requests): the watch is forwarded and
   * opened on the apiserver, but its response headers (and so every event) are held until the
   * rule is removed, then released as they are.
   */
  | { readonly action: 'hangWatchBeforeFirstByte' }
  /**
   * Forward the request (it takes effect on the apiserver) and hold the apiserver's answer until
   * the rule is removed: a write whose outcome the client cannot know, as when a timeout cuts off
   * the answer. Released answers reach the client if it is still there.
   */
  | { readonly action: 'holdResponse' };

/** A rule: a match and an action. */
export type FaultRule = FaultMatch & FaultAction;

/** The name of an action. */
export type FaultActionName = FaultAction['action'];

/** One request the proxy saw, as the test reads it from {@link FaultProxy.requests}. */
export interface ProxiedRequest {
  /** Sequence number, in arrival order. */
  readonly id: number;
  readonly method: string;
  /** URL path without the query. */
  readonly path: string;
  /** The query parameters (last value wins for repeated ones). */
  readonly query: Readonly<Record<string, string>>;
  readonly watch: boolean;
  /** See {@link userOf}. */
  readonly user: string;
  /** Arrival time, ms since the epoch. */
  readonly startedAt: number;
  /** Status sent to the client, once response headers were sent (undefined while held, or when dropped). */
  readonly status?: number;
  /** The action of the rule that matched, if any. */
  readonly fault?: FaultActionName;
  /** Id of the rule that matched, if any. */
  readonly ruleId?: number;
  /** When the exchange ended (response finished, or either side closed), ms since the epoch. */
  readonly finishedAt?: number;
  /** How it ended; undefined while it is still open. */
  readonly outcome?: 'completed' | 'client-closed' | 'dropped' | 'upstream-error' | 'proxy-closed';
}

/** True when `rule` applies to this request (ignoring its count). */
export function matches(rule: FaultRule, method: string, path: string, watch: boolean): boolean {
  if (rule.action === 'hangWatchBeforeFirstByte' && !watch) return false;
  if (rule.watch !== undefined && rule.watch !== watch) return false;
  if (rule.method !== undefined) {
    const methods = typeof rule.method === 'string' ? [rule.method] : rule.method;
    if (!methods.some((m) => m.toUpperCase() === method)) return false;
  }
  return rule.path === undefined || rule.path.test(path);
}

/** A watch is `?watch=true|1`, or the legacy `/watch/` path prefix. */
export function isWatch(path: string, query: URLSearchParams): boolean {
  const watch = query.get('watch');
  return watch === 'true' || watch === '1' || /^\/(api|apis\/[^/]+)\/[^/]+\/watch\//.test(path);
}

/**
 * Who sent the request, for the log. A ServiceAccount token is a JWT: its `sub` claim is the
 * user name the apiserver will see (`system:serviceaccount:<ns>:<name>`). The token is not
 * verified (the apiserver does that); anything else is named by a hash of its Authorization
 * header, so the log never holds a credential.
 */
export function userOf(authorization: string | undefined): string {
  if (!authorization) return 'anonymous';
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  const parts = bearer?.split('.') ?? [];
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { sub?: unknown };
      if (typeof claims.sub === 'string') return claims.sub;
    } catch {
      // not a JWT: fall through to the hash
    }
  }
  return `sha256:${createHash('sha256').update(authorization).digest('hex').slice(0, 16)}`;
}

/** The reason the apiserver gives for common codes, so injected failures look like real ones. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A `meta/v1` Status body for an injected failure. */
export function statusBody(rule: Extract<FaultAction, { action: 'fail' }>): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: rule.message ?? `injected by the fault proxy: HTTP ${rule.status}`,
    reason: rule.reason ?? REASONS[rule.status] ?? '',
    ...(rule.retryAfterSeconds !== undefined ? { details: { retryAfterSeconds: rule.retryAfterSeconds } } : {}),
    code: rule.status,
  };
}
