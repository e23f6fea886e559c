import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type * as https from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Where requests go and how they authenticate: what {@link KubeClient} needs from a kubeconfig.
 * `@kubernetes/client-node`'s `KubeConfig` has the same shape, so tests may pass one.
 */
export interface ClusterCredentials {
  /** The current context's namespace (in a pod: its ServiceAccount's), when it names one. */
  readonly namespace?: string;
  /** The current context's cluster; null when the configuration names none. */
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets the TLS material and the Authorization header of one request; called per request. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/** How long an exec credential plugin may run before the request fails (client-go has no bound). */
const EXEC_PLUGIN_TIMEOUT_MS = 30_000;
/** After a failed exec plugin run, requests fail with its error this long before it runs again. */
const EXEC_PLUGIN_RETRY_MS = 5_000;
/** A token file (in-cluster: a projected, rotating token) is re-read at most this often. */
const TOKEN_FILE_TTL_MS = 60_000;
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface NamedEntry<T> { name: string; [key: string]: unknown; cluster?: T; user?: T; context?: T }
interface RawCluster {
  'server'?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface RawExec { command?: string; args?: string[]; env?: Array<{ name: string; value: string }> | null; apiVersion?: string }
interface RawUser {
  'token'?: string;
  'tokenFile'?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  'username'?: string;
  'password'?: string;
  'exec'?: RawExec;
  'auth-provider'?: { name?: string };
}
interface RawContext { cluster?: string; user?: string; namespace?: string }
interface RawKubeconfig {
  'clusters'?: Array<NamedEntry<RawCluster>>;
  'users'?: Array<NamedEntry<RawUser>>;
  'contexts'?: Array<NamedEntry<RawContext>>;
  'current-context'?: string;
}

/**
 * Loads credentials the way a controller-runtime manager finds them: `--kubeconfig`, else
 * `$KUBECONFIG` (the first file of its list that exists; none existing is an error, as with
 * kubectl, rather than a silent switch to another cluster), else the pod's ServiceAccount, else
 * `~/.kube/config`.
 *
 * Our own loader instead of client-node's `KubeConfig`: importing client-node costs the controller
 * about 64 MiB of resident memory (its config module loads every generated API class), which is
 * more than the controller needs for a thousand jobs. This covers what a controller meets: token,
 * token file, client certificates (inline or file), basic auth, and exec plugins (bounded in time).
 */
export function loadClusterCredentials(
  kubeconfigPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): ClusterCredentials {
  if (kubeconfigPath) return fromKubeconfigFile(kubeconfigPath);
  if (env.KUBECONFIG) {
    const paths = env.KUBECONFIG.split(':').filter((p) => p !== '');
    const first = paths.find((p) => existsSync(p));
    if (!first) throw new Error(`KUBECONFIG (${env.KUBECONFIG}) names no file that exists: fix the path, or unset it to use the pod's ServiceAccount`);
    return fromKubeconfigFile(first);
  }
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = env;
  if (host && port) return inCluster(host, port, serviceAccountDir);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromKubeconfigFile(home);
  throw new Error('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token');
}

function inCluster(host: string, port: string, serviceAccountDir: string): ClusterCredentials {
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(serviceAccountDir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  return new StaticCredentials(server, {
    ca: readFileSync(join(serviceAccountDir, 'ca.crt')),
  }, { tokenFile: join(serviceAccountDir, 'token') }, namespace || undefined);
}

function fromKubeconfigFile(path: string): ClusterCredentials {
  let raw: RawKubeconfig;
  try {
    raw = (parseYaml(readFileSync(path, 'utf8')) ?? {}) as RawKubeconfig;
  } catch (err) {
    throw new Error(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  const base = dirname(resolve(path));
  const where = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const find = <T>(list: Array<NamedEntry<T>> | undefined, name: string | undefined, field: 'cluster' | 'user' | 'context'): T => {
    const entry = (list ?? []).find((e) => e.name === name)?.[field];
    if (!entry) throw new Error(`kubeconfig ${path}: no ${field} named '${name ?? ''}' (current-context '${raw['current-context'] ?? ''}')`);
    return entry;
  };
  const context = find(raw.contexts, raw['current-context'], 'context');
  const cluster = find(raw.clusters, context.cluster, 'cluster');
  const user: RawUser = context.user ? find(raw.users, context.user, 'user') : {};
  if (!cluster.server) throw new Error(`kubeconfig ${path}: cluster '${context.cluster}' has no server`);
  if (user['auth-provider']) {
    throw new Error(`kubeconfig ${path}: user '${context.user}' uses auth-provider '${user['auth-provider'].name ?? ''}', ` +
      'which Kubernetes removed; use an exec credential plugin or a token');
  }
  const fileOrData = (entry: RawCluster | RawUser, field: 'certificate-authority' | 'client-certificate' | 'client-key') => {
    const data = (entry as Record<string, string | undefined>)[`${field}-data`];
    const file = (entry as Record<string, string | undefined>)[field];
    if (data) return Buffer.from(data, 'base64');
    if (!file) return undefined;
    try {
      return readFileSync(where(file));
    } catch (err) {
      throw new Error(`kubeconfig ${path}: ${field} '${file}' cannot be read: ${(err as Error).message}`);
    }
  };
  const tls: https.RequestOptions = {
    ca: fileOrData(cluster, 'certificate-authority'),
    cert: fileOrData(user, 'client-certificate'),
    key: fileOrData(user, 'client-key'),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    servername: cluster['tls-server-name'],
  };
  return new StaticCredentials(cluster.server, tls, {
    token: user.token,
    tokenFile: user.tokenFile ? where(user.tokenFile) : undefined,
    basic: user.username !== undefined ? `${user.username}:${user.password ?? ''}` : undefined,
    // client-go runs a relative command that has a path separator from the kubeconfig's directory.
    exec: user.exec?.command?.includes('/') ? { ...user.exec, command: where(user.exec.command) } : user.exec,
  }, context.namespace || undefined);
}

interface Authentication { token?: string; tokenFile?: string; basic?: string; exec?: RawExec }
interface CachedToken { value: string; until: number }

class StaticCredentials implements ClusterCredentials {
  private cachedFileToken: CachedToken | undefined;
  /** The exec plugin's credential, or its run in flight: callers at the same moment share one run. */
  private cachedExec: Promise<ExecCredential> | undefined;
  private cachedExecUntil = 0;

  public constructor(
    private readonly server: string,
    private readonly tls: https.RequestOptions,
    private readonly auth: Authentication,
    public readonly namespace?: string,
  ) {}

  public getCurrentCluster() {
    return { server: this.server };
  }

  public async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    for (const [key, value] of Object.entries(this.tls)) {
      if (value !== undefined) (options as Record<string, unknown>)[key] = value;
    }
    const token = await this.bearerToken(options);
    if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
    else if (this.auth.basic) options.auth = this.auth.basic;
  }

  private async bearerToken(options: https.RequestOptions): Promise<string | undefined> {
    if (this.auth.token) return this.auth.token;
    if (this.auth.tokenFile) {
      if (!this.cachedFileToken || this.cachedFileToken.until < Date.now()) {
        this.cachedFileToken = { value: readFileSync(this.auth.tokenFile, 'utf8').trim(), until: Date.now() + TOKEN_FILE_TTL_MS };
      }
      return this.cachedFileToken.value;
    }
    if (this.auth.exec) {
      if (!this.cachedExec || this.cachedExecUntil < Date.now()) {
        this.cachedExecUntil = Number.POSITIVE_INFINITY; // until the run settles
        this.cachedExec = runExecPlugin(this.auth.exec).then((credential) => {
          this.cachedExecUntil = credential.until;
          return credential;
        }, (err: unknown) => {
          // A failing plugin (login expired, network) is not re-run by every request at once.
          this.cachedExecUntil = Date.now() + EXEC_PLUGIN_RETRY_MS;
          throw err;
        });
      }
      const credential = await this.cachedExec;
      if (credential.cert) options.cert = credential.cert;
      if (credential.key) options.key = credential.key;
      return credential.token;
    }
    return undefined;
  }
}

interface ExecCredential { token?: string; cert?: string; key?: string; until: number }

/** Runs a client.authentication.k8s.io exec plugin and reads its ExecCredential. */
async function runExecPlugin(exec: RawExec): Promise<ExecCredential> {
  if (!exec.command) throw new Error('kubeconfig: the user\'s exec plugin has no command');
  const env = { ...process.env };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: false },
  });
  const stdout = await new Promise<string>((done, fail) => {
    execFile(exec.command!, exec.args ?? [], { env, timeout: EXEC_PLUGIN_TIMEOUT_MS, maxBuffer: 1_048_576 }, (err, out, errOut) => {
      if (!err) return done(String(out));
      const why = err.killed ? `did not finish within ${EXEC_PLUGIN_TIMEOUT_MS / 1000} s`
        : typeof err.code === 'number' ? `exited with code ${err.code}` : err.message;
      fail(new Error(`exec credential plugin '${exec.command}' ${why}${String(errOut).trim() ? `: ${String(errOut).trim()}` : ''}`));
    });
  });
  let status: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } | undefined;
  try {
    status = (JSON.parse(stdout) as { status?: typeof status }).status;
  } catch (err) {
    throw new Error(`exec credential plugin '${exec.command}' printed no ExecCredential JSON: ${(err as Error).message}`);
  }
  if (!status?.token && !status?.clientCertificateData) {
    throw new Error(`exec credential plugin '${exec.command}' returned neither status.token nor status.clientCertificateData`);
  }
  // Without an expiry client-go keeps the credential until a 401; re-running every few minutes is
  // the cautious equivalent for a process that never sees the 401 path.
  const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) - 30_000 : Date.now() + 5 * 60_000;
  return { token: status.token, cert: status.clientCertificateData, key: status.clientKeyData, until: expires };
}
