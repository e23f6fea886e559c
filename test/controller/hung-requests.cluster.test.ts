/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { ControllerProcess } from './controller-process';
import { genericJob, template, TestApi } from './helpers';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';
import { FaultProxy, RuleHandle } from '../cluster/fault-proxy';
import { applyManifests, freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

// The controller runs behind a fault-injection proxy that hangs requests on demand: a hung
// request costs a worker its deadline, never forever; a watch that never starts is restarted; and
// /healthz tells the kubelet when the process is wedged all the same.

// The `scheduling` tier: the stalled job's pod is scheduled and run by KWOK, not patched Running.
const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const plane = () => cluster().plane;
let api: TestApi;
const proxies: FaultProxy[] = [];
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  api = new TestApi(plane().kubeConfig);
  await applyManifests(plane().kubeConfig, KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d) as never));
}, 60_000);

afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop(2_000)));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function behindProxy(
  extraArgs: string[], rules: (proxy: FaultProxy) => void = () => undefined,
): Promise<{ proxy: FaultProxy; controller: ControllerProcess }> {
  const proxy = await FaultProxy.start({ server: plane().server, caData: plane().caData });
  proxies.push(proxy);
  // Rules go in before the controller starts, so its very first requests meet them.
  rules(proxy);
  const controller = await ControllerProcess.start(plane(), { server: proxy.url, concurrency: 1, extraArgs });
  controllers.push(controller);
  return { proxy, controller };
}

async function metric(c: ControllerProcess, pattern: RegExp): Promise<number> {
  const m = (await c.metrics()).match(pattern);
  return m ? Number(m[1]) : 0;
}

test('a hung pod creation times out and is retried: the job gets its pod while the first request still hangs', async () => {
  const { proxy, controller } = await behindProxy(['--request-timeout=2s']);
  await controller.waitReady();
  const hang = proxy.addRule({ method: 'POST', path: /\/pods$/, action: 'hang', count: 1 });
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('hung', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  // One worker: without a deadline it would wait on the hung request forever.
  await api.waitForPods(ns, 'hung', ['hung-worker-0'], { timeoutMs: 60_000 });
  expect(hang.hits).toBe(1);
  // The proxy records the outcome when it sees the socket close, which may come after the retry.
  const held = await waitFor('the hung request closed', async () => proxy.requests((r) => r.fault === 'hang').find((r) => r.outcome !== undefined), { timeoutMs: 30_000 });
  expect(held.outcome).toBe('client-closed');
  expect(await metric(controller, /kubejobs_api_requests_total\{verb="create",group="",resource="pods",code="0"\} (\d+)/)).toBe(1);
  hang.remove();
}, 120_000);

test('a pod watch that hangs before its first byte is aborted by the stall timer and restarted', async () => {
  // The request deadline is long, so only the stall timer can end the hung watch.
  let hang!: RuleHandle;
  const { proxy, controller } = await behindProxy(['--request-timeout=10m', '--watch-stall-timeout=3s'], (p) => {
    hang = p.addRule({ path: /\/pods$/, watch: true, action: 'hangWatchBeforeFirstByte', count: 1 });
  });
  await controller.waitReady();
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('stall', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  await api.waitForPods(ns, 'stall', ['stall-worker-0'], { timeoutMs: 60_000 });
  // The pod runs on its KWOK node; the job can only see that through the pod watch.
  await api.waitForJob(ns, 'stall', 'Running', (j) => j.status?.phase === 'Running', { timeoutMs: 60_000 });
  expect(hang.hits).toBe(1);
  // The held watch was given up by the controller (the stall timer aborted it), not by the proxy.
  const held = await waitFor('the held watch closed', async () => proxy.requests((r) => r.ruleId === hang.id).find((r) => r.outcome !== undefined), { timeoutMs: 30_000 });
  expect(held.outcome).toBe('client-closed');
  hang.remove();
}, 120_000);

test('/healthz fails while a reconcile is stuck and recovers when it ends', async () => {
  // A deadline longer than the test lets the hung request wedge the only worker.
  const { proxy, controller } = await behindProxy(['--request-timeout=10m', '--stuck-reconcile-timeout=2s']);
  await controller.waitReady();
  expect(await controller.probe('/healthz')).toBe(200);
  const hang = proxy.addRule({ method: 'POST', path: /\/pods$/, action: 'hang' });
  const ns = await freshNamespace(plane().kubeConfig);
  await api.create(ns, genericJob('wedged', { replicaSpecs: [{ type: 'worker', replicas: 1, template: template() }] }));
  const body = await waitFor('/healthz failing', async () => {
    const res = await fetch(`http://127.0.0.1:${controller.healthPort}/healthz`);
    return res.status === 500 ? res.text() : undefined;
  }, { timeoutMs: 60_000 });
  expect(body).toMatch(new RegExp(`^reconcile genericjob ${ns}/wedged: running for \\d+ s$`));
  // Readiness is about serving, not liveness: it stays up.
  expect(await controller.probe('/readyz')).toBe(200);
  hang.remove(); // the held request goes through
  await api.waitForPods(ns, 'wedged', ['wedged-worker-0'], { timeoutMs: 60_000 });
  await waitFor('/healthz ok again', async () => (await controller.probe('/healthz')) === 200, { timeoutMs: 60_000 });
}, 120_000);
