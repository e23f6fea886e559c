import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { freePorts } from './free-port';
import { writeKubeconfig } from './kubeconfig-file';
import { createPki } from './pki';
import { ManagedProcess, startWatchdog } from './processes';
import { get, waitUntil } from './readiness';

/** A running etcd + kube-apiserver + kube-controller-manager on loopback. */
export interface ControlPlane {
  /** Admin kubeconfig (client certificate CN=admin, O=system:masters). */
  readonly kubeconfigPath: string;
  /** The admin kubeconfig, loaded. */
  readonly kubeConfig: KubeConfig;
  /** kube-apiserver URL, https://127.0.0.1:<port>. */
  readonly server: string;
  /** PEM of the CA that signed the apiserver's serving certificate (and every client certificate). */
  readonly caData: Buffer;
  /** A private directory for files that live as long as the plane (kubeconfigs); stop() removes it unless logs are kept. */
  readonly workDir: string;
  /** Directory with etcd.log, kube-apiserver.log and kube-controller-manager.log. */
  readonly logsDir: string;
  /** The OS process id of kube-controller-manager (the benchmark reads its peak RSS). */
  readonly controllerManagerPid: number;
  /** Stops every process (SIGTERM, then SIGKILL) and removes the temporary files. */
  stop(options?: StopOptions): Promise<void>;
  /** The last lines of every component log, for failure messages. */
  dumpLogs(lines?: number): string;
  /**
   * Takes kube-apiserver away (etcd and kube-controller-manager keep running), so a test can see
   * what clients do while the API is unreachable: connections are refused, open watches end.
   * Resolves once the process has exited. No-op when it is already stopped.
   */
  stopApiServer(options?: StopApiServerOptions): Promise<void>;
  /**
   * Starts kube-apiserver again with the same port, flags, PKI and etcd (so every object and
   * every issued token survive), and resolves once `/readyz` answers 200. No-op when it runs.
   */
  startApiServer(): Promise<void>;
}

/** Options of {@link ControlPlane.stopApiServer}. */
export interface StopApiServerOptions {
  /**
   * `SIGKILL` simulates a crash (no graceful close of connections); `SIGTERM` (the default) is an
   * orderly shutdown, SIGKILLed if it takes more than 5 s.
   */
  readonly signal?: 'SIGTERM' | 'SIGKILL';
}

/** Options of {@link startControlPlane}. */
export interface StartOptions {
  /** Directory with etcd, kube-apiserver and kube-controller-manager (default: {@link ensureBinaries}). */
  readonly binDir?: string;
  /** Time allowed for the whole start, in ms (default 60 s, or $KUBEJOBS_CONTROL_PLANE_START_TIMEOUT_MS). */
  readonly startTimeoutMs?: number;
  /**
   * kube-controller-manager controllers to run. The default runs what the
   * job tests rely on: Job -> Pod, CronJob, owner-reference GC, namespace
   * deletion, TTL-after-finished, and default ServiceAccounts plus their token
   * support (the ServiceAccount admission plugin stays on, as in real clusters).
   */
  readonly controllers?: readonly string[];
  /** klog verbosity of the Kubernetes components (default 1). */
  readonly verbosity?: number;
  /**
   * More kube-controller-manager flags, appended after the others (e.g. the benchmark's
   * `--kube-api-qps`, `--kube-api-burst`, `--concurrent-job-syncs`).
   */
  readonly controllerManagerArgs?: readonly string[];
}

/** Options of {@link ControlPlane.stop}. */
export interface StopOptions {
  /** Keep the logs directory (default: only when $KUBEJOBS_KEEP_CLUSTER_LOGS is set). */
  readonly keepLogs?: boolean;
}

/** Controllers run by default; see {@link StartOptions.controllers}. */
export const DEFAULT_CONTROLLERS: readonly string[] = [
  'garbagecollector',
  'job',
  'cronjob',
  'namespace',
  'serviceaccount',
  'serviceaccount-token',
  'ttl-after-finished',
];

const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
const BUILD_SCRIPT = path.join(__dirname, 'build-binaries.sh');
const PORT_RETRIES = 3;

/**
 * Returns a directory holding etcd, kube-apiserver and kube-controller-manager.
 *
 * Runs `test/cluster/build-binaries.sh`, which honours $KUBEJOBS_K8S_BIN_DIR /
 * $KUBEBUILDER_ASSETS, reuses `~/.cache/kubejobs/k8s/<version>/` when it is up
 * to date and otherwise builds from the Go module proxy (tens of minutes on a
 * cold Go cache, so callers need a long timeout). Build progress is forwarded
 * to stderr.
 */
export async function ensureBinaries(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = execFile('bash', [BUILD_SCRIPT], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${BUILD_SCRIPT} failed (${err.message.split('\n')[0]}):\n${tail(stderr, 40)}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      const dir = lines[lines.length - 1]?.trim() ?? '';
      const missing = BINARIES.filter((b) => !isExecutable(path.join(dir, b)));
      if (dir === '' || missing.length > 0) {
        reject(new Error(`${BUILD_SCRIPT} printed '${dir}', which lacks ${missing.join(', ')}`));
        return;
      }
      resolve(dir);
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  });
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on free loopback
 * ports with a throwaway PKI, and resolves once the apiserver is ready and the
 * controller-manager is healthy and has created the `default` ServiceAccount.
 *
 * etcd keeps its data on tmpfs (/dev/shm when present) with fsync disabled:
 * durability is worthless for a throwaway cluster and fsync dominates latency.
 *
 * On failure every started process is stopped and the error carries the tail
 * of the component logs (the logs directory is kept and named in the error).
 */
export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? await ensureBinaries();
  for (const b of BINARIES) {
    if (!isExecutable(path.join(binDir, b))) {
      throw new Error(`${path.join(binDir, b)} is missing or not executable`);
    }
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_RETRIES; attempt++) {
    try {
      return await startOnce(binDir, options);
    } catch (err) {
      lastError = err;
      // Ports are probed, then released, then bound by the servers: another
      // process can take one in between. Only that race is worth a retry.
      if (!(err instanceof StartError) || !err.portConflict) {
        throw err;
      }
      fs.rmSync(err.workDir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

class StartError extends Error {
  public constructor(
    message: string,
    /** A server could not bind its port (lost the race for a probed port). */
    public readonly portConflict: boolean,
    /** The attempt's temporary directory, kept for its logs. */
    public readonly workDir: string,
  ) {
    super(message);
  }
}

async function startOnce(binDir: string, options: StartOptions): Promise<ControlPlane> {
  const started = Date.now();
  const timeoutMs = options.startTimeoutMs
    ?? (Number(process.env.KUBEJOBS_CONTROL_PLANE_START_TIMEOUT_MS) || 60_000);
  const deadline = started + timeoutMs;
  const verbosity = String(options.verbosity ?? 1);

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-cp-'));
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dataDir = fs.mkdtempSync(path.join(shm, 'kubejobs-etcd-'));
  const logsDir = path.join(root, 'logs');
  const stateDir = path.join(root, 'state');
  fs.mkdirSync(logsDir);
  fs.mkdirSync(stateDir, { mode: 0o700 });
  const pidFile = path.join(stateDir, 'pids');
  // If this Node process dies without stop(), the watchdog kills the servers
  // and frees the tmpfs data; logs stay for a post-mortem of the crash.
  const watchdog = startWatchdog(pidFile, [stateDir, dataDir]);

  const processes: ManagedProcess[] = [];
  const launch = (name: string, args: string[]): ManagedProcess => {
    const proc = new ManagedProcess(name, path.join(binDir, name), args, path.join(logsDir, `${name}.log`));
    processes.push(proc);
    if (proc.pid !== undefined) {
      fs.appendFileSync(pidFile, `${proc.pid}\n`);
    }
    return proc;
  };

  const dumpLogs = (lines = 60): string => BINARIES.map((b) => {
    const file = path.join(logsDir, `${b}.log`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no log)';
    return `===== ${b} (${file}) =====\n${tail(text, lines)}`;
  }).join('\n');

  let stopped = false;
  const stop = async (stopOptions: StopOptions = {}): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    // Reverse start order: clients before the servers they talk to.
    for (const proc of [...processes].reverse()) {
      const t = Date.now();
      await proc.stop();
      debug(`${proc.name} stopped in ${Date.now() - t} ms`);
    }
    if (watchdog.pid !== undefined) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
    const keepLogs = stopOptions.keepLogs ?? Boolean(process.env.KUBEJOBS_KEEP_CLUSTER_LOGS);
    if (!keepLogs) {
      fs.rmSync(root, { recursive: true, force: true });
    }
  };

  try {
    const pki = await createPki(stateDir);
    const [etcdPort, etcdPeerPort, apiPort, kcmPort] = await freePorts(4);
    const server = `https://127.0.0.1:${apiPort}`;

    // --- etcd ---------------------------------------------------------------
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = launch('etcd', [
      '--name=kubejobs',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kubejobs=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitUntil('etcd /health', deadline, [etcd], async () => {
      const res = await get(`${etcdUrl}/health`, {});
      return res.status === 200 && res.body.includes('"health":"true"');
    });
    debug(`etcd healthy after ${Date.now() - started} ms`);

    // --- kube-apiserver -----------------------------------------------------
    const apiserverArgs = [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${stateDir}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // A node's kubelet (KWOK's server, or a real kubelet) is reached at its InternalIP:
      // test nodes' names are not host names that resolve.
      '--kubelet-preferred-address-types=InternalIP',
      // Its identity to a kubelet that authenticates clients (the node tier's real one).
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      // Default admission plugins stay enabled: PodSecurity and ServiceAccount
      // are exactly the behaviour the tests need to see for real.
      '--profiling=false',
      `--v=${verbosity}`,
    ];
    let apiserver = launch('kube-apiserver', apiserverArgs);
    const adminTls = {
      ca: fs.readFileSync(pki.caCert),
      cert: fs.readFileSync(pki.adminCert),
      key: fs.readFileSync(pki.adminKey),
    };
    const waitApiServerReady = async (until: number): Promise<void> => {
      let lastReadyz = '';
      await waitUntil('kube-apiserver /readyz', until, [etcd, apiserver], async () => {
        const res = await get(`${server}/readyz?verbose`, adminTls);
        lastReadyz = res.body;
        return res.status === 200;
      }, () => `last /readyz answer:\n${tail(lastReadyz, 30)}`);
    };
    await waitApiServerReady(deadline);
    debug(`kube-apiserver ready after ${Date.now() - started} ms`);

    const stopApiServer = async (stopOptions: StopApiServerOptions = {}): Promise<void> => {
      if (stopOptions.signal === 'SIGKILL') {
        await apiserver.kill();
      } else {
        await apiserver.stop();
      }
    };
    const startApiServer = async (): Promise<void> => {
      if (stopped) {
        throw new Error('startApiServer() after stop(): the control plane is gone');
      }
      if (apiserver.exit === undefined) {
        return;
      }
      // Same slot in `processes`, so stop() still stops it before etcd and after its clients.
      const slot = processes.indexOf(apiserver);
      apiserver = launch('kube-apiserver', apiserverArgs);
      processes.splice(processes.indexOf(apiserver), 1);
      processes.splice(slot, 1, apiserver);
      const t = Date.now();
      await waitApiServerReady(t + timeoutMs);
      debug(`kube-apiserver restarted and ready in ${Date.now() - t} ms`);
    };

    const kubeconfigPath = writeKubeconfig(path.join(root, 'kubeconfig'), {
      server,
      user: 'admin',
      caData: adminTls.ca,
      credentials: { certData: adminTls.cert, keyData: adminTls.key },
    });
    const kcmKubeconfig = writeKubeconfig(path.join(stateDir, 'kube-controller-manager.kubeconfig'), {
      server,
      user: 'system:kube-controller-manager',
      caData: adminTls.ca,
      credentials: {
        certData: fs.readFileSync(pki.controllerManagerCert),
        keyData: fs.readFileSync(pki.controllerManagerKey),
      },
    });

    // --- kube-controller-manager -------------------------------------------
    const kcm = launch('kube-controller-manager', [
      `--kubeconfig=${kcmKubeconfig}`,
      // No --authentication/authorization-kubeconfig: only the anonymous,
      // always-allowed /healthz is used, and without them the KCM does not
      // spam errors about the (unconfigured) front-proxy CA.
      `--controllers=${(options.controllers ?? DEFAULT_CONTROLLERS).join(',')}`,
      // Each controller gets its own ServiceAccount and bootstrap role, as in
      // real clusters; the KCM identity itself may do little else.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${stateDir}`,
      '--profiling=false',
      `--v=${verbosity}`,
      ...(options.controllerManagerArgs ?? []),
    ]);
    await waitUntil('kube-controller-manager /healthz', deadline, [etcd, apiserver, kcm], async () => {
      // Self-signed serving cert in --cert-dir; /healthz needs no client auth.
      const res = await get(`https://127.0.0.1:${kcmPort}/healthz`, { rejectUnauthorized: false });
      return res.status === 200;
    });
    debug(`kube-controller-manager healthy after ${Date.now() - started} ms`);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    // The serviceaccount controller creating default/default proves the
    // controller-manager authenticates, is authorised and runs controllers.
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await waitUntil('ServiceAccount default/default (created by kube-controller-manager)', deadline,
      [etcd, apiserver, kcm], async () => {
        try {
          await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
          return true;
        } catch {
          return false;
        }
      });

    debug(`control plane ${server} ready in ${Date.now() - started} ms (logs: ${logsDir})`);
    const workDir = path.join(root, 'work');
    fs.mkdirSync(workDir, { mode: 0o700 });
    return {
      kubeconfigPath,
      kubeConfig,
      server,
      caData: adminTls.ca,
      workDir,
      logsDir,
      stop,
      dumpLogs,
      stopApiServer,
      startApiServer,
      controllerManagerPid: kcm.pid as number,
    };
  } catch (err) {
    const logs = dumpLogs(40);
    await stop({ keepLogs: true });
    const portConflict = /address already in use/i.test(logs);
    throw new StartError(
      `control plane failed to start after ${Date.now() - started} ms: ${(err as Error).message}\n` +
      `logs kept in ${logsDir}\n${logs}`,
      portConflict, root);
  }
}

/** Progress messages, only with $KUBEJOBS_CLUSTER_DEBUG set (jest shows stderr unbuffered). */
function debug(message: string): void {
  if (process.env.KUBEJOBS_CLUSTER_DEBUG) {
    process.stderr.write(`kubejobs-cluster: ${message}\n`);
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
