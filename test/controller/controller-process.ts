import * as path from 'node:path';
import { productionBundle } from './production-bundle';
import { ControlPlane } from '../cluster/control-plane';
import { controllerIdentity } from '../cluster/controller-identity';
import { fileTempDir } from '../cluster/file-temp-dirs';
import { freePorts } from '../cluster/free-port';
import { ManagedChild } from '../cluster/managed-child';
import { ManagedProcess } from '../cluster/processes';

/** Options of {@link ControllerProcess.start}. */
export interface ControllerOptions {
  /**
   * `--kubeconfig`. Default: the controller's own ServiceAccount (see controller-identity.ts),
   * so the tests prove the RBAC the construct emits is enough. Pass the plane's admin kubeconfig
   * only to tell a missing permission from a bug.
   */
  readonly kubeconfigPath?: string;
  /**
   * With the default identity: the server its kubeconfig points at, e.g. a `FaultProxy`'s URL
   * (default: the plane's apiserver). Ignored when `kubeconfigPath` is given.
   */
  readonly server?: string;
  /** `--leader-elect` (default false). */
  readonly leaderElect?: boolean;
  /**
   * `--leader-election-namespace`. Default: the identity's namespace, the only one where its
   * leader-election Role lets it hold a Lease (`default` with an explicit kubeconfig).
   */
  readonly leaderElectionNamespace?: string;
  /** `--namespace`. */
  readonly namespace?: string;
  /** `--concurrency` (default 4). */
  readonly concurrency?: number;
  /** `--log-level` (default debug, so failures come with context). */
  readonly logLevel?: string;
  /** More flags, appended after the others (e.g. `--request-timeout=5s`). */
  readonly extraArgs?: readonly string[];
  /** Flags for `node` itself, before the script (e.g. `--cpu-prof`, which `NODE_OPTIONS` refuses). */
  readonly nodeArgs?: readonly string[];
}

/** A `kubejobs controller` child process run from the production bundle. */
export class ControllerProcess extends ManagedChild {
  /** Starts `node <bundle>/lib/cli.js controller ...` against `plane` with the Deployment's flags. */
  public static async start(plane: ControlPlane, options: ControllerOptions = {}): Promise<ControllerProcess> {
    const identity = options.kubeconfigPath === undefined ? await controllerIdentity(plane) : undefined;
    const kubeconfigPath = options.kubeconfigPath ?? identity!.kubeconfigPath(options.server);
    const leaderElectionNamespace = options.leaderElectionNamespace ?? identity?.namespace ?? 'default';
    const bundle = productionBundle();
    const [metricsPort, healthPort] = await freePorts(2);
    const logDir = fileTempDir('kubejobs-controller-');
    const logFile = path.join(logDir, 'controller.log');
    const args = [
      ...(options.nodeArgs ?? []),
      path.join(bundle, 'lib', 'cli.js'),
      'controller',
      `--leader-elect=${options.leaderElect ?? false}`,
      `--leader-election-namespace=${leaderElectionNamespace}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      `--concurrency=${options.concurrency ?? 4}`,
      `--log-level=${options.logLevel ?? 'debug'}`,
      ...(options.namespace ? [`--namespace=${options.namespace}`] : []),
      `--kubeconfig=${kubeconfigPath}`,
      ...(options.extraArgs ?? []),
    ];
    const env = { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '--no-warnings' };
    const proc = new ManagedProcess('kubejobs-controller', process.execPath, args, logFile, env);
    return new ControllerProcess(proc, kubeconfigPath, leaderElectionNamespace, identity?.user, logFile, metricsPort!, healthPort!);
  }

  private constructor(
    process: ManagedProcess,
    /** The kubeconfig it runs with. */
    public readonly kubeconfigPath: string,
    /** Where it keeps its leader-election Lease. */
    public readonly leaderElectionNamespace: string,
    /** The ServiceAccount user it authenticates as; undefined with an explicit kubeconfig. */
    public readonly user: string | undefined,
    logFile: string,
    /** Port of /metrics. */
    public readonly metricsPort: number,
    /** Port of /healthz and /readyz. */
    public readonly healthPort: number,
  ) {
    super(process, logFile);
  }

  /** GET on the health port; the status code, or 0 when not answering. */
  public async probe(pathName: '/healthz' | '/readyz'): Promise<number> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.healthPort}${pathName}`);
      return res.status;
    } catch {
      return 0;
    }
  }

  /** The /metrics text. */
  public async metrics(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    return res.text();
  }

  /** Waits until /readyz answers 200. */
  public async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw new Error(`the controller exited before it was ready:\n${this.logTail()}`);
      if (await this.probe('/readyz') === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the controller was not ready within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** The log as parsed JSON lines (other lines skipped). */
  public logLines(): Array<Record<string, unknown>> {
    const text = this.log();
    const out: Array<Record<string, unknown>> = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // partial line
      }
    }
    return out;
  }

  /**
   * Log lines reporting a request RBAC refused: a permission the controller's ServiceAccount lacks.
   * The apiserver words them `User "..." cannot <verb> resource "<resource>" in API group ...`
   * (other 403s, e.g. PodSecurity's, say something else and are not listed).
   */
  public forbidden(): string[] {
    return this.log().split('\n').filter((l) => /cannot [a-z]+ resource /.test(l));
  }
}
