/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import * as cdk8s from 'cdk8s';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as ts from 'typescript';
import { parseAllDocuments, stringify } from 'yaml';
import { expectHostPutBackAfterAll } from './node-host-check';
import { NodeHostRecord, readSysctls } from './node-host-state';
import { kubectlFor } from './node-kubectl';
import { useNodeTier } from './use-tier';
import type { GenericJob as GenericJobObject } from '../../../imports/batch.tensorstack.dev';
import * as kubejobs from '../../../src';
import { GenericJob, KubejobsController, ReplicaSpecProps, T9kVariable } from '../../../src';
import { PACKAGE_VERSION } from '../../../src/package-version';
import { condition, TestApi } from '../../controller/helpers';
import { productionBundle } from '../../controller/production-bundle';
import { useController } from '../../controller/use-controller';
import { quickstartSection, terminalSection } from '../../quickstart-project';
import { ensureBinaries } from '../control-plane';
import { fileTempDir } from '../file-temp-dirs';
import { freshNamespace } from '../kube-helpers';
import { get } from '../readiness';

// The `node` tier: a real kubelet with containerd and runc. GenericJobs made by the construct run
// real containers (the image kubejobs' own image is built on: Debian + Node 20, which runs as
// root), reconciled by `kubejobs controller`; their output is read back with `kubectl logs`.

const cluster = useNodeTier();
// The controller as a child process reconciles only JOBS; the in-cluster one (last test) only its own namespace.
const JOBS = 'node-jobs';
beforeAll(async () => {
  await cluster().plane.kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name: JOBS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  });
});
const running = useController(() => cluster().plane, { namespace: JOBS });
let api: TestApi;
let hostBefore: NodeHostRecord;
beforeAll(() => {
  ({ api } = running());
  hostBefore = cluster().node.hostBefore;
  // jest runs afterAll hooks in declaration order: the tier's stop comes before useController's,
  // so the controller is stopped by the tier first, and cannot recreate pods while they go.
  cluster().node.stopFirst(() => running().controller.stop());
});
// Declared after useNodeTier: runs once the tier has stopped.
expectHostPutBackAfterAll(cluster);

const exec = promisify(execFile);

/** `kubectl <args>` against the plane. */
const kubectl = kubectlFor(() => cluster().plane);

/** A GenericJob the construct synthesises: two workers that print who they are, from the base image. */
function workersJob(name: string, replica: Partial<ReplicaSpecProps> = {}): GenericJobObject {
  const chart = new Chart(Testing.app(), 'test');
  new GenericJob(chart, 'job', {
    metadata: { name },
    replicaSpecs: [{
      type: 'worker',
      replicas: 2,
      containers: [{
        name: 'main',
        image: cluster().node.build.baseImage,
        command: ['sh', '-c', `echo "worker ${T9kVariable.rank} of ${T9kVariable.replicas('worker')}"; id -u; node -e 'console.log(process.version)'`],
        // Small: the node has 2 CPUs, shared with the control plane.
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(256) },
        },
      }],
      ...replica,
    }],
  });
  return Testing.synth(chart)[0] as GenericJobObject;
}

test('a GenericJob runs real containers to Succeeded, as UID 1000; `kubectl logs` shows what each printed', async () => {
  const ns = JOBS;
  await api.create(ns, workersJob('hello', { securityContext: { user: 1000 } }));
  const done = await api.waitForJob(ns, 'hello', 'phase Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 180_000 });
  expect(condition(done, 'Completed')?.status).toBe('True');
  const pods = await api.pods(ns, 'hello');
  expect(pods.map((p) => p.spec.nodeName)).toEqual([cluster().node.nodeName, cluster().node.nodeName]);
  // Kubernetes' pull rule: a tagged image is IfNotPresent, so the imported image is used and no registry is asked.
  expect(pods.map((p) => (p.spec.containers[0] as { imagePullPolicy?: string }).imagePullPolicy)).toEqual(['IfNotPresent', 'IfNotPresent']);
  for (const rank of [0, 1]) {
    const logs = await kubectl('logs', '-n', ns, `hello-worker-${rank}`);
    expect(logs.trim().split('\n')).toEqual([`worker ${rank} of 2`, '1000', process.version]);
  }
});

test('an image that runs as root under the default runAsNonRoot: the kubelet\'s reason and message reach the job\'s status and an Event', async () => {
  const ns = JOBS;
  await api.create(ns, workersJob('root'));
  const stuck = await api.waitForJob(ns, 'root', 'ReplicaFailure=True', (j) => condition(j, 'ReplicaFailure')?.status === 'True', { timeoutMs: 120_000 });
  const replicaFailure = condition(stuck, 'ReplicaFailure');
  expect(replicaFailure?.reason).toBe('CreateContainerConfigError');
  expect(replicaFailure?.message).toMatch(
    /^root-worker-[01] container 'main' cannot start \(CreateContainerConfigError\): container has runAsNonRoot and image will run as root \(pod: "root-worker-[01]_[^"]+", container: main\)/,
  );
  expect(stuck.status?.phase).not.toBe('Succeeded');
  // Events are sent after the status is written: waited for, not read at once.
  await api.waitForEvent(ns, 'root', 'CreateContainerConfigError', { timeoutMs: 60_000 });
});

test('the KubejobsController chart with the image built here: Deployment Ready, one leader, a GenericJob reconciled in-cluster with its ServiceAccount token', async () => {
  const { plane, node } = cluster();
  const watched = await freshNamespace(plane.kubeConfig, { 'pod-security.kubernetes.io/enforce': 'restricted' }, { prefix: 'node-chart-' });
  const chart = new Chart(Testing.app(), 'kubejobs');
  new KubejobsController(chart, 'controller', { image: node.build.kubejobsImage, replicas: 1, watchNamespace: watched });
  const file = path.join(fileTempDir('kj-chart-'), 'kubejobs.yaml');
  fs.writeFileSync(file, Testing.synth(chart).map((o) => stringify(o)).join('---\n'));
  // The CRDs are already there (applied by the harness under another field manager).
  await kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
  await kubectl('rollout', 'status', '-n', 'kubejobs-system', 'deployment/kubejobs-controller', '--timeout=180s');
  const [pod] = (await plane.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'kubejobs-system' })).items;
  expect(pod?.status?.phase).toBe('Running');
  expect(pod?.spec?.nodeName).toBe(node.nodeName);
  expect(pod?.spec?.containers[0]?.image).toBe(node.build.kubejobsImage);
  const lease = JSON.parse(await kubectl('get', 'lease', '-n', 'kubejobs-system', 'kubejobs-controller', '-o', 'json'));
  expect(lease.spec.holderIdentity).toMatch(new RegExp(`^${pod!.metadata!.name}_[0-9a-f]{8}$`));

  await api.create(watched, workersJob('in-cluster', { securityContext: { user: 1000 } }));
  const done = await api.waitForJob(watched, 'in-cluster', 'phase Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 180_000 });
  expect(condition(done, 'Completed')?.status).toBe('True');
  // Its own credentials: the in-cluster ServiceAccount token, talking to https://10.0.0.1:443.
  const logs = await kubectl('logs', '-n', 'kubejobs-system', pod!.metadata!.name!);
  expect(logs).toContain('https://10.0.0.1:443');
  expect(logs).toContain('became leader');
  expect(await kubectl('logs', '-n', watched, 'in-cluster-worker-1')).toBe(`worker 1 of 2\n1000\n${process.version}\n`);
});

/** `docker.io/library/` before a name without a registry: the reference the kubelet looks up. */
const fullReference = (image: string) => (/^[^/]+[.:][^/]*\//.test(image) || image.startsWith('localhost/') ? image
  : `docker.io/${image.includes('/') ? '' : 'library/'}${image}`);

test('the README quickstart as written: its one command installs the controller, the job runs real containers to Succeeded, `kubectl logs` shows the output', async () => {
  // The quickstart's controller watches every namespace: the one run by this file stops, so each job has one controller.
  await running().controller.stop();
  const section = quickstartSection();
  const mainTs = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const runLines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].pop()![1]!
    .split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l);
  expect(runLines[0]).toBe('npx cdk8s synth');
  // `npx cdk8s synth` runs main.ts: here the same text, transpiled, with 'kubejobs' resolved to this checkout's source.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kj-quickstart-'));
  try {
    await runQuickstart(work, mainTs, runLines);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 420_000);

/** The README quickstart's main.ts and commands, run in `work` against the node tier. */
async function runQuickstart(work: string, mainTs: string, runLines: string[]): Promise<void> {
  const { plane, node } = cluster();
  const { outputText } = ts.transpileModule(mainTs, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const modules: Record<string, unknown> = { 'kubejobs': kubejobs, 'cdk8s': cdk8s, 'cdk8s-plus-28': kplus };
  const moduleRequire = (id: string): unknown => modules[id] ?? failWith(`the quickstart imports '${id}': add it to the modules above`);
  process.env.CDK8S_OUTDIR = path.join(work, 'dist');
  try {
    new Function('exports', 'require', outputText)({}, moduleRequire);
  } finally {
    delete process.env.CDK8S_OUTDIR;
  }
  expect(fs.readdirSync(path.join(work, 'dist')).sort()).toEqual(['0000-kubejobs.k8s.yaml', '0001-training.k8s.yaml']);

  // No registry: the images the manifests name are images built here, under those names in the node's containerd.
  // The controller's is the image the Dockerfile builds (ghcr.io/kubejobs/kubejobs:<version> is its published name).
  // python:3.12-slim stands for Debian's python3 (3.11) on the same base: the job needs `python`, not that release.
  const objects = fs.readdirSync(path.join(work, 'dist')).flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(work, 'dist', f), 'utf-8')).map((d) => d.toJS()));
  const controllerImage = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kubejobs-controller').spec.template.spec.containers[0].image;
  const jobImage = objects.find((o) => o.kind === 'GenericJob').spec.replicaSpecs[0].template.spec.containers[0].image;
  expect([controllerImage, jobImage]).toEqual([`ghcr.io/kubejobs/kubejobs:${PACKAGE_VERSION}`, 'python:3.12-slim']);
  await node.tagImage(node.build.kubejobsImage, fullReference(controllerImage));
  await node.tagImage(node.build.pythonImage, fullReference(jobImage));

  // The README's commands, as written, with kubectl (built with the API server) on PATH.
  const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, PATH: `${await ensureBinaries()}:${process.env.PATH}` };
  const sh = (line: string) => exec('bash', ['-c', line], { cwd: work, env, encoding: 'utf-8', timeout: 300_000 });
  const [install, wait] = runLines.slice(1);
  expect((await sh(install!)).stdout).toContain('genericjob.batch.tensorstack.dev/train created');
  expect(wait).toBe('kubectl wait --for=condition=Completed gj/train -n ml --timeout=1h');
  expect((await sh(wait!)).stdout).toBe('genericjob.batch.tensorstack.dev/train condition met\n');

  const [worker0] = (await api.pods('ml', 'train')).filter((p) => p.metadata?.name === 'train-worker-0');
  expect(worker0?.spec.nodeName).toBe(node.nodeName);
  expect(worker0?.spec.containers[0]?.image).toBe('python:3.12-slim');
  expect(await kubectl('logs', '-n', 'ml', 'train-worker-0')).toBe('worker 0 of 4\n');
  // Reconciled by the quickstart's own controller: the Deployment's pod, running the image built here.
  const controllerPods = (await plane.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'kubejobs-system' })).items
    .filter((p) => p.status?.phase === 'Running');
  expect(controllerPods.map((p) => p.spec?.containers[0]?.image)).toEqual([controllerImage]);
}

test('the README\'s terminal commands as written: a GenericJob submitted, listed, shown, waited for, its logs read and deleted', async () => {
  // Reconciled by the README quickstart's controller (the test above), which watches every namespace.
  const { plane, node } = cluster();
  const controllers = (await plane.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'kubejobs-system' })).items
    .filter((p) => p.status?.phase === 'Running');
  if (controllers.length === 0) throw new Error('no kubejobs controller runs in kubejobs-system: this test needs the README quickstart test before it');
  const block = /```sh\n([\s\S]*?)```/.exec(terminalSection())![1]!;
  const lines = block.replace(/\\\n\s*/g, '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const mnist = lines.slice(0, lines.findIndex((l) => l.startsWith('kubejobs delete mnist')) + 1);
  expect(mnist.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(
    ['kubejobs submit', 'kubejobs list', 'kubejobs get', 'kubejobs wait', 'kubejobs logs', 'kubejobs delete']);
  expect(mnist[0]).toContain('--image python:3.12 ');
  await node.tagImage(node.build.pythonImage, fullReference('python:3.12'));

  // `kubejobs` on PATH as `npm install kubejobs` puts it: the production bundle, with the checkout's node_modules as its dependencies.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'kj-terminal-'));
  try {
    fs.writeFileSync(path.join(bin, 'kubejobs'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(productionBundle(), 'lib', 'cli.js')}" "$@"\n`, { mode: 0o755 });
    const env = {
      ...process.env,
      KUBECONFIG: plane.kubeconfigPath,
      PATH: `${bin}:${process.env.PATH}`,
      NODE_PATH: path.join(__dirname, '..', '..', '..', 'node_modules'),
      NODE_OPTIONS: '--no-warnings',
    };
    const out: string[] = [];
    for (const line of mnist) out.push((await exec('bash', ['-c', line], { env, encoding: 'utf-8', timeout: 300_000 })).stdout);
    expect(out[0]).toBe('genericjob.batch.tensorstack.dev/mnist created\n');
    expect(out[1]).toMatch(/^NAME +TYPE +STATUS +REPLICAS +GPUS +AGE\nmnist +genericjob +[A-Z]+ +\d\/3 +0 +\d+s\n$/);
    expect(out[2]).toMatch(/\nPods:\n {2}NAME +STATUS +NODE +AGE\n/);
    expect(out[3]).toBe('genericjob/mnist complete\n');
    // Real containers: the master's own output, read through the pods/log API.
    expect(out[4]).toBe('hello from mnist-master-0\n');
    expect(out[5]).toBe('genericjob/mnist deleted\n');
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
    // A failed run must not leave the job to the next one (its first command would say "unchanged").
    await kubectl('delete', 'genericjob', 'mnist', '-n', 'default', '--ignore-not-found', '--wait=false');
  }
}, 420_000);

test('the kubelet sets its kernel settings while it runs (put back at stop: afterAll), and its API is not anonymous', async () => {
  const { plane, node } = cluster();
  // pkg/kubelet/cm setupKernelTunables: what the afterAll above checks is undone.
  expect(readSysctls()).toEqual({
    'vm/overcommit_memory': '1',
    'vm/panic_on_oom': '0',
    'kernel/panic': '10',
    'kernel/panic_on_oops': '1',
    'kernel/keys/root_maxkeys': '1000000',
    'kernel/keys/root_maxbytes': '25000000',
    // The CNI bridge plugin's (isGateway).
    'net/ipv4/ip_forward': '1',
    // kube-proxy is configured not to route NodePorts on localhost: left as it was.
    'net/ipv4/conf/all/route_localnet': hostBefore.sysctls['net/ipv4/conf/all/route_localnet'],
  });
  // The kubelet serves with a certificate of its own making: not verified here, it is not what is tested.
  const anonymous = await get(`${node.kubeletUrl}/pods`, { rejectUnauthorized: false });
  expect(anonymous).toEqual({ status: 401, body: 'Unauthorized' });
  const user = plane.kubeConfig.getCurrentUser()!;
  const admin = await get(`${node.kubeletUrl}/pods`, {
    rejectUnauthorized: false, cert: Buffer.from(user.certData!, 'base64'), key: Buffer.from(user.keyData!, 'base64'),
  });
  expect(admin.status).toBe(200);
  expect(JSON.parse(admin.body).kind).toBe('PodList');
  // A ServiceAccount's token is authenticated (TokenReview) but not authorised (SubjectAccessReview:
  // no nodes/proxy): 403, not the 401 of no credentials, nor the 200 of an AlwaysAllow kubelet.
  const core = plane.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: JOBS, body: { metadata: { name: 'no-node-access' } } });
  const { status } = await core.createNamespacedServiceAccountToken({ namespace: JOBS, name: 'no-node-access', body: { spec: { audiences: [] } } });
  const denied = await get(`${node.kubeletUrl}/pods`, { rejectUnauthorized: false, headers: { Authorization: `Bearer ${status!.token}` } });
  expect(denied.status).toBe(403);
  expect(denied.body).toContain('system:serviceaccount:node-jobs:no-node-access');
});

function failWith(message: string): never {
  throw new Error(message);
}
