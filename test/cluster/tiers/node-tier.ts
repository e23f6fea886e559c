import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, V1Node } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  ensureStateDir, NODE_LOCK_FILE, NodeHostAfterStop, NodeHostRecord, readHostAfterStop, recordHost, recoverKilledNodeTier, restoreHost,
} from './node-host-state';
import { TierProcesses } from './tier-processes';
import { ControlPlane } from '../control-plane';
import { freePorts } from '../free-port';
import { waitFor } from '../kube-helpers';
import { get, waitUntil } from '../readiness';

const run = promisify(execFile);

/** What build-node.sh built or found: the kubelet, kube-proxy, and the images to import (no registry pulls). */
export interface NodeBuild {
  readonly kubelet: string;
  /** kube-proxy, built from the kubelet's module set. */
  readonly kubeProxy: string;
  /** crane (go-containerregistry): `crane registry serve` is a registry on 127.0.0.1 (local-registry.ts). */
  readonly crane: string;
  /** The sandbox image, built from the Kubernetes module's pause.c. */
  readonly pauseImage: string;
  /** Debian bookworm + Node 20, running as root: what the kubejobs image is built on. */
  readonly baseImage: string;
  /** The kubejobs image, built from ./Dockerfile. */
  readonly kubejobsImage: string;
  /** Debian's python3 (and `python`) on the base image, running as root: for jobs written for a Python image. */
  readonly pythonImage: string;
  /**
   * A stand-in ArenaJob worker (arena-worker.js, ours, not Omnia's arena-worker) on the base image,
   * as UID/GID 65532: reads its work item and the file:// bundle, prints them, exits 0 (1 for a
   * scenario whose name contains `fail`).
   */
  readonly arenaWorkerImage: string;
  /** docker-archives of the images. */
  readonly archives: readonly string[];
}

/** Time allowed for build-node.sh: a cold kubelet build (about 3.5 min on 2 idle cores) plus apt and the images. */
export const NODE_BUILD_TIMEOUT_MS = 45 * 60_000;

/** Builds (or reuses) what the node tier needs; installs Debian packages when missing. */
export async function ensureNodeBuild(signal?: AbortSignal): Promise<NodeBuild> {
  const { stdout } = await run('bash', [path.join(__dirname, 'build-node.sh')], {
    encoding: 'utf-8', timeout: NODE_BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, signal,
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`build-node.sh failed: ${err.message}\n${err.stderr ?? ''}`);
  });
  const lines = stdout.trim().split('\n').map((l) => l.split('\t') as [string, string]);
  const value = (key: string) => lines.find(([k]) => k === key)?.[1] ?? failWith(`build-node.sh printed no ${key}:\n${stdout}`);
  return {
    kubelet: value('KUBELET'),
    kubeProxy: value('KUBE_PROXY'),
    crane: value('CRANE'),
    pauseImage: value('PAUSE_IMAGE'),
    baseImage: value('BASE_IMAGE'),
    kubejobsImage: value('KUBEJOBS_IMAGE'),
    pythonImage: value('PYTHON_IMAGE'),
    arenaWorkerImage: value('ARENA_WORKER_IMAGE'),
    archives: lines.filter(([k]) => k === 'ARCHIVE').map(([, v]) => v),
  };
}

/** A real kubelet with containerd and runc, registered with the control plane, and kube-proxy routing Services. */
export interface NodeTier {
  /** The Node's name (this machine's hostname, which resolves to 127.0.0.1 for the API server). */
  readonly nodeName: string;
  readonly build: NodeBuild;
  /** The kubelet's API, on 127.0.0.1 only (x509 clients and ServiceAccount tokens, authorised by the API server). */
  readonly kubeletUrl: string;
  /** kube-proxy's `/healthz`, on 127.0.0.1 only. */
  readonly kubeProxyHealthzUrl: string;
  /** The host as the tier found it (kernel settings, iptables, ...), put back by stop(). */
  readonly hostBefore: NodeHostRecord;
  /**
   * The host as stop() left it, read before the node tier lock was released (so no other node
   * tier has changed it yet); undefined until stop() has run.
   */
  hostAfterStop(): NodeHostAfterStop | undefined;
  /**
   * Registers a stop of something that makes pods (e.g. a controller run as a child process), run
   * by stop() before any pod is deleted, so nothing is recreated while the node is torn down.
   */
  stopFirst(stopper: () => Promise<unknown>): void;
  /**
   * Gives an imported image another name in the node's containerd (`ctr images tag`), e.g. the
   * name a manifest uses for an image built here, so the kubelet finds it and pulls nothing.
   * `target` is a full reference (`docker.io/library/python:3.12-slim`), as the kubelet looks it up.
   */
  tagImage(source: string, target: string): Promise<void>;
  /**
   * Stops what was registered with stopFirst(), deletes the workloads and every pod (controllers'
   * pods first; the kubelet tears the sandboxes down), stops kube-proxy, kubelet and containerd by
   * PID, and puts the host back as it was found (kube-proxy's iptables and ip6tables chains included).
   */
  stop(): Promise<void>;
  /** The last lines of the kubelet's, kube-proxy's and containerd's logs. */
  dumpLogs(lines?: number): string;
}

/**
 * kube-controller-manager controllers a real node needs next to the job tests' defaults:
 * `endpointslice` gives Services the EndpointSlices kube-proxy routes by.
 */
export const NODE_CONTROLLERS = ['nodelifecycle', 'root-ca-cert-publisher', 'deployment', 'replicaset', 'endpointslice'] as const;

/** The CNI bridge and pod network of the node (one node tier per machine at a time). */
const BRIDGE = 'kjbr0';
const CNI_NETWORK = 'kubejobs';
/** The node tier lock of earlier versions of this harness. */
const LEGACY_NODE_LOCK_FILE = path.join(os.tmpdir(), 'kubejobs-node-tier.lock');
/** How long a node tier waits for another on the same machine to finish. */
const NODE_LOCK_WAIT_MS = 20 * 60_000;
/** The `kubernetes` Service's ClusterIP: the first address of the plane's `--service-cluster-ip-range`. */
const KUBERNETES_SERVICE_IP = '10.0.0.1';
const POD_SUBNET = '10.244.0.0/24';
/** The bridge's address in {@link POD_SUBNET} (the CNI bridge plugin's gateway: the subnet's first address). */
const BRIDGE_ADDRESS = '10.244.0.1';


/**
 * Starts containerd (runc, overlayfs, a CNI bridge), a kubelet (cgroupfs, 127.0.0.1 only)
 * registered with `plane`, after importing the built images, and kube-proxy (iptables mode). Everything lives under a temporary
 * directory of the plane; what the stack writes elsewhere is removed by stop(). The plane must
 * run {@link NODE_CONTROLLERS} and a scheduler must bind pods.
 */
export async function startNodeTier(plane: ControlPlane, build: NodeBuild, timeoutMs = 180_000): Promise<NodeTier> {
  let deadline = Date.now() + timeoutMs;
  // Under /tmp, not the plane's workDir: unix socket paths must stay short.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kj-node-'));
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir);
  const procs = new TierProcesses(plane.logsDir, stateDir);
  // One node tier per machine (the node is named after the host; one bridge; the kernel settings
  // and iptables are the host's): a second waits. The lock is held by this one process (bash
  // execs into sleep with the locked descriptor), released by stopping it, after the host is
  // put back. Its own watchdog kills it if this jest worker dies. Its files live outside `dir`,
  // whose processes are killed when the host is put back.
  ensureStateDir();
  const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kj-node-lock-'));
  const lockProcs = new TierProcesses(plane.logsDir, lockDir);
  const releaseLock = async () => {
    await lockProcs.stop();
    fs.rmSync(lockDir, { recursive: true, force: true });
  };
  // Also the lock earlier versions of this harness took (in $TMPDIR), always first: a checkout of
  // one of them on the same machine waits too, instead of sharing the bridge and the host's rules.
  const lock = lockProcs.launch('node-lock', 'bash', ['-c',
    `exec 8>>${LEGACY_NODE_LOCK_FILE}; flock 8; exec 9>>${NODE_LOCK_FILE}; flock 9; echo acquired; exec sleep infinity`]);
  await waitUntil(`the node tier lock ${NODE_LOCK_FILE} (another node tier runs on this machine)`, Date.now() + NODE_LOCK_WAIT_MS, [lock], async () =>
    fs.readFileSync(lock.logFile, 'utf-8').includes('\nacquired')).catch(async (err: Error) => {
    await Promise.all([releaseLock(), procs.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  deadline = Date.now() + timeoutMs;
  let host: NodeHostRecord;
  try {
    // A node tier whose jest was SIGKILLed left its shims, mounts, rules, cgroups and kernel settings.
    if (await recoverKilledNodeTier(BRIDGE, CNI_NETWORK)) debugNode('cleaned up after a node tier that was killed');
    host = recordHost(dir);
  } catch (err) {
    await Promise.all([releaseLock(), procs.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const nodeName = os.hostname().toLowerCase();
  const sock = path.join(dir, 'containerd', 'containerd.sock');
  const ctr = (...args: string[]) => run('ctr', ['--address', sock, '--namespace', 'k8s.io', ...args], { encoding: 'utf-8', timeout: 120_000 });
  const core = plane.kubeConfig.makeApiClient(CoreV1Api);
  const stopFirst: Array<() => Promise<unknown>> = [];
  let hostAfter: NodeHostAfterStop | undefined;

  const stop = async (): Promise<void> => {
    // What would make pods while they are deleted goes first: controllers outside the cluster...
    for (const stopper of stopFirst.splice(0).reverse()) await stopper().catch(() => undefined);
    // The kubelet stops the pods' containers and calls CNI DEL (iptables rules, IPs) when pods go.
    const kubelet = procs.all.find((p) => p.name === 'kubelet');
    if (kubelet && kubelet.exit === undefined) {
      // ...then the ones in it (Deployments' pods, gone for good before the others are deleted).
      await deletePods(plane.kubeConfig).catch(() => undefined);
      await waitFor('every container stopped by the kubelet', async () =>
        ((await ctr('tasks', 'ls', '-q').catch(() => ({ stdout: '' }))).stdout.trim() === '' ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
    }
    // Whatever is left (a failed start, a stuck pod): killed through containerd, so no shim outlives the test.
    const left = (await ctr('tasks', 'ls', '-q').catch(() => ({ stdout: '' }))).stdout.trim().split('\n').filter(Boolean);
    for (const id of left) {
      await ctr('tasks', 'kill', '--signal', 'SIGKILL', id).catch(() => undefined);
      await waitFor(`task ${id} gone`, async () => ((await ctr('tasks', 'delete', id).then(() => true, () => false)) ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 300 }).catch(() => undefined);
    }
    try {
      await procs.stop();
      await restoreHost(host, BRIDGE, CNI_NETWORK);
    } finally {
      try {
        // Read before the lock is free: the next node tier may change the host as soon as it is.
        hostAfter = readHostAfterStop(host, BRIDGE);
      } finally {
        await releaseLock();
      }
    }
  };

  try {
    // --- containerd -----------------------------------------------------------------------
    fs.mkdirSync(path.join(dir, 'cni', 'net.d'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'cni', 'net.d', '10-kubejobs.conflist'), JSON.stringify({
      cniVersion: '0.4.0',
      name: CNI_NETWORK,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(dir, 'cni', 'ipam') },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }, null, 2));
    const runc = execFileSync('bash', ['-c', 'type -P runc'], { encoding: 'utf-8' }).trim();
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    fs.writeFileSync(path.join(dir, 'containerd.toml'), [
      'version = 2',
      `root = "${dir}/containerd/root"`,
      `state = "${dir}/containerd/state"`,
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/containerd/opt"`,
      `[${cri}]`,
      `  sandbox_image = "${build.pauseImage}"`,
      // No CAP_SYS_RESOURCE here: the runtime cannot lower a container's oom_score_adj below
      // containerd's own (CRI asks -998 for the sandbox), so clamp it.
      '  restrict_oom_score_adj = true',
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      // Pods' network namespaces are mounted under containerd's state (in `dir`), not /var/run/netns.
      '  netns_mounts_under_state_dir = true',
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      `[${cri}.containerd.runtimes.runc]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.runc.options]`,
      '  SystemdCgroup = false',
      `  BinaryName = "${runc}"`,
      `[${cri}.cni]`,
      '  bin_dir = "/usr/lib/cni"',
      `  conf_dir = "${dir}/cni/net.d"`,
      '',
    ].join('\n'));
    routePodsToApiServer(plane);
    const containerd = procs.launch('containerd', 'containerd', ['--config', path.join(dir, 'containerd.toml'), '--log-level', 'warn']);
    await waitUntil('containerd socket', deadline, [containerd], () => ctr('version').then(() => true, () => false));
    for (const archive of build.archives) await ctr('images', 'import', archive);

    // --- kubelet ---------------------------------------------------------------------------
    const [kubeletPort, healthzPort] = await freePorts(2);
    const kubeletConfig = path.join(dir, 'kubelet.yaml');
    const caFile = path.join(dir, 'ca.crt');
    fs.writeFileSync(caFile, plane.caData);
    fs.writeFileSync(kubeletConfig, stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: '127.0.0.1',
      port: kubeletPort,
      healthzBindAddress: '127.0.0.1',
      healthzPort,
      readOnlyPort: 0,
      // Not anonymous, even on 127.0.0.1: the API server (`kubectl logs`, `exec`) presents its
      // kubelet client certificate; a bearer token is checked with a TokenReview; every request
      // is authorised with a SubjectAccessReview, as a real cluster's kubelet does.
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'cgroupfs',
      containerRuntimeEndpoint: `unix://${sock}`,
      failSwapOn: false,
      failCgroupV1: false,
      podLogsDir: path.join(dir, 'pod-logs'),
      volumePluginDir: path.join(dir, 'volume-plugins'),
      resolvConf: '/etc/resolv.conf',
      serializeImagePulls: false,
      // No disk-pressure evictions on a shared test machine.
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    }));
    const kubelet = procs.launch('kubelet', build.kubelet, [
      `--config=${kubeletConfig}`,
      // admin, as KWOK in the scheduling tier: it stands in for a node's credentials.
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--root-dir=${path.join(dir, 'kubelet')}`,
      `--cert-dir=${path.join(dir, 'kubelet', 'pki')}`,
      '--v=1',
    ]);
    await waitUntil('kubelet /healthz', deadline, [containerd, kubelet], async () =>
      (await get(`http://127.0.0.1:${healthzPort}/healthz`, {})).status === 200);
    await waitFor(`node ${nodeName} Ready and untainted (kubelet, then nodelifecycle)`, async () => {
      if (procs.all.some((p) => p.exit !== undefined)) throw new Error(`a node process exited:\n${procs.dumpLogs(30)}`);
      const node = await core.readNode({ name: nodeName }).catch(() => undefined);
      const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready && !node?.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/')) ? node : undefined;
    }, { timeoutMs: Math.max(30_000, deadline - Date.now()), intervalMs: 200 });
    routeApiServerToKubelet(await core.readNode({ name: nodeName }), kubeletPort);

    // --- kube-proxy ------------------------------------------------------------------------
    const kubeProxyHealthzUrl = await startKubeProxy(procs, plane, build, nodeName, dir, deadline);
    return {
      nodeName,
      build,
      kubeletUrl: `https://127.0.0.1:${kubeletPort}`,
      kubeProxyHealthzUrl,
      hostBefore: host,
      hostAfterStop: () => hostAfter,
      stopFirst: (stopper) => stopFirst.push(stopper),
      tagImage: async (source, target) => {
        await ctr('images', 'tag', '--force', source, target);
      },
      stop,
      dumpLogs: (lines) => procs.dumpLogs(lines),
    };
  } catch (err) {
    const logs = procs.dumpLogs(60);
    await stop();
    throw new Error(`the node tier failed to start: ${(err as Error).message}\n${logs}`);
  }
}

/**
 * Starts kube-proxy in iptables mode, so a Service's ClusterIP reaches its pods (from pods and
 * from this machine), and waits until it has programmed the Services once. It changes no kernel
 * setting: no conntrack table size or timeouts (0 = leave as is), no `route_localnet` (no NodePorts
 * on localhost), and its own oom_score_adj is left alone (no CAP_SYS_RESOURCE here). NodePorts, if a
 * test made any, open only on the bridge's address, never on this machine's network. Its chains,
 * in iptables and ip6tables (it programs both families), go with the other new rules at stop.
 * Returns its `/healthz` URL.
 */
async function startKubeProxy(
  procs: TierProcesses, plane: ControlPlane, build: NodeBuild, nodeName: string, dir: string, deadline: number,
): Promise<string> {
  const [healthzPort, metricsPort] = await freePorts(2);
  const config = path.join(dir, 'kube-proxy.yaml');
  fs.writeFileSync(config, stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    // admin, as the kubelet: it stands in for kube-proxy's ServiceAccount.
    clientConnection: { kubeconfig: plane.kubeconfigPath },
    hostnameOverride: nodeName,
    mode: 'iptables',
    clusterCIDR: POD_SUBNET,
    detectLocalMode: 'ClusterCIDR',
    healthzBindAddress: `127.0.0.1:${healthzPort}`,
    metricsBindAddress: `127.0.0.1:${metricsPort}`,
    nodePortAddresses: [`${BRIDGE_ADDRESS}/32`],
    oomScoreAdj: 0,
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s', tcpBeLiberal: false, udpTimeout: '0s', udpStreamTimeout: '0s' },
    iptables: { localhostNodePorts: false, masqueradeAll: false, syncPeriod: '30s', minSyncPeriod: '1s' },
  }));
  const proxy = procs.launch('kube-proxy', build.kubeProxy, [`--config=${config}`, '--v=1']);
  const url = `http://127.0.0.1:${healthzPort}/healthz`;
  // /healthz answers 200 while kube-proxy is still starting: the rules are synced once both
  // families' PREROUTING jumps to KUBE-SERVICES (written by its first full sync).
  await waitUntil('kube-proxy /healthz', deadline, [proxy], async () => (await get(url, {})).status === 200);
  await waitUntil('kube-proxy\'s first sync (PREROUTING -> KUBE-SERVICES in iptables and ip6tables)', Math.max(deadline, Date.now() + 60_000), [proxy],
    async () => ['iptables', 'ip6tables'].every((command) => execFileSync(command, ['-w', '-t', 'nat', '-S', 'PREROUTING'], { encoding: 'utf-8' })
      .includes('-j KUBE-SERVICES')));
  return url;
}

/**
 * Lets pods reach the API server at the `kubernetes` Service address the kubelet gives them
 * (`KUBERNETES_SERVICE_HOST=10.0.0.1`, port 443): the API server listens on 127.0.0.1 only, and
 * runs no kube-proxy, so the bridge (made here, before the CNI plugin reuses it) may route to
 * loopback and a DNAT rule sends 10.0.0.1:443 to it. The serving certificate names 10.0.0.1.
 * The rule goes with the other new iptables rules at stop; the sysctl with the bridge.
 */
function routePodsToApiServer(plane: ControlPlane): void {
  const apiPort = new URL(plane.server).port;
  try {
    execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' }); // left by a node tier that was killed
  } catch {
    // none: the usual case
  }
  execFileSync('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  execFileSync('ip', ['link', 'set', BRIDGE, 'up']);
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${BRIDGE}/route_localnet`, '1');
  execFileSync('iptables', ['-t', 'nat', '-I', 'PREROUTING', '-i', BRIDGE, '-d', `${KUBERNETES_SERVICE_IP}/32`, '-p', 'tcp', '--dport', '443',
    '-j', 'DNAT', '--to-destination', `127.0.0.1:${apiPort}`]);
}

/**
 * The plane's API server reaches a kubelet at the node's InternalIP
 * (`--kubelet-preferred-address-types=InternalIP`, for KWOK), which is this machine's own
 * non-loopback address (the kubelet refuses a loopback node IP). The kubelet listens on 127.0.0.1
 * only: connections this machine makes to InternalIP:port are sent there (removed at stop with the
 * other new iptables rules).
 */
function routeApiServerToKubelet(node: V1Node, kubeletPort: number): void {
  const internalIp = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!internalIp) throw new Error(`node ${node.metadata?.name} has no InternalIP: ${JSON.stringify(node.status?.addresses)}`);
  execFileSync('iptables', ['-t', 'nat', '-I', 'OUTPUT', '-d', `${internalIp}/32`, '-p', 'tcp', '--dport', String(kubeletPort),
    '-j', 'DNAT', '--to-destination', `127.0.0.1:${kubeletPort}`]);
}

/**
 * Deletes every pod: first the workloads that would make new ones and their pods (which may be
 * controllers), then the rest.
 */
async function deletePods(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const namespaces = (await core.listNamespace()).items.map((n) => n.metadata!.name!);
  await Promise.all(namespaces.flatMap((namespace) => [
    apps.deleteCollectionNamespacedDeployment({ namespace }),
    apps.deleteCollectionNamespacedReplicaSet({ namespace }),
    apps.deleteCollectionNamespacedStatefulSet({ namespace }),
    apps.deleteCollectionNamespacedDaemonSet({ namespace }),
    batch.deleteCollectionNamespacedJob({ namespace }),
  ]));
  // Pods of workloads may run controllers (the kubejobs controller chart): stopped gracefully, and
  // gone (the kubelet confirms the deletion once the containers stopped), before the pods they manage go.
  const managed = (await core.listPodForAllNamespaces()).items
    .filter((p) => p.metadata?.ownerReferences?.some((o) => ['ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(o.kind)));
  await Promise.all(managed.map((p) =>
    core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: p.metadata!.namespace! }).catch(() => undefined)));
  const names = new Set(managed.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`));
  await waitFor('the workloads\' pods gone', async () => {
    const pods = (await core.listPodForAllNamespaces()).items;
    return pods.some((p) => names.has(`${p.metadata!.namespace}/${p.metadata!.name}`)) ? undefined : true;
  }, { timeoutMs: 45_000, intervalMs: 300 }).catch(() => undefined);
  await Promise.all(namespaces.map((namespace) => core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 })));
}

/** Start notes, only with $KUBEJOBS_CLUSTER_DEBUG set. */
function debugNode(message: string): void {
  if (process.env.KUBEJOBS_CLUSTER_DEBUG) process.stderr.write(`kubejobs-cluster: node tier: ${message}\n`);
}

function failWith(message: string): never {
  throw new Error(message);
}
