/**
 * The fault-injection proxy (fault-proxy.ts) against a real kube-apiserver: every rule does
 * what it promises, and what it does not do (the apiserver still answers everything else).
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { FaultProxy, ProxiedRequest } from './fault-proxy';
import { freshNamespace, waitFor } from './kube-helpers';
import { RawRequest } from './raw-request';
import { clusterAdminServiceAccount } from './service-account-token';
import { useControlPlane } from './use-control-plane';

jest.setTimeout(120_000);

const plane = useControlPlane();
let proxy: FaultProxy;
let token: string;
let ns: string;
let user: string;

beforeAll(async () => {
  const kc = plane().kubeConfig;
  ns = await freshNamespace(kc, {}, { waitForDefaultServiceAccount: false });
  token = await clusterAdminServiceAccount(kc, ns, 'proxy-client');
  user = `system:serviceaccount:${ns}:proxy-client`;
  proxy = await FaultProxy.start(plane());
}, 60_000);

afterEach(() => {
  proxy.clearRules();
  proxy.resume();
});

afterAll(async () => {
  await proxy?.close();
});

const configMaps = (): string => `/api/v1/namespaces/${ns}/configmaps`;
const viaProxy = (path: string, options: Parameters<typeof RawRequest.send>[2] = {}): RawRequest =>
  RawRequest.send(proxy.url, path, { token, ...options });
/** Straight to the apiserver, as admin: the world the proxy's clients cannot see while it holds them. */
const direct = (): CoreV1Api => plane().kubeConfig.makeApiClient(CoreV1Api);
const createConfigMap = (name: string) => direct().createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });

/** The proxy's record of the only request to `path` (with `method`), once it has ended. */
function finished(method: string, path: string): Promise<ProxiedRequest> {
  return proxy.waitForRequest(`${method} ${path} ended`, (r) => r.method === method && r.path === path && r.outcome !== undefined);
}

async function resourceVersion(): Promise<string> {
  const list = viaProxy(configMaps());
  return (JSON.parse(await list.ended) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

function watchName(name: string, rv: string, to: (path: string) => RawRequest = viaProxy): RawRequest {
  return to(`${configMaps()}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3D${name}`);
}

const added = (w: RawRequest, name: string): boolean => w.events.some((e) => e.type === 'ADDED' && e.object?.metadata?.name === name);

test('forwards requests with their bodies and records method, path, query, status and user', async () => {
  const create = viaProxy(configMaps(), { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forwarded' }, data: { a: 'b' } } });
  expect(await create.response).toBe(201);
  const read = viaProxy(`${configMaps()}/forwarded?pretty=false`);
  expect(await read.response).toBe(200);
  expect(JSON.parse(await read.ended)).toMatchObject({ metadata: { name: 'forwarded' }, data: { a: 'b' } });
  // No token: the apiserver's anonymous user; a token that is no JWT: rejected, logged by hash.
  expect(await RawRequest.send(proxy.url, `${configMaps()}/anonymous`).response).toBe(403);
  expect(await viaProxy(`${configMaps()}/garbage`, { authorization: 'Bearer not-a-jwt' }).response).toBe(401);

  expect(await finished('POST', configMaps())).toMatchObject({ status: 201, user, watch: false, outcome: 'completed', query: {} });
  const get = await finished('GET', `${configMaps()}/forwarded`);
  expect(get).toMatchObject({ status: 200, user, query: { pretty: 'false' }, outcome: 'completed' });
  expect(get.fault).toBeUndefined();
  expect(get.finishedAt).toBeGreaterThanOrEqual(get.startedAt);
  expect(await finished('GET', `${configMaps()}/anonymous`)).toMatchObject({ status: 403, user: 'anonymous' });
  const garbage = await finished('GET', `${configMaps()}/garbage`);
  expect(garbage.status).toBe(401);
  expect(garbage.user).toMatch(/^sha256:[0-9a-f]{16}$/);
});

test('streams a watch: headers at once, each event while the stream stays open', async () => {
  const watch = watchName('streamed', await resourceVersion());
  // A buffering proxy would answer only when the apiserver ends the watch (minutes from now).
  expect(await watch.response).toBe(200);
  await createConfigMap('streamed');
  await waitFor('the ADDED event through the proxy', async () => added(watch, 'streamed'));
  expect(watch.state).toBe('streaming');
  const entry = proxy.requests((r) => r.watch && r.query.fieldSelector === 'metadata.name=streamed');
  expect(entry).toEqual([expect.objectContaining({ method: 'GET', status: 200, watch: true, user })]);
  expect(entry[0]!.outcome).toBeUndefined();
  watch.abort();
  await proxy.waitForRequest('the watch closed by its client', (r) => r.id === entry[0]!.id && r.outcome === 'client-closed');
});

test('fail answers a Kubernetes Status, only for the matching method and kind of request, count times', async () => {
  await createConfigMap('failing');
  const rule = proxy.addRule({ action: 'fail', status: 503, message: 'injected', method: 'GET', path: /\/configmaps\/failing$/, watch: false, count: 2 });
  proxy.addRule({ action: 'fail', status: 500, method: ['DELETE', 'PATCH'], path: /\/configmaps\/failing$/ });
  proxy.addRule({ action: 'fail', status: 429, retryAfterSeconds: 1, path: /\/configmaps$/, watch: true });

  for (let i = 0; i < 2; i++) {
    const r = viaProxy(`${configMaps()}/failing`);
    expect(await r.response).toBe(503);
    expect(JSON.parse(await r.ended)).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'injected', reason: 'ServiceUnavailable', code: 503,
    });
  }
  expect(rule.hits).toBe(2);
  expect(await viaProxy(`${configMaps()}/failing`).response).toBe(200); // count used up
  expect(await viaProxy(configMaps()).response).toBe(200); // the watch-only rule spares a list
  const watch = viaProxy(`${configMaps()}?watch=true`);
  expect(await watch.response).toBe(429);
  expect(JSON.parse(await watch.ended)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 });
  const del = viaProxy(`${configMaps()}/failing`, { method: 'DELETE' });
  expect(await del.response).toBe(500);
  expect(JSON.parse(await del.ended)).toMatchObject({ reason: 'InternalError', code: 500 });
  // The DELETE never reached the apiserver.
  expect((await direct().readNamespacedConfigMap({ name: 'failing', namespace: ns })).metadata?.name).toBe('failing');

  const failures = proxy.requests((r) => r.path === `${configMaps()}/failing` && r.method === 'GET');
  expect(failures.map((r) => [r.fault, r.ruleId, r.status])).toEqual([['fail', rule.id, 503], ['fail', rule.id, 503], [undefined, undefined, 200]]);
});

test('delay forwards the request after the delay', async () => {
  await createConfigMap('delayed');
  proxy.addRule({ action: 'delay', delayMs: 1_000, path: /\/configmaps\/delayed$/, count: 1 });
  const r = viaProxy(`${configMaps()}/delayed`);
  expect(await r.response).toBe(200);
  expect(JSON.parse(await r.ended)).toMatchObject({ metadata: { name: 'delayed' } });
  const entry = await finished('GET', `${configMaps()}/delayed`);
  expect(entry).toMatchObject({ fault: 'delay', status: 200 });
  // A lower bound the delay guarantees, not a speed assertion.
  expect(entry.finishedAt! - entry.startedAt).toBeGreaterThanOrEqual(1_000);
});

test('hang answers nothing until the rule is removed, then releases the request; a client may give up', async () => {
  await createConfigMap('hung');
  const path = `${configMaps()}/hung`;
  const rule = proxy.addRule({ action: 'hang', method: 'GET', path: /\/configmaps\/hung$/ });
  const held = viaProxy(path);
  const givesUp = viaProxy(path);
  await waitFor('the proxy to hold both requests', async () => proxy.requests((r) => r.path === path && r.fault === 'hang').length === 2);
  // The proxy still serves everything else meanwhile; the hung requests got not one byte.
  expect(await viaProxy(configMaps()).response).toBe(200);
  expect([held.state, held.received, givesUp.state]).toEqual(['waiting', '', 'waiting']);

  givesUp.abort();
  await proxy.waitForRequest('the client that gave up', (r) => r.path === path && r.outcome === 'client-closed');
  rule.remove();
  expect(await held.response).toBe(200);
  expect(JSON.parse(await held.ended)).toMatchObject({ metadata: { name: 'hung' } });
  expect(rule.hits).toBe(2);
  expect(proxy.requests((r) => r.path === path).map((r) => [r.fault, r.status, r.outcome]))
    .toEqual([['hang', 200, 'completed'], ['hang', undefined, 'client-closed']]);
});

test('drop destroys the client socket; with a count, later requests go through', async () => {
  const path = `${configMaps()}/dropped`;
  proxy.addRule({ action: 'drop', path: /\/configmaps\/dropped$/, count: 1 });
  const dropped = viaProxy(path);
  await expect(dropped.response).rejects.toThrow(/socket hang up|ECONNRESET/);
  expect(await viaProxy(path).response).toBe(404); // forwarded: the apiserver has no such ConfigMap
  expect(proxy.requests((r) => r.path === path).map((r) => [r.fault, r.status, r.outcome]))
    .toEqual([['drop', undefined, 'dropped'], [undefined, 404, 'completed']]);
});

/** kube-apiserver's gauge of open WATCH requests on ConfigMaps, summed over its scopes (cluster, namespace, one object). */
async function openConfigMapWatches(): Promise<number> {
  const metrics = await RawRequest.send(plane().server, '/metrics', { token, caData: plane().caData }).ended;
  return metrics.split('\n')
    .filter((l) => l.startsWith('apiserver_longrunning_requests{') && l.includes('resource="configmaps"') && l.includes('verb="WATCH"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

test('hangWatchBeforeFirstByte opens the watch on the apiserver but holds its headers until removed', async () => {
  const rule = proxy.addRule({ action: 'hangWatchBeforeFirstByte', path: /\/configmaps$/ });
  const rv = await resourceVersion(); // a list on the same path: not a watch, not held
  const watchesBefore = await openConfigMapWatches();
  const watch = watchName('late', rv);
  await waitFor('the held watch to be open on the apiserver', async () => await openConfigMapWatches() > watchesBefore);
  await createConfigMap('late');
  expect(await viaProxy(configMaps()).response).toBe(200);
  expect([watch.state, watch.received]).toEqual(['waiting', '']);
  const entry = proxy.requests((r) => r.watch && r.query.fieldSelector === 'metadata.name=late')[0];
  expect(entry).toMatchObject({ fault: 'hangWatchBeforeFirstByte', ruleId: rule.id });
  expect(entry?.status).toBeUndefined();

  rule.remove();
  expect(await watch.response).toBe(200);
  await waitFor('the event that happened while the headers were held', async () => added(watch, 'late'));
  watch.abort();
});

test('holdResponse lets the request take effect on the apiserver but holds its answer until removed', async () => {
  const rule = proxy.addRule({ action: 'holdResponse', method: 'POST', path: /\/configmaps$/ });
  const create = viaProxy(configMaps(), { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'answer-held' } } });
  // The ConfigMap exists while the client still waits for its answer: a write whose outcome it cannot know.
  await waitFor('the ConfigMap on the apiserver', async () => (await direct().listNamespacedConfigMap({ namespace: ns })).items.some((c) => c.metadata?.name === 'answer-held'));
  expect([create.state, create.received]).toEqual(['waiting', '']);
  expect(proxy.requests((r) => r.method === 'POST' && r.path === configMaps() && r.ruleId === rule.id)).toMatchObject([{ fault: 'holdResponse' }]);
  rule.remove();
  expect(await create.response).toBe(201);
});

test('pause() stalls open streams and new requests; resume() lets them go on', async () => {
  await createConfigMap('paused');
  const rv = await resourceVersion();
  const proxiedWatch = watchName('during-pause', rv);
  expect(await proxiedWatch.response).toBe(200);
  const directWatch = watchName('during-pause', rv, (path) => RawRequest.send(plane().server, path, { token, caData: plane().caData }));
  expect(await directWatch.response).toBe(200);

  proxy.pause();
  const held = viaProxy(`${configMaps()}/paused`);
  await proxy.waitForRequest('the request sent while paused', (r) => r.path === `${configMaps()}/paused`);
  await createConfigMap('during-pause');
  // The apiserver sent the event: the direct watch has it, and a further round trip has passed.
  await waitFor('the event on the direct watch', async () => added(directWatch, 'during-pause'));
  await direct().readNamespacedConfigMap({ name: 'paused', namespace: ns });
  expect(added(proxiedWatch, 'during-pause')).toBe(false);
  expect(held.state).toBe('waiting');

  proxy.resume();
  expect(await held.response).toBe(200);
  await waitFor('the stalled event after resume()', async () => added(proxiedWatch, 'during-pause'));
  proxiedWatch.abort();
  directWatch.abort();
});

test('close() destroys open connections, held ones included, and stops listening', async () => {
  const own = await FaultProxy.start(plane());
  own.addRule({ action: 'hang', path: /\/configmaps\/never$/ });
  const watch = RawRequest.send(own.url, `${configMaps()}?watch=true`, { token });
  expect(await watch.response).toBe(200);
  const held = RawRequest.send(own.url, `${configMaps()}/never`, { token });
  await own.waitForRequest('the held request', (r) => r.path === `${configMaps()}/never`);

  await own.close();
  await waitFor('both clients to see their connection end', async () => watch.state === 'failed' && held.state === 'failed');
  expect(own.requests().map((r) => r.outcome)).toEqual(['proxy-closed', 'proxy-closed']);
  await expect(RawRequest.send(own.url, configMaps(), { token }).response).rejects.toThrow(/ECONNREFUSED/);
});
