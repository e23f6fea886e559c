import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  HttpMethod,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';

/** Field manager used for every server-side apply made by the test helpers. */
export const TEST_FIELD_MANAGER = 'kubejobs-test';

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between attempts in ms (default 100). */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` and
 * returns that value. Errors thrown by `probe` count as "not yet"; the last one
 * is reported on timeout.
 *
 * @param what human description used in the timeout error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError === undefined ? '' : `; last error: ${describeError(lastError)}`));
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Options of {@link freshNamespace}. */
export interface FreshNamespaceOptions {
  /** Name prefix; the apiserver appends a random suffix (default `kj-test-`). */
  readonly prefix?: string;
  /**
   * Wait until kube-controller-manager created the `default` ServiceAccount
   * (default true). The ServiceAccount admission plugin rejects Pods in a
   * namespace that has none yet, so tests creating Pods need this.
   */
  readonly waitForDefaultServiceAccount?: boolean;
}

/**
 * Creates a namespace with a unique, server-generated name, so tests never
 * see each other's objects, and returns its name.
 *
 * @param labels namespace labels, e.g. `{ 'pod-security.kubernetes.io/enforce': 'restricted' }`.
 */
export async function freshNamespace(
  kc: KubeConfig,
  labels: Record<string, string> = {},
  options: FreshNamespaceOptions = {},
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = await core.createNamespace({
    body: { metadata: { generateName: options.prefix ?? 'kj-test-', labels } },
  });
  const name = ns.metadata?.name;
  if (!name) {
    throw new Error('the apiserver returned a namespace without a name');
  }
  if (options.waitForDefaultServiceAccount ?? true) {
    await waitFor(`ServiceAccount ${name}/default`, async () =>
      (await core.readNamespacedServiceAccount({ name: 'default', namespace: name })).metadata?.name);
  }
  return name;
}

/**
 * Waits until every named CustomResourceDefinition has the condition
 * `Established=True`, i.e. the apiserver serves its kind.
 *
 * @param names CRD names (`<plural>.<group>`).
 */
export async function waitForCrdsEstablished(
  kc: KubeConfig,
  names: readonly string[],
  options: WaitOptions = {},
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await Promise.all(names.map((name) => waitFor(`CRD ${name} Established`, async () => {
    const crd = await api.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, options)));
}

/** Options of {@link applyManifests}. */
export interface ApplyOptions {
  /** Namespace for namespaced objects that do not name one (default: the kubeconfig's, else `default`). */
  readonly namespace?: string;
  /** Field manager (default {@link TEST_FIELD_MANAGER}). */
  readonly fieldManager?: string;
  /** How long to wait for CRDs to be Established and their kinds served (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * What the API server does with fields the schema does not know (default `Strict`: reject
   * them, as `kubectl apply` does, instead of silently pruning them from custom resources).
   */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/**
 * Server-side applies `objects` (force, field manager `kubejobs-test`, strict field
 * validation) and returns what the apiserver stored, in input order. The objects are sent as
 * they are, never through client-node's typed models (which drop wire fields such as a CRD
 * schema's `enum`, `default` and `x-kubernetes-validations`).
 *
 * Namespaces and CustomResourceDefinitions are applied first; the CRDs are
 * then waited for (Established) before the remaining objects, so a manifest
 * set can carry a CRD together with instances of it, as `kubectl apply
 * --server-side` users expect.
 */
export async function applyManifests<T extends KubernetesObject>(
  kc: KubeConfig,
  objects: readonly T[],
  options: ApplyOptions = {},
): Promise<KubernetesObject[]> {
  const client = ScopedObjectApi.create(kc, options.namespace);
  const fieldManager = options.fieldManager ?? TEST_FIELD_MANAGER;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const isFirst = (o: KubernetesObject): boolean =>
    (o.kind === 'Namespace' && o.apiVersion === 'v1') ||
    (o.kind === 'CustomResourceDefinition' && o.apiVersion === 'apiextensions.k8s.io/v1');

  const results = new Map<number, KubernetesObject>();
  // Retrying is only useful for "kind not served yet" right after a CRD was
  // Established (discovery lags behind the condition), and for 429 "storage is
  // (re)initializing" of a kind that was just established; other errors are final.
  let retryDeadline = 0;
  const apply = async (index: number): Promise<void> => {
    const busyDeadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        results.set(index, await client.serverSideApply(applyBody(objects[index]), fieldManager,
          options.fieldValidation ?? 'Strict'));
        return;
      } catch (err) {
        const busy = err instanceof ApiException && err.code === 429 && Date.now() < busyDeadline;
        if (!busy && (!isKindNotServedYet(err) || Date.now() >= retryDeadline)) {
          throw new Error(`server-side apply of ${describeObject(objects[index])} failed: ${describeError(err)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  const first = objects.map((o, i) => [o, i] as const).filter(([o]) => isFirst(o));
  for (const [, i] of first) {
    await apply(i);
  }
  const crds = first
    .filter(([o]) => o.kind === 'CustomResourceDefinition')
    .map(([o]) => o.metadata?.name)
    .filter((n): n is string => n !== undefined);
  if (crds.length > 0) {
    await waitForCrdsEstablished(kc, crds, { timeoutMs });
    retryDeadline = Date.now() + timeoutMs;
  }
  for (let i = 0; i < objects.length; i++) {
    if (!results.has(i)) {
      await apply(i);
    }
  }
  return objects.map((_, i) => results.get(i) as KubernetesObject);
}

/** Renders an error from client-node (which embeds the Status body) readably. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    // client-node 1.x keeps the Status body as a JSON string; its message is
    // what kubectl would print.
    let body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return `HTTP ${err.code}: ${body}`;
      }
    }
    const status = body as { reason?: string; message?: string } | undefined;
    return status?.message !== undefined
      ? `HTTP ${err.code} ${status.reason ?? ''}: ${status.message}`
      : `HTTP ${err.code}: ${JSON.stringify(body)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * KubernetesObjectApi whose default namespace can be chosen per call site
 * (the stock one only takes the kubeconfig context's namespace).
 */
class ScopedObjectApi extends KubernetesObjectApi {
  public static create(kc: KubeConfig, namespace?: string): ScopedObjectApi {
    const client = kc.makeApiClient(ScopedObjectApi);
    client.setDefaultNamespace(kc);
    if (namespace !== undefined) {
      client.defaultNamespace = namespace;
    }
    return client;
  }

  /**
   * Server-side apply (force) of `object` as plain JSON. The stock `patch()` serializes the body
   * through the typed model of its kind, which silently drops fields the model spells
   * differently (`enum` -> `_enum`, `x-kubernetes-validations` -> `xKubernetesValidations`, ...).
   */
  public async serverSideApply(object: KubernetesObject, fieldManager: string, fieldValidation: string): Promise<KubernetesObject> {
    const path = await this.specUriPath(object, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', fieldManager);
    request.setQueryParam('force', 'true');
    request.setQueryParam('fieldValidation', fieldValidation);
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}

/** A deep copy without the fields an apply request must not carry. */
function applyBody(object: KubernetesObject): KubernetesObject {
  const copy = structuredClone(object);
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    delete copy.metadata.resourceVersion;
    delete copy.metadata.uid;
    delete copy.metadata.creationTimestamp;
  }
  return copy;
}

function isKindNotServedYet(err: unknown): boolean {
  if (err instanceof ApiException) {
    return err.code === 404;
  }
  return err instanceof Error && /Unrecognized API version and kind|Failed to fetch resource metadata/.test(err.message);
}

function describeObject(o: KubernetesObject): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.apiVersion}/${o.kind} ${ns}${o.metadata?.name ?? '(unnamed)'}`;
}
