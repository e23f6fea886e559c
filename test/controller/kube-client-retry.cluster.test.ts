/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { KubeApiError, KubeClient, MAX_RETRIES_WHEN_ASKED } from '../../src/controller/kube-client';
import { loadClusterCredentials } from '../../src/controller/kubeconfig';
import { controllerIdentity } from '../cluster/controller-identity';
import { FaultProxy } from '../cluster/fault-proxy';
import { useControlPlane } from '../cluster/use-control-plane';

// The runtime's client (controller, job-scheduler, CLI) sends again a request the API server asks
// it to retry (429, or a 5xx with Retry-After: e.g. a kind whose storage is still initializing
// right after its CRD was created), as client-go does; answers that ask nothing are final.

const plane = useControlPlane();
let proxy: FaultProxy;
let client: KubeClient;
beforeAll(async () => {
  proxy = await FaultProxy.start({ server: plane().server, caData: plane().caData });
  const identity = await controllerIdentity(plane());
  client = new KubeClient(loadClusterCredentials(identity.kubeconfigPath(proxy.url)), { timeoutMs: 30_000 });
});
afterAll(() => proxy?.close());
afterEach(() => proxy.clearRules());

const VERSION = '/version';
const REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
const statuses = (path: string, since: number) => proxy.requests((r) => r.path === path && r.id > since).map((r) => r.status);
const lastId = () => Math.max(0, ...proxy.requests().map((r) => r.id));

test('a GET answered 429 with Retry-After is sent again after the wait, until it is answered', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 1, method: 'GET', path: /^\/version$/, count: 2 });
  const version = await client.request<{ gitVersion: string }>('GET', VERSION);
  expect(version.gitVersion).toMatch(/^v1\./);
  expect(statuses(VERSION, since)).toEqual([429, 429, 200]);
});

test('a POST answered 503 with Retry-After was not processed, so it is sent again, and it takes effect once', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 503, retryAfterSeconds: 1, method: 'POST', path: /selfsubjectreviews$/, count: 1 });
  const answer = await client.create<{ status: { userInfo: { username: string } } }>(REVIEWS, review);
  expect(answer.status.userInfo.username).toMatch(/^system:serviceaccount:/);
  expect(statuses(REVIEWS, since)).toEqual([503, 201]);
});

test('a 429 or 5xx without Retry-After is final: one request, the API server\'s error', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, message: 'slow down', method: 'GET', path: /^\/version$/, count: 1 });
  proxy.addRule({ action: 'fail', status: 500, message: 'broken', method: 'POST', path: /selfsubjectreviews$/, count: 1 });
  await expect(client.request('GET', VERSION)).rejects.toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'slow down' });
  await expect(client.create(REVIEWS, review)).rejects.toMatchObject({ code: 500, message: 'broken' });
  expect(statuses(VERSION, since)).toEqual([429]);
  expect(statuses(REVIEWS, since)).toEqual([500]);
});

test('a wait that would pass the request\'s deadline is not waited: the error comes at once', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 10, method: 'GET', path: /^\/version$/ });
  const err = await client.request('GET', VERSION, undefined, undefined, { timeoutMs: 5_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeApiError);
  expect(err).toMatchObject({ code: 429 });
  expect(statuses(VERSION, since)).toEqual([429]);
});

test(`at most ${MAX_RETRIES_WHEN_ASKED} retries, as client-go: then the last answer's error`, async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 0, method: 'GET', path: /^\/version$/ });
  await expect(client.request('GET', VERSION)).rejects.toMatchObject({ code: 429 });
  expect(statuses(VERSION, since)).toEqual(Array(MAX_RETRIES_WHEN_ASKED + 1).fill(429));
});

test('an abort during the wait ends the request with the answer\'s error', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 5, method: 'GET', path: /^\/version$/ });
  const abort = new AbortController();
  const pending = client.request('GET', VERSION, undefined, undefined, { signal: abort.signal }).catch((e: unknown) => e);
  await proxy.waitForRequest('the first GET', (r) => r.path === VERSION && r.id > since && r.status === 429);
  abort.abort();
  expect(await pending).toMatchObject({ code: 429 });
  expect(statuses(VERSION, since)).toEqual([429]);
});
