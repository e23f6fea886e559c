import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreV1Api, KubernetesObject, V1Node } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { KWOK_NODE_ANNOTATION, kwokConfigDocuments } from './kwok-stages';
import { BuiltComponent, component } from './tier-binaries';
import { TierProcesses } from './tier-processes';
import { readManifests } from './upstream-manifests';
import { makeWebhookCerts } from './webhook-certs';
import { waitUntilAllowed } from '../access-review';
import { ControlPlane } from '../control-plane';
import { freePorts } from '../free-port';
import { applyManifests, waitFor } from '../kube-helpers';
import { serviceAccountUser } from '../kube-requests';
import { writeKubeconfig } from '../kubeconfig-file';
import { get, waitUntil } from '../readiness';
import { requestServiceAccountToken } from '../service-account-token';

/** A fake node KWOK runs pods on. */
export interface FakeNode {
  readonly name: string;
  /** `nvidia.com/gpu` capacity (default 0: no GPU label, taint or capacity). */
  readonly gpus?: number;
  /** CPU capacity (default '32'). */
  readonly cpu?: string;
  /** Memory capacity (default '256Gi'). */
  readonly memory?: string;
  /** Pod capacity (default 110). */
  readonly pods?: number;
  /** More node labels. */
  readonly labels?: Record<string, string>;
  /**
   * Taints. Default: `nvidia.com/gpu=present:NoSchedule` on GPU nodes (as GPU node pools do,
   * and what a Kueue ResourceFlavor's tolerations answer), none otherwise.
   */
  readonly taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

/** The GPU product label of fake GPU nodes (what Kueue ResourceFlavors select on). */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** Its value on fake GPU nodes. */
export const FAKE_GPU_PRODUCT = 'NVIDIA-A100-SXM4-80GB';

/** kube-scheduler and KWOK running against a control plane. */
export interface SchedulingTier {
  /** Creates fake nodes and resolves once each is Ready and without the not-ready taint. */
  addNodes(nodes: readonly FakeNode[]): Promise<V1Node[]>;
  /** Stops KWOK and kube-scheduler by PID. */
  stop(): Promise<void>;
  /** The last lines of their logs. */
  dumpLogs(lines?: number): string;
  /**
   * Gives pod `namespace/pod` (every incarnation of that name, every container) a log of `lines`:
   * KWOK serves it to the API server's `pods/log` as a kubelet would (a KWOK `Logs` object
   * pointing at a CRI-format file). Called again, it replaces the whole log.
   */
  setPodLog(namespace: string, pod: string, lines: readonly string[]): Promise<void>;
}

/** The kube-controller-manager controllers this tier needs on top of the default ones. */
export const SCHEDULING_CONTROLLERS = ['nodelifecycle'] as const;

/**
 * Starts kube-scheduler (as ServiceAccount kube-system/kube-scheduler, bound to the built-in
 * `system:kube-scheduler` and `system:volume-scheduler` roles, as the bootstrap user
 * `system:kube-scheduler` is) and KWOK (admin: it stands in for kubelets) on 127.0.0.1, then the
 * nodes in `nodes`. The plane must run the `nodelifecycle` controller: it removes the not-ready
 * taint the API server gives a new node.
 */
export async function startSchedulingTier(
  plane: ControlPlane, built: ReadonlyMap<string, BuiltComponent>, nodes: readonly FakeNode[], timeoutMs = 60_000,
): Promise<SchedulingTier> {
  const deadline = Date.now() + timeoutMs;
  const stateDir = fs.mkdtempSync(path.join(plane.workDir, 'scheduling-'));
  const procs = new TierProcesses(plane.logsDir, stateDir);
  const stop = () => procs.stop();
  try {
    const [schedulerPort, kwokPort] = await freePorts(2);
    const kc = plane.kubeConfig;

    const schedulerKubeconfig = await kubeSchedulerKubeconfig(plane, stateDir);
    const scheduler = procs.launch('kube-scheduler', component(built, 'kube-scheduler').binary, [
      `--kubeconfig=${schedulerKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      '--profiling=false',
      '--v=1',
    ]);
    await waitUntil('kube-scheduler /healthz', deadline, [scheduler], async () =>
      (await get(`https://127.0.0.1:${schedulerPort}/healthz`, { rejectUnauthorized: false })).status === 200);

    const kwokManifests = component(built, 'kwok').manifestsDir;
    const kwokConfig = path.join(stateDir, 'kwok.yaml');
    fs.writeFileSync(kwokConfig, kwokConfigDocuments(kwokManifests).map((d) => stringify(d)).join('---\n'));
    // KWOK serves pod logs as a kubelet does: the API server proxies `pods/log` to the node's
    // InternalIP (127.0.0.1, see the plane's --kubelet-preferred-address-types) at its kubelet
    // port, over TLS it does not verify (no --kubelet-certificate-authority).
    await applyManifests(kc, readManifests(path.join(kwokManifests, 'crd', 'bases', 'kwok.x-k8s.io_logs.yaml')));
    const tls = await makeWebhookCerts(path.join(stateDir, 'kwok-tls'), 'kwok-ca', 'localhost');
    const kwok = procs.launch('kwok', component(built, 'kwok').binary, [
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--config=${kwokConfig}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      `--tls-cert-file=${path.join(tls.dir, 'tls.crt')}`,
      `--tls-private-key-file=${path.join(tls.dir, 'tls.key')}`,
      '--node-ip=127.0.0.1',
      `--node-port=${kwokPort}`,
    ]);
    await waitUntil('kwok /healthz', deadline, [kwok], async () =>
      (await get(`https://127.0.0.1:${kwokPort}/healthz`, { rejectUnauthorized: false })).status === 200);
    const podLogsDir = path.join(stateDir, 'pod-logs');
    fs.mkdirSync(podLogsDir);
    const setPodLog = async (namespace: string, pod: string, lines: readonly string[]): Promise<void> => {
      const file = path.join(podLogsDir, `${namespace}_${pod}.log`);
      // Written aside and renamed in: a reader never sees half a log.
      fs.writeFileSync(`${file}.new`, criLog(lines));
      fs.renameSync(`${file}.new`, file);
      await applyManifests(kc, [{
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Logs',
        metadata: { name: pod, namespace },
        spec: { logs: [{ logsFile: file, follow: true }] },
      } as KubernetesObject]);
    };

    const core = kc.makeApiClient(CoreV1Api);
    const addNodes = async (fakes: readonly FakeNode[]): Promise<V1Node[]> => {
      await Promise.all(fakes.map((n) => core.createNode({ body: nodeObject(n) })));
      return Promise.all(fakes.map((n) => waitFor(`node ${n.name} Ready and untainted (KWOK, then nodelifecycle)`, async () => {
        if (procs.all.some((p) => p.exit !== undefined)) throw new Error(`a tier process exited:\n${procs.dumpLogs(20)}`);
        const node = await core.readNode({ name: n.name });
        const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const notReadyTaint = node.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'));
        return ready && !notReadyTaint ? node : undefined;
      }, { timeoutMs: Math.max(30_000, deadline - Date.now()), intervalMs: 200 })));
    };
    await addNodes(nodes);
    return { addNodes, stop, dumpLogs: (lines) => procs.dumpLogs(lines), setPodLog };
  } catch (err) {
    const logs = procs.dumpLogs(40);
    await stop();
    throw new Error(`the scheduling tier failed to start: ${(err as Error).message}\n${logs}`);
  }
}

/** Lines in the CRI log format a kubelet reads: `<RFC 3339 time> stdout F <line>`. */
function criLog(lines: readonly string[]): string {
  const at = new Date().toISOString();
  return lines.map((l) => `${at} stdout F ${l}\n`).join('');
}

/** The Node object of a fake node: capacity = allocatable, managed by KWOK through its annotation. */
export function nodeObject(n: FakeNode): V1Node {
  const gpus = n.gpus ?? 0;
  const capacity: Record<string, string> = {
    cpu: n.cpu ?? '32',
    memory: n.memory ?? '256Gi',
    pods: String(n.pods ?? 110),
    ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}),
  };
  const taints = n.taints ?? (gpus > 0 ? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const }] : []);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'type': 'kwok',
        ...(gpus > 0 ? { [GPU_PRODUCT_LABEL]: FAKE_GPU_PRODUCT } : {}),
        ...n.labels,
      },
    },
    spec: { taints },
    // Nodes keep the status they are created with: KWOK's node-initialize then adds conditions.
    status: { capacity, allocatable: capacity },
  };
}

/** A token kubeconfig for ServiceAccount kube-system/kube-scheduler with the scheduler's built-in roles. */
async function kubeSchedulerKubeconfig(plane: ControlPlane, stateDir: string): Promise<string> {
  const kc = plane.kubeConfig;
  const subject = { kind: 'ServiceAccount', name: 'kube-scheduler', namespace: 'kube-system' };
  const binding = (name: string, role: string): KubernetesObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `kubejobs-test:${name}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject],
  } as KubernetesObject);
  await applyManifests(kc, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kube-scheduler', namespace: 'kube-system' } },
    binding('kube-scheduler', 'system:kube-scheduler'),
    binding('volume-scheduler', 'system:volume-scheduler'),
  ]);
  await waitUntilAllowed(kc, serviceAccountUser('kube-system', 'kube-scheduler'), [
    { verb: 'create', group: '', resource: 'pods', subresource: 'binding', namespace: 'default' },
    { verb: 'list', group: 'storage.k8s.io', resource: 'storageclasses' },
  ]);
  const token = await requestServiceAccountToken(kc, 'kube-system', 'kube-scheduler');
  return writeKubeconfig(path.join(stateDir, 'kube-scheduler.kubeconfig'), {
    server: plane.server, user: 'kube-scheduler', caData: plane.caData, credentials: { token },
  });
}
