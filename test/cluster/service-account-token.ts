import { CoreV1Api, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { waitUntilAllowed } from './access-review';
import { applyManifests } from './kube-helpers';
import { serviceAccountUser } from './kube-requests';
import { kubeconfigYaml } from './kubeconfig-file';

/** Six hours: longer than any test file runs, so no test sees its token expire. */
export const DEFAULT_TOKEN_SECONDS = 6 * 3600;

/**
 * A token for ServiceAccount `namespace/name` from the TokenRequest API (what the kubelet mounts
 * into pods), with the apiserver's default audience. The ServiceAccount must exist.
 */
export async function requestServiceAccountToken(
  kc: KubeConfig, namespace: string, name: string, expirationSeconds = DEFAULT_TOKEN_SECONDS,
): Promise<string> {
  const review = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    // No audiences: the apiserver fills in its own (--api-audiences, else the issuer).
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = review.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  return token;
}

/** A loaded kubeconfig that authenticates with `token` against `server` (CA needed for https). */
export function tokenKubeConfig(server: string, token: string, caData?: Buffer, user = 'token-user'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml({ server, user, caData, credentials: { token } }));
  return kc;
}

/**
 * Creates ServiceAccount `namespace/name` bound to ClusterRole `cluster-admin` and returns a token
 * for it: an admin for paths where client certificates cannot go (the fault proxy).
 */
export async function clusterAdminServiceAccount(adminKc: KubeConfig, namespace: string, name: string): Promise<string> {
  const binding = `${namespace}-${name}-cluster-admin`;
  await applyManifests(adminKc, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: binding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject,
  ]);
  // The authorizer learns of new bindings through a watch: wait until it knows this one.
  await waitUntilAllowed(adminKc, serviceAccountUser(namespace, name), [{ verb: '*', group: '*', resource: '*' }]);
  return requestServiceAccountToken(adminKc, namespace, name);
}
