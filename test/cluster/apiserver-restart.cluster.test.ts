/**
 * ControlPlane.stopApiServer() / startApiServer(): the API goes away mid-test and comes back on
 * the same address with the same etcd, so tests can check what clients do across an outage.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { freshNamespace, waitFor } from './kube-helpers';
import { RawRequest } from './raw-request';
import { clusterAdminServiceAccount, requestServiceAccountToken, tokenKubeConfig } from './service-account-token';
import { useControlPlane } from './use-control-plane';

jest.setTimeout(180_000);

const plane = useControlPlane();

async function whoAmI(kc: KubeConfig): Promise<string | undefined> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username;
}

test.each(['SIGTERM', 'SIGKILL'] as const)('after %s, requests fail; after the restart objects and tokens are still there', async (signal) => {
  const { kubeConfig: kc, server, caData } = plane();
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = await freshNamespace(kc);
  const before = await core.createNamespacedConfigMap({
    namespace, body: { metadata: { name: 'survivor' }, data: { signal } },
  });
  const token = await requestServiceAccountToken(kc, namespace, 'default');
  expect(await whoAmI(tokenKubeConfig(server, token, caData))).toBe(`system:serviceaccount:${namespace}:default`);
  // A watch open across the outage: the stop must end it, as a real apiserver going away does.
  const watcherToken = await clusterAdminServiceAccount(kc, namespace, 'watcher');
  const watch = RawRequest.send(server, `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=${before.metadata?.resourceVersion}`,
    { token: watcherToken, caData });
  expect(await watch.response).toBe(200);

  await plane().stopApiServer({ signal });

  await expect(core.readNamespacedConfigMap({ name: 'survivor', namespace })).rejects.toThrow(/ECONNREFUSED/);
  await waitFor('the open watch to end', async () => watch.state === 'ended' || watch.state === 'failed');

  await plane().startApiServer();

  const after = await core.readNamespacedConfigMap({ name: 'survivor', namespace });
  expect(after.metadata?.uid).toBe(before.metadata?.uid);
  expect(after.data).toEqual({ signal });
  // Same signing key and issuer: a token issued before the outage still authenticates.
  expect(await whoAmI(tokenKubeConfig(server, token, caData))).toBe(`system:serviceaccount:${namespace}:default`);
  // kube-controller-manager reconnected by itself: it creates the default ServiceAccount of a new namespace.
  await freshNamespace(kc, {}, { waitForDefaultServiceAccount: true });
});

test('stopApiServer() and startApiServer() are idempotent', async () => {
  await plane().startApiServer(); // already running: no-op
  await plane().stopApiServer();
  await plane().stopApiServer(); // already stopped: no-op
  await plane().startApiServer();
  const list = await plane().kubeConfig.makeApiClient(CoreV1Api).listNamespace();
  expect(list.items.map((n) => n.metadata?.name)).toContain('kube-system');
});
