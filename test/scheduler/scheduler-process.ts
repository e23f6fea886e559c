import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubernetesObject } from '@kubernetes/client-node';
import { Chart, Testing } from 'cdk8s';
import { RadixJobScheduler, RadixJobSchedulerProps } from '../../src/radix-job-scheduler';
import { waitUntilAllowed } from '../cluster/access-review';
import { ControlPlane } from '../cluster/control-plane';
import { fileTempDir } from '../cluster/file-temp-dirs';
import { freePorts } from '../cluster/free-port';
import { applyManifests } from '../cluster/kube-helpers';
import { serviceAccountUser } from '../cluster/kube-requests';
import { writeKubeconfig } from '../cluster/kubeconfig-file';
import { ManagedChild } from '../cluster/managed-child';
import { ManagedProcess } from '../cluster/processes';
import { requestServiceAccountToken } from '../cluster/service-account-token';
import { productionBundle } from '../controller/production-bundle';

/**
 * What the RadixJobScheduler construct deploys, installed in a test namespace: its ServiceAccount,
 * Role, RoleBinding and job-definition ConfigMap exactly as synthesised, a token for the
 * ServiceAccount, and the container args of its Deployment.
 */
export interface SchedulerInstall {
  readonly namespace: string;
  readonly objects: KubernetesObject[];
  readonly kubeconfigPath: string;
  readonly definitionPath: string;
  /** The Deployment's container args, as synthesised. */
  readonly args: string[];
  readonly port: number;
  /** Writes a kubeconfig with the ServiceAccount's token for another server (e.g. a fault proxy's URL); returns its path. */
  kubeconfigVia(server: string): string;
}

/** Synthesises the construct with `props` in `namespace` and installs its identity and definition. */
export async function installScheduler(plane: ControlPlane, namespace: string, props: Omit<RadixJobSchedulerProps, 'namespace' | 'schedulerPort'>): Promise<SchedulerInstall> {
  const [port] = await freePorts(1);
  const chart = new Chart(Testing.app(), 'radix');
  new RadixJobScheduler(chart, 'scheduler', { ...props, namespace, schedulerPort: port! });
  const objects = Testing.synth(chart) as KubernetesObject[];
  const identity = objects.filter((o) => ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap'].includes(o.kind ?? ''));
  await applyManifests(plane.kubeConfig, identity);
  const account = identity.find((o) => o.kind === 'ServiceAccount')!;
  const user = serviceAccountUser(namespace, account.metadata!.name!);
  await waitUntilAllowed(plane.kubeConfig, user, [
    { verb: 'create', group: 'kubejobs.dev', resource: 'radixbatches', namespace },
    { verb: 'create', group: '', resource: 'secrets', namespace },
  ]);
  const token = await requestServiceAccountToken(plane.kubeConfig, namespace, account.metadata!.name!);
  const dir = fileTempDir('kubejobs-scheduler-');
  const kubeconfigPath = writeKubeconfig(path.join(dir, 'kubeconfig'), { server: plane.server, user, caData: plane.caData, credentials: { token } });
  const configMap = identity.find((o) => o.kind === 'ConfigMap') as KubernetesObject & { data: Record<string, string> };
  const definitionPath = path.join(dir, 'job-definition.json');
  fs.writeFileSync(definitionPath, Object.values(configMap.data)[0]!);
  const deployment = objects.find((o) => o.kind === 'Deployment') as KubernetesObject & { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
  const kubeconfigVia = (server: string) => writeKubeconfig(path.join(fileTempDir('kubejobs-scheduler-via-'), 'kubeconfig'),
    { server, user, caData: plane.caData, credentials: { token } });
  return { namespace, objects, kubeconfigPath, definitionPath, args: deployment.spec.template.spec.containers[0]!.args, port: port!, kubeconfigVia };
}

/** A `kubejobs job-scheduler` child process run from the production bundle with the Deployment's args. */
export class SchedulerProcess extends ManagedChild {
  /**
   * Starts it with the construct's args, except that the definition path points at the local copy
   * and every server listens on 127.0.0.1 (the tests' rule), plus `extraArgs`.
   */
  public static async start(install: SchedulerInstall, extraArgs: readonly string[] = []): Promise<SchedulerProcess> {
    const [metricsPort, healthPort] = await freePorts(2);
    const args = install.args.map((a) => {
      if (a.startsWith('--job-definition=')) return `--job-definition=${install.definitionPath}`;
      if (a.startsWith('--metrics-bind-address=')) return `--metrics-bind-address=127.0.0.1:${metricsPort}`;
      if (a.startsWith('--health-probe-bind-address=')) return `--health-probe-bind-address=127.0.0.1:${healthPort}`;
      if (a.startsWith('--log-level=')) return '--log-level=debug';
      return a;
    });
    const logFile = path.join(fileTempDir('kubejobs-scheduler-log-'), 'scheduler.log');
    const proc = new ManagedProcess('kubejobs-job-scheduler', process.execPath,
      [path.join(productionBundle(), 'lib', 'cli.js'), ...args, '--bind-address=127.0.0.1', `--kubeconfig=${install.kubeconfigPath}`, ...extraArgs],
      logFile, { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '--no-warnings' });
    // A later --port (a second replica on one host) wins, as with commander.
    const portArg = [...args, ...extraArgs].filter((a) => a.startsWith('--port=')).pop();
    const port = portArg ? Number(portArg.slice('--port='.length)) : install.port;
    const scheduler = new SchedulerProcess(proc, port, healthPort!, metricsPort!, logFile);
    await scheduler.waitReady();
    return scheduler;
  }

  private constructor(
    process: ManagedProcess,
    /** Port of the REST API. */
    public readonly port: number,
    public readonly healthPort: number,
    public readonly metricsPort: number,
    logFile: string,
  ) {
    super(process, logFile);
  }

  /** `http://127.0.0.1:<port>`. */
  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Waits until /readyz answers 200. */
  public async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw new Error(`the job-scheduler exited before it was ready:\n${this.logTail()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.healthPort}/readyz`)).status === 200) {
          // The API port opens right after the probes.
          if ((await fetch(`${this.url}/api/v1/openapi.json`)).status === 200) return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the job-scheduler was not ready within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** One request to the API; the status and parsed body. */
  public async call(method: string, pathName: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${pathName}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }
}
