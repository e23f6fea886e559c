import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeClient } from '../controller/kube-client';
import { loadClusterCredentials } from '../controller/kubeconfig';
import { PACKAGE_VERSION } from '../package-version';

/** The flags every cluster-facing command takes. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly namespace?: string;
}

/** A client and the namespace a command works in. */
export interface ClusterSession {
  readonly client: KubeClient;
  readonly namespace: string;
}

/**
 * Connects as kubectl does: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config` (and in a
 * pod its ServiceAccount); the namespace is `--namespace`, else the current context's, else `default`.
 */
export function connect(flags: ClusterFlags): ClusterSession {
  const credentials = loadClusterCredentials(flags.kubeconfig);
  const client = new KubeClient(credentials, `kubejobs-cli/${PACKAGE_VERSION}`);
  return { client, namespace: flags.namespace ?? contextNamespace(flags.kubeconfig) ?? 'default' };
}

/** The current context's namespace in the kubeconfig `connect` reads, if it names one. */
export function contextNamespace(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = kubeconfig
    ?? env.KUBECONFIG?.split(':').find((p) => p !== '' && existsSync(p))
    ?? join(env.HOME ?? homedir(), '.kube', 'config');
  if (!existsSync(path)) return undefined;
  try {
    const raw = parseYaml(readFileSync(path, 'utf8')) as { 'current-context'?: string; 'contexts'?: Array<{ name: string; context?: { namespace?: string } }> };
    const ns = raw?.contexts?.find((c) => c.name === raw['current-context'])?.context?.namespace;
    return ns === '' ? undefined : ns;
  } catch {
    return undefined;
  }
}
