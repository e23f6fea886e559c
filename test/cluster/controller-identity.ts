import * as path from 'node:path';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Chart, Testing } from 'cdk8s';
import { Access, waitUntilAllowed } from './access-review';
import { ControlPlane } from './control-plane';
import { applyManifests } from './kube-helpers';
import { serviceAccountUser } from './kube-requests';
import { writeKubeconfig } from './kubeconfig-file';
import { requestServiceAccountToken, tokenKubeConfig } from './service-account-token';
import { KubejobsController, KubejobsControllerProps } from '../../src/kubejobs-controller';

/**
 * The controller's own identity in a test control plane: the Namespace, ServiceAccount and RBAC
 * that the `KubejobsController` construct emits (applied as synthesised, so the tests run the
 * controller with exactly the permissions users deploy), and a TokenRequest token for that
 * ServiceAccount, as the kubelet would mount it into the controller's pod.
 */
export interface ControllerIdentity {
  /** The controller's namespace; its leader-election Role lives here (`--leader-election-namespace`). */
  readonly namespace: string;
  /** The ServiceAccount's name. */
  readonly serviceAccount: string;
  /** The user the apiserver sees: `system:serviceaccount:<namespace>:<serviceAccount>`. */
  readonly user: string;
  /** The bearer token. */
  readonly token: string;
  /** The applied objects (Namespace, ServiceAccount, Roles, bindings), as synthesised. */
  readonly objects: readonly KubernetesObject[];
  /**
   * A kubeconfig file with the token, whose server is `server` (default: the plane's apiserver,
   * with the plane's CA; give a fault proxy's URL to route the controller through it). Written
   * once per server into the plane's work directory.
   */
  kubeconfigPath(server?: string): string;
  /** The same, loaded. */
  kubeConfig(server?: string): KubeConfig;
}

/** The kinds of the construct's output that make up the identity; the Deployment, Service and CRDs are left out. */
const IDENTITY_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** What `KubejobsController` synthesises for the identity: Namespace, ServiceAccount, Roles and bindings. */
export function controllerIdentityManifests(props: KubejobsControllerProps = {}): KubernetesObject[] {
  const chart = new Chart(Testing.app(), 'kubejobs');
  new KubejobsController(chart, 'controller', props);
  return (Testing.synth(chart) as KubernetesObject[]).filter((o) => IDENTITY_KINDS.has(o.kind ?? ''));
}

/**
 * One probe per rule of the Roles bound to the ServiceAccount: once the authorizer allows them
 * all, the bindings are live. (The construct may emit other ClusterRoles, e.g. for users.)
 */
function accessesGranted(objects: readonly KubernetesObject[], namespace: string, serviceAccount: string): Access[] {
  type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };
  type Subject = { kind?: string; name?: string; namespace?: string };
  type Binding = KubernetesObject & { roleRef?: { kind?: string; name?: string }; subjects?: Subject[] };
  const bound = (objects as Binding[])
    .filter((b) => (b.kind === 'ClusterRoleBinding' || b.kind === 'RoleBinding') &&
      (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && s.namespace === namespace))
    .map((b) => `${b.roleRef?.kind}/${b.kind === 'RoleBinding' ? b.metadata?.namespace : ''}/${b.roleRef?.name}`);
  return objects
    .filter((o) => bound.includes(`${o.kind}/${o.kind === 'Role' ? o.metadata?.namespace : ''}/${o.metadata?.name}`))
    .flatMap((role) => ((role as { rules?: Rule[] }).rules ?? []).flatMap((rule) => (rule.resources ?? []).map((r) => {
      const [resource, subresource] = r.split('/');
      return {
        verb: rule.verbs?.[0] ?? 'get',
        group: rule.apiGroups?.[0] ?? '',
        resource: resource!,
        subresource,
        namespace: role.kind === 'Role' ? role.metadata?.namespace : undefined,
      };
    })));
}

/**
 * Applies the controller's identity to `plane` (as admin), waits until the authorizer honours its
 * bindings, and requests a token. Prefer {@link controllerIdentity}, which does this once per plane.
 */
export async function installControllerIdentity(
  plane: ControlPlane, props: KubejobsControllerProps = {},
): Promise<ControllerIdentity> {
  const objects = controllerIdentityManifests(props);
  const account = objects.find((o) => o.kind === 'ServiceAccount');
  const namespace = account?.metadata?.namespace;
  const serviceAccount = account?.metadata?.name;
  if (namespace === undefined || serviceAccount === undefined) {
    throw new Error('KubejobsController synthesised no namespaced ServiceAccount');
  }
  await applyManifests(plane.kubeConfig, objects);
  const user = serviceAccountUser(namespace, serviceAccount);
  const accesses = accessesGranted(objects, namespace, serviceAccount);
  if (accesses.length === 0) throw new Error(`KubejobsController bound no Role with rules to ${user}`);
  await waitUntilAllowed(plane.kubeConfig, user, accesses);
  const token = await requestServiceAccountToken(plane.kubeConfig, namespace, serviceAccount);

  const files = new Map<string, string>();
  const kubeconfigPath = (server = plane.server): string => {
    let file = files.get(server);
    if (file === undefined) {
      file = writeKubeconfig(path.join(plane.workDir, `${namespace}-${serviceAccount}-${files.size}.kubeconfig`), {
        server, user, caData: plane.caData, credentials: { token },
      });
      files.set(server, file);
    }
    return file;
  };
  return {
    namespace,
    serviceAccount,
    user,
    token,
    objects,
    kubeconfigPath,
    kubeConfig: (server = plane.server) => tokenKubeConfig(server, token, plane.caData, user),
  };
}

const installed = new WeakMap<ControlPlane, Map<string, Promise<ControllerIdentity>>>();

/**
 * The controller's identity in `plane`, installed on first use and shared afterwards (the
 * objects and the token live as long as the plane). Different `props` (e.g. another namespace)
 * give different identities.
 */
export function controllerIdentity(plane: ControlPlane, props: KubejobsControllerProps = {}): Promise<ControllerIdentity> {
  let byProps = installed.get(plane);
  if (byProps === undefined) {
    byProps = new Map();
    installed.set(plane, byProps);
  }
  const key = JSON.stringify(props);
  let identity = byProps.get(key);
  if (identity === undefined) {
    identity = installControllerIdentity(plane, props);
    byProps.set(key, identity);
    // A failed install may be retried by the next caller.
    identity.catch(() => byProps!.delete(key));
  }
  return identity;
}
