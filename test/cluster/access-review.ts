import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitFor, WaitOptions } from './kube-helpers';

/** A request as `kubectl auth can-i` phrases it; `namespace` undefined = all namespaces / cluster scope. */
export interface Access {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
}

/** The groups the apiserver gives every token of a ServiceAccount user `system:serviceaccount:<ns>:<name>`. */
export function serviceAccountGroups(user: string): string[] {
  const namespace = /^system:serviceaccount:([^:]+):/.exec(user)?.[1];
  return namespace === undefined ? ['system:authenticated']
    : ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** Asks the authorizer (SubjectAccessReview, as `adminKc`) whether `user` may do `access`. */
export async function isAllowed(adminKc: KubeConfig, user: string, access: Access): Promise<boolean> {
  const review = await adminKc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups: serviceAccountGroups(user), resourceAttributes: { ...access } },
    },
  });
  return review.status?.allowed === true;
}

/**
 * Waits until the authorizer allows `user` every access. RBAC objects reach the authorizer
 * through an informer, so a binding just written may not count yet: a client started at once
 * could see a 403 that no real deployment would.
 */
export async function waitUntilAllowed(
  adminKc: KubeConfig, user: string, accesses: readonly Access[], options: WaitOptions = {},
): Promise<void> {
  let denied: Access[] = [];
  try {
    await waitFor(`RBAC to allow ${user}`, async () => {
      const answers = await Promise.all(accesses.map(async (a) => [a, await isAllowed(adminKc, user, a)] as const));
      denied = answers.filter(([, ok]) => !ok).map(([a]) => a);
      return denied.length === 0;
    }, { timeoutMs: 30_000, intervalMs: 200, ...options });
  } catch (err) {
    throw new Error(`${(err as Error).message}; still denied: ${JSON.stringify(denied)}`);
  }
}
