/**
 * The controller's identity (controller-identity.ts): the RBAC the KubejobsController construct
 * emits, applied for real, and a TokenRequest token for its ServiceAccount, in a kubeconfig that
 * points at the apiserver or at a fault proxy.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import * as fs from 'node:fs';
import {
  ApiException,
  AppsV1Api,
  AuthenticationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import { controllerIdentity, ControllerIdentity } from './controller-identity';
import { FaultProxy } from './fault-proxy';
import { freshNamespace } from './kube-helpers';
import { useControlPlane } from './use-control-plane';
import { GENERIC_JOB } from '../../src/api/generic-job';

jest.setTimeout(120_000);

const plane = useControlPlane();
let identity: ControllerIdentity;

beforeAll(async () => {
  identity = await controllerIdentity(plane());
}, 60_000);

async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

async function whoAmI(kc: KubeConfig): Promise<{ username?: string; groups?: string[] }> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo ?? {};
}

test('applies the construct\'s Namespace, ServiceAccount and RBAC, once per plane, and no Deployment', async () => {
  expect(identity).toMatchObject({
    namespace: 'kubejobs-system',
    serviceAccount: 'kubejobs-controller',
    user: 'system:serviceaccount:kubejobs-system:kubejobs-controller',
  });
  expect([...new Set(identity.objects.map((o) => o.kind))].sort())
    .toEqual(['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount']);
  expect(await controllerIdentity(plane())).toBe(identity);
  const deployments = await plane().kubeConfig.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: identity.namespace });
  expect(deployments.items).toEqual([]);
});

test('the token authenticates as the ServiceAccount and gets exactly the construct\'s permissions', async () => {
  const kc = identity.kubeConfig();
  expect(await whoAmI(kc)).toMatchObject({
    username: identity.user,
    groups: expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:kubejobs-system']),
  });
  const ns = await freshNamespace(plane().kubeConfig);
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const lease = { metadata: { name: 'probe' }, spec: { holderIdentity: 'test' } };
  // Granted: what the controller does. No GenericJob CRD is installed here, so an authorised list
  // is answered 404 (authorisation comes before routing): this tests RBAC, not the CRD.
  expect(await statusOf(kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: GENERIC_JOB.group, version: 'v1beta1', plural: GENERIC_JOB.plural,
  }))).toBe(404);
  expect(await statusOf(kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
    group: GENERIC_JOB.group, version: 'v1beta1', plural: 'notgranted',
  }))).toBe(403);
  expect(await statusOf(core.listNamespacedPod({ namespace: ns }))).toBe(200);
  expect(await statusOf(leases.createNamespacedLease({ namespace: identity.namespace, body: lease }))).toBe(200);
  // Refused: what it never needs.
  expect(await statusOf(core.listNamespacedSecret({ namespace: ns }))).toBe(403);
  expect(await statusOf(leases.createNamespacedLease({ namespace: ns, body: lease }))).toBe(403);
});

test('the kubeconfig file points at the apiserver, or through a proxy that sees the controller\'s user', async () => {
  const file = identity.kubeconfigPath();
  expect(identity.kubeconfigPath()).toBe(file);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
    clusters: [{ cluster: { server: plane().server } }],
    users: [{ user: { token: identity.token } }],
  });

  const proxy = await FaultProxy.start(plane());
  try {
    const viaProxy = new KubeConfig();
    viaProxy.loadFromFile(identity.kubeconfigPath(proxy.url));
    expect(viaProxy.getCurrentCluster()?.server).toBe(proxy.url);
    expect((await whoAmI(viaProxy)).username).toBe(identity.user);
    expect(proxy.requests()).toEqual([expect.objectContaining({
      method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', status: 201, user: identity.user,
    })]);
  } finally {
    await proxy.close();
  }
});
