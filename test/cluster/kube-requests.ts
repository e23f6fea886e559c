import * as https from 'node:https';
import { ApiException, KubeConfig, User } from '@kubernetes/client-node';
import { describeError } from './kube-helpers';

/**
 * Requests the generated API clients of client-node cannot make: a `kubectl get`-style Table, and
 * requests as another user (impersonation). Used by the cluster tests of the kubejobs manifests.
 */

/** A `meta.k8s.io/v1` Table column, as `kubectl get` receives it. */
export interface TableColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description?: string;
  readonly priority?: number;
}

/** The parts of a `meta.k8s.io/v1` Table the tests read. */
export interface Table {
  readonly kind: string;
  readonly columnDefinitions: readonly TableColumnDefinition[];
  readonly rows: readonly { readonly cells: readonly unknown[] }[];
}

/**
 * GETs `path` (e.g. `/apis/<group>/<version>/namespaces/<ns>/<plural>`) the way `kubectl get`
 * does: as a server-side printed Table, whose columns come from the CRD's
 * `additionalPrinterColumns`.
 */
export async function getTable(kc: KubeConfig, path: string): Promise<Table> {
  const body = await getJson(kc, path, 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json');
  return body as Table;
}

/** GETs `path` and parses the JSON body; a non-2xx answer is an Error carrying the Status message. */
export async function getJson(kc: KubeConfig, path: string, accept = 'application/json'): Promise<unknown> {
  const { status, text } = await get(kc, path, accept);
  if (status < 200 || status >= 300) {
    throw new Error(describeError(new ApiException(status, `GET ${path}`, text, {})));
  }
  return JSON.parse(text);
}

/**
 * GETs `path` and parses the JSON body exactly as the API server sent it (no client-node model
 * renames fields such as `default` or `x-kubernetes-validations`); undefined on 404.
 */
export async function getJsonIfFound(kc: KubeConfig, path: string): Promise<unknown> {
  const { status, text } = await get(kc, path, 'application/json');
  if (status === 404) return undefined;
  if (status < 200 || status >= 300) {
    throw new Error(describeError(new ApiException(status, `GET ${path}`, text, {})));
  }
  return JSON.parse(text);
}

/**
 * How long a GET keeps retrying 429s. Right after a CRD is (re)created the API server answers its
 * kind with 429 "storage is (re)initializing" and a `Retry-After`; client-go retries those. These
 * test helpers retry every 429 (with or without `Retry-After`, waiting what it asks, at most 5 s)
 * within this bound: a loaded machine can take several seconds.
 */
const TOO_MANY_REQUESTS_BOUND_MS = 60_000;

async function get(kc: KubeConfig, path: string, accept: string): Promise<{ status: number; text: string }> {
  const deadline = Date.now() + TOO_MANY_REQUESTS_BOUND_MS;
  for (;;) {
    const answer = await getOnce(kc, path, accept);
    if (answer.status !== 429 || Date.now() >= deadline) return answer;
    const seconds = Number(answer.retryAfter ?? '1');
    const waitMs = Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000, 5_000);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

async function getOnce(kc: KubeConfig, path: string, accept: string): Promise<{ status: number; text: string; retryAfter?: string }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error('the kubeconfig has no current cluster');
  }
  const url = new URL(path, cluster.server);
  const options: https.RequestOptions = {
    method: 'GET',
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    headers: { Accept: accept },
  };
  await kc.applyToHTTPSOptions(options);
  options.headers = { ...options.headers, Accept: accept };
  return new Promise<{ status: number; text: string; retryAfter?: string }>((resolve, reject) => {
    const req = https.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        text: Buffer.concat(chunks).toString('utf8'),
        retryAfter: res.headers['retry-after'],
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A copy of `kc` whose requests impersonate `username` (header `Impersonate-User`). For a
 * ServiceAccount user name (`system:serviceaccount:<ns>:<name>`) the API server adds the groups a
 * real token of that ServiceAccount carries (`system:serviceaccounts`,
 * `system:serviceaccounts:<ns>`, `system:authenticated`), so RBAC sees exactly what the
 * ServiceAccount's pods would.
 */
export function impersonating(kc: KubeConfig, username: string): KubeConfig {
  const user = kc.getCurrentUser();
  const cluster = kc.getCurrentCluster();
  if (!user || !cluster) {
    throw new Error('the kubeconfig has no current user or cluster');
  }
  const impersonator: User = { ...user, name: `${user.name}-as-${username}`, impersonateUser: username };
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: [cluster],
    users: [impersonator],
    contexts: [{ name: 'impersonating', cluster: cluster.name, user: impersonator.name }],
    currentContext: 'impersonating',
  });
  return copy;
}

/** The user name Kubernetes gives a ServiceAccount's tokens. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}
