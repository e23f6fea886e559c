/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { KubeApiError, KubeClient } from '../../src/controller/kube-client';
import { loadClusterCredentials } from '../../src/controller/kubeconfig';
import { MAX_RETRIES_WHEN_ASKED } from '../../src/controller/retry-after';
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

// A resource path (the client refuses others): a pod that does not exist, so a GET that gets through answers 404.
const POD = '/api/v1/namespaces/default/pods/none';
const POD_PATH = /\/namespaces\/default\/pods\/none$/;
const REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
const statuses = (path: string, since: number) => proxy.requests((r) => r.path === path && r.id > since).map((r) => r.status);
const lastId = () => Math.max(0, ...proxy.requests().map((r) => r.id));

test('a GET answered 429 with Retry-After is sent again after the wait, until it is answered', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 1, method: 'GET', path: POD_PATH, count: 2 });
  expect(await client.get(POD)).toBeUndefined();
  expect(statuses(POD, since)).toEqual([429, 429, 404]);
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
  proxy.addRule({ action: 'fail', status: 429, message: 'slow down', method: 'GET', path: POD_PATH, count: 1 });
  proxy.addRule({ action: 'fail', status: 500, message: 'broken', method: 'POST', path: /selfsubjectreviews$/, count: 1 });
  await expect(client.request('GET', POD)).rejects.toMatchObject({ code: 429, reason: 'TooManyRequests', message: 'slow down' });
  await expect(client.create(REVIEWS, review)).rejects.toMatchObject({ code: 500, message: 'broken' });
  expect(statuses(POD, since)).toEqual([429]);
  expect(statuses(REVIEWS, since)).toEqual([500]);
});

test('a retry that would have less than a second of the request\'s deadline left is not sent: the error comes at once', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 4, method: 'GET', path: POD_PATH });
  // 4 s of wait + 1 s of budget > 4.5 s.
  const err = await client.request('GET', POD, undefined, undefined, { timeoutMs: 4_500 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeApiError);
  expect(err).toMatchObject({ code: 429 });
  expect(statuses(POD, since)).toEqual([429]);
});

test(`at most ${MAX_RETRIES_WHEN_ASKED} retries, as client-go: then the last answer's error`, async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 0, method: 'GET', path: POD_PATH });
  await expect(client.request('GET', POD)).rejects.toMatchObject({ code: 429 });
  expect(statuses(POD, since)).toEqual(Array(MAX_RETRIES_WHEN_ASKED + 1).fill(429));
});

test('an abort while a retry is waited for ends the request at once, and nothing more is sent', async () => {
  const since = lastId();
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 20, method: 'GET', path: POD_PATH });
  const abort = new AbortController();
  const pending = client.request('GET', POD, undefined, undefined, { signal: abort.signal, timeoutMs: 60_000 }).catch((e: unknown) => e);
  await proxy.waitForRequest('the first GET', (r) => r.path === POD && r.id > since && r.status === 429);
  abort.abort(new Error('stopped by the caller'));
  // Whether the abort came while the 429 was still being read or during the 20 s wait: the caller's abort, at once.
  expect(await pending).toMatchObject({ code: 0, reason: 'Timeout', message: `GET ${POD}: stopped by the caller` });
  expect(statuses(POD, since)).toEqual([429]);
});
