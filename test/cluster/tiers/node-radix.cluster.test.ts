/**
 * @jest-environment ./test/cluster/environment.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { LocalRegistry, startLocalRegistry } from './local-registry';
import { expectHostPutBackAfterAll } from './node-host-check';
import { iptablesState, NodeHostRecord, readConntrackSysctls, readSysctls } from './node-host-state';
import { kubectlFor } from './node-kubectl';
import { useNodeTier } from './use-tier';
import { KubejobsController, RadixJobScheduler } from '../../../src';
import { freshNamespace, waitFor } from '../kube-helpers';
import { get } from '../readiness';

// The `node` tier with kube-proxy: the RadixJobScheduler's Deployment (the kubejobs image built
// here, Pod Security "restricted") answers Radix's REST API from another pod, through its
// Service's ClusterIP, as a Radix component calls its job-scheduler. The jobs it records are made
// into Kubernetes Jobs by the KubejobsController chart's in-cluster controller; the job's image
// (pulled `Always`, as upstream Radix does) comes from a registry on 127.0.0.1.

const cluster = useNodeTier();
let hostBefore: NodeHostRecord;
let registry: LocalRegistry;
/** The job image: the kubejobs image (a numeric non-root user, as `runAsNonRoot` needs) pushed to the local registry. */
let jobImage: string;
beforeAll(async () => {
  const { plane, node } = cluster();
  hostBefore = node.hostBefore;
  registry = await startLocalRegistry(node.build.crane, plane.logsDir);
  node.stopFirst(() => registry.stop());
  const archive = node.build.archives.find((a) => path.basename(a).startsWith('kubejobs-')) ?? failWith(`no kubejobs archive in ${node.build.archives.join(', ')}`);
  jobImage = await registry.push(archive, 'kubejobs/job', splitImage(node.build.kubejobsImage).tag);
}, 600_000);
// Declared after useNodeTier: runs once the tier has stopped (kube-proxy's chains in both families gone too).
expectHostPutBackAfterAll(cluster);

/** `kubectl <args>` against the plane. */
const kubectl = kubectlFor(() => cluster().plane);

/** `kubectl apply --server-side` of a chart's objects. */
async function applyChart(chart: Chart): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kj-radix-')), 'chart.yaml');
  fs.writeFileSync(file, Testing.synth(chart).map((o) => stringify(o)).join('---\n'));
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** `repository:tag` split at the tag's colon (a registry's port is before the last `/`). */
function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(':');
  if (colon < image.lastIndexOf('/') + 1) throw new Error(`${image} has no tag`);
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

/** Radix's job names: `batch-<component><9 random>-<yyyyMMddHHmmss>-<8 random>-<8 random>`. */
const JOB_NAME = /^batch-compute[a-z0-9]{9}-\d{14}-[a-z0-9]{8}-[a-z0-9]{8}$/;
const PAYLOAD = '{"x": 10, "y": 20}';
/** What the job runs: prints its payload (mounted at the component's payloadPath) and its name. */
const JOB_COMMAND = ['sh', '-c', 'cat /compute/args/payload; echo; echo "job $RADIX_JOB_NAME done"'];

/**
 * What the client pod runs (`node -e`): finds the scheduler through the variables the kubelet
 * sets for the `compute` Service (there is no cluster DNS), calls Radix's routes with fetch and
 * prints one JSON line per answer. The first call is retried while the connection is refused
 * (kube-proxy programs the Service's endpoint within a second of it becoming ready).
 */
const CLIENT_SCRIPT = `
const host = process.env.COMPUTE_SERVICE_HOST;
const port = process.env.COMPUTE_SERVICE_PORT;
const base = 'http://' + host + ':' + port;
const print = (o) => console.log(JSON.stringify(o));
async function call(step, method, route, body) {
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(base + route, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { notJson: text }; }
  print({ step, method, route, status: res.status, body: json });
  return { status: res.status, body: json };
}
(async () => {
  print({ step: 'service', host, port });
  let tries = 0;
  for (;;) {
    tries++;
    try { await call('list-empty', 'GET', '/api/v1/jobs'); break; } catch (err) {
      if (tries >= 120) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  print({ step: 'connected', tries });
  await call('bad-body', 'POST', '/api/v1/jobs', 'not json');
  const created = await call('create', 'POST', '/api/v1/jobs', { payload: ${JSON.stringify(PAYLOAD)}, command: ${JSON.stringify(JOB_COMMAND)} });
  const name = created.body.name;
  for (let i = 0; ; i++) {
    const got = await call(i === 0 ? 'get' : 'get-again', 'GET', '/api/v1/jobs/' + name);
    if (got.status === 200) break;
    if (i >= 120) throw new Error('the job never appeared');
    await new Promise((r) => setTimeout(r, 500));
  }
  await call('list', 'GET', '/api/v1/jobs');
  // Until the job has ended (its image pulled from the registry, its container run): printed only then.
  for (let i = 0; ; i++) {
    const res = await fetch(base + '/api/v1/jobs/' + name);
    const body = await res.json();
    if (['Succeeded', 'Failed', 'Stopped'].includes(body.status)) { print({ step: 'ended', status: res.status, body, polls: i + 1 }); break; }
    if (i >= 600) throw new Error('the job did not end: ' + JSON.stringify(body));
    await new Promise((r) => setTimeout(r, 500));
  }
})().catch((err) => { print({ step: 'error', message: String(err && err.stack || err) }); process.exit(1); });
`;

test('kube-proxy runs with its healthz on 127.0.0.1, programs Services in both families, and changes no kernel setting', async () => {
  const { node } = cluster();
  expect((await get(node.kubeProxyHealthzUrl, {})).status).toBe(200);
  const nat = iptablesState()['iptables/nat']!;
  expect(nat).toContain('-N KUBE-SERVICES');
  // The `kubernetes` Service has no endpoints (the API server advertises 127.0.0.1): its address
  // is the tier's own DNAT rule, which kube-proxy leaves as it is.
  expect(nat.filter((r) => r.includes('10.0.0.1/32'))).toEqual([expect.stringMatching(
    /^-A PREROUTING -d 10\.0\.0\.1\/32 -i kjbr0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 127\.0\.0\.1:\d+$/)]);
  const slices = await cluster().plane.kubeConfig.makeApiClient(DiscoveryV1Api)
    .listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' });
  expect(slices.items).toEqual([]);
  expect(iptablesState()['ip6tables/nat']).toContain('-N KUBE-SERVICES');
  // Configured to leave them: no conntrack size or timeouts, no route_localnet. ip_forward is the
  // CNI bridge plugin's (a gateway bridge routes), put back at stop.
  expect(readSysctls()['net/ipv4/conf/all/route_localnet']).toBe(hostBefore.sysctls['net/ipv4/conf/all/route_localnet']);
  expect(readConntrackSysctls()).toEqual(hostBefore.conntrack);
});

test('the RadixJobScheduler\'s Deployment answers Radix\'s routes from another pod, through its Service\'s ClusterIP', async () => {
  const { plane, node } = cluster();
  const core = plane.kubeConfig.makeApiClient(CoreV1Api);
  const ns = await freshNamespace(plane.kubeConfig, { 'pod-security.kubernetes.io/enforce': 'restricted' }, { prefix: 'node-radix-' });

  // The controller that makes the scheduler's RadixBatches into Jobs: the chart, in-cluster, watching ns.
  const controllerChart = new Chart(Testing.app(), 'kubejobs');
  new KubejobsController(controllerChart, 'controller', { image: node.build.kubejobsImage, replicas: 1, watchNamespace: ns });
  await applyChart(controllerChart);
  await kubectl('wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s');

  const { repository, tag } = splitImage(node.build.kubejobsImage);
  const schedulerChart = new Chart(Testing.app(), 'radix', { namespace: ns });
  const scheduler = new RadixJobScheduler(schedulerChart, 'compute', {
    name: 'compute',
    image: jobImage,
    schedulerPort: 8000,
    payloadPath: '/compute/args',
    schedulerImage: repository,
    schedulerTag: tag,
  });
  await applyChart(schedulerChart);
  await kubectl('rollout', 'status', '-n', 'kubejobs-system', 'deployment/kubejobs-controller', '--timeout=180s');
  await kubectl('rollout', 'status', '-n', ns, 'deployment/compute', '--timeout=180s');
  const [schedulerPod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/component=job-scheduler' })).items;
  expect(schedulerPod?.spec?.nodeName).toBe(node.nodeName);
  expect(schedulerPod?.spec?.containers[0]?.image).toBe(node.build.kubejobsImage);
  const service = await core.readNamespacedService({ name: scheduler.service.name, namespace: ns });
  const clusterIp = service.spec!.clusterIP!;
  expect(clusterIp).toMatch(/^10\.0\.0\.\d+$/);
  // The endpoint kube-proxy routes to: the scheduler pod, ready (the endpointslice controller's work).
  const discovery = plane.kubeConfig.makeApiClient(DiscoveryV1Api);
  await waitFor('a ready endpoint of the compute Service', async () => {
    const slices = (await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=compute' })).items;
    return slices.some((s) => s.endpoints?.some((e) => e.conditions?.ready && e.addresses.includes(schedulerPod!.status!.podIP!))) ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 300 });

  // The client: another pod of the namespace, restricted, on the base image (root by default, so a UID is given).
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'client' },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'client',
          image: node.build.baseImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', CLIENT_SCRIPT],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        }],
      },
    },
  });
  const client = await waitFor('the client pod ended', async () => {
    const p = await core.readNamespacedPod({ name: 'client', namespace: ns });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  }, { timeoutMs: 420_000, intervalMs: 500 });
  const logs = await kubectl('logs', '-n', ns, 'client');
  expect({ phase: client.status?.phase, logs }).toEqual({ phase: 'Succeeded', logs: expect.any(String) });
  const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as { step: string; status?: number; body?: any; host?: string; port?: string });
  const step = (name: string) => lines.find((l) => l.step === name) ?? failWith(`the client printed no '${name}':\n${logs}`);

  // Through the Service: the ClusterIP the kubelet handed the pod, not the scheduler pod's own address.
  expect(step('service')).toEqual({ step: 'service', host: clusterIp, port: '8000' });
  expect(clusterIp).not.toBe(schedulerPod!.status!.podIP);
  expect(step('list-empty')).toMatchObject({ status: 200, body: [] });
  // A body that is not JSON: 422 with the Kubernetes-Status-shaped error body Radix answers with.
  expect(step('bad-body')).toMatchObject({
    status: 422,
    body: { status: 'Failure', reason: 'Invalid', code: 422, message: 'payload is invalid: the request body is not JSON: send a JSON object' },
  });
  const created = step('create');
  expect(created).toMatchObject({ status: 200, body: { name: expect.stringMatching(JOB_NAME), status: 'Waiting', DeploymentName: '' } });
  const name: string = created.body.name;
  const got = step('get');
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({ name, status: expect.stringMatching(/^(Waiting|Active|Running)$/) });
  expect(step('list')).toMatchObject({ status: 200, body: [expect.objectContaining({ name })] });

  // The scheduler recorded it; the in-cluster controller made it a Job, with the payload mounted from a Secret.
  const job = JSON.parse(await waitForOutput(() => kubectl('get', 'job', '-n', ns, name, '-o', 'json')));
  expect(job.spec.template.spec.containers[0].image).toBe(jobImage);
  // Upstream Radix pulls job images always: the kubelet pulled it from the registry on 127.0.0.1.
  expect(job.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  const batchName = name.slice(0, name.lastIndexOf('-'));
  const secret = await core.readNamespacedSecret({ name: `${batchName}-payloads-0`, namespace: ns });
  expect(Buffer.from(secret.data![name.slice(name.lastIndexOf('-') + 1)]!, 'base64').toString()).toBe(PAYLOAD);

  // The job ran to Succeeded on the node: the scheduler says so, and its pod printed the payload.
  expect(step('ended')).toMatchObject({ status: 200, body: { name, status: 'Succeeded', ended: expect.stringMatching(/Z$/) } });
  const [jobPod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${name}` })).items;
  expect(jobPod?.spec?.nodeName).toBe(node.nodeName);
  expect(jobPod?.status?.containerStatuses?.[0]?.imageID).toMatch(new RegExp(`^${registry.host.replace(/\./g, '\\.')}/kubejobs/job@sha256:[0-9a-f]{64}$`));
  expect(await kubectl('logs', '-n', ns, jobPod!.metadata!.name!)).toBe(`${PAYLOAD}\njob ${name} done\n`);
}, 600_000);

/** Retries `read` until it succeeds (the object appears), for up to 60 s. */
async function waitForOutput(read: () => Promise<string>): Promise<string> {
  return waitFor('the object', () => read().catch(() => undefined), { timeoutMs: 60_000, intervalMs: 500 });
}

function failWith(message: string): never {
  throw new Error(message);
}
