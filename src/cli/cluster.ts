import { Option } from 'commander';
import { KubeClient } from '../controller/kube-client';
import { loadClusterCredentials } from '../controller/kubeconfig';
import { PACKAGE_VERSION } from '../package-version';

/** The flags every cluster-facing command takes. */
export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly namespace?: string;
}

/** `--namespace`, the same on every command that talks to the cluster ({@link ClusterFlags}). */
export function namespaceOption(): Option {
  return new Option('--namespace <ns>', 'namespace (default: the kubeconfig context\'s, else default)');
}

/** `--kubeconfig`, the same on every command that talks to the cluster ({@link ClusterFlags}). */
export function kubeconfigOption(): Option {
  return new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)');
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
  return { client, namespace: flags.namespace ?? credentials.namespace ?? 'default' };
}
