/**
 * Smoke test of the real control plane used by the cluster tests: etcd +
 * kube-apiserver + kube-controller-manager built from the Go module proxy.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubernetesObject,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Job,
  V1Pod,
  VersionApi,
} from '@kubernetes/client-node';
import { applyManifests, describeError, freshNamespace, TEST_FIELD_MANAGER, waitFor } from './kube-helpers';
import { useControlPlane } from './use-control-plane';

jest.setTimeout(120_000);

const plane = useControlPlane();

test('serves the Kubernetes version pinned in K8S_VERSION', async () => {
  const expected = fs.readFileSync(path.join(__dirname, 'K8S_VERSION'), 'utf8').trim();
  const version = await plane().kubeConfig.makeApiClient(VersionApi).getCode();
  expect(version.gitVersion).toBe(expected);
});

test('kube-controller-manager runs the Job controller (Job -> Pod) and the garbage collector', async () => {
  const kc = plane().kubeConfig;
  const namespace = await freshNamespace(kc);
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'smoke' },
    data: { hello: 'world' },
  };
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'smoke' },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'registry.invalid/never-pulled:1', command: ['true'] }],
        },
      },
    },
  };
  const [storedConfigMap] = await applyManifests(kc, [configMap, job], { namespace });

  // Server-side apply recorded our field manager.
  expect(storedConfigMap.metadata?.namespace).toBe(namespace);
  expect(storedConfigMap.metadata?.managedFields?.map((f) => [f.manager, f.operation]))
    .toContainEqual([TEST_FIELD_MANAGER, 'Apply']);

  const core = kc.makeApiClient(CoreV1Api);
  const pods = await waitFor('a Pod created by the Job controller', async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector: 'batch.kubernetes.io/job-name=smoke' });
    return list.items.length > 0 ? list.items : undefined;
  }, { timeoutMs: 30_000 });
  const owner = pods[0].metadata?.ownerReferences?.[0];
  expect(owner).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', name: 'smoke', controller: true });

  // Deleting the Job in the background leaves the Pods to the garbage collector.
  await kc.makeApiClient(BatchV1Api).deleteNamespacedJob({ name: 'smoke', namespace, propagationPolicy: 'Background' });
  await waitFor('the garbage collector to delete the Job\'s Pods', async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector: 'batch.kubernetes.io/job-name=smoke' });
    return list.items.length === 0;
  }, { timeoutMs: 60_000 });
});

test('PodSecurity admission enforces the restricted profile', async () => {
  const kc = plane().kubeConfig;
  const namespace = await freshNamespace(kc, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const core = kc.makeApiClient(CoreV1Api);
  const pod = (name: string, securityContext: V1Pod['spec']): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: securityContext,
  });

  const root = pod('root', {
    containers: [{ name: 'main', image: 'registry.invalid/x:1', securityContext: { runAsUser: 0 } }],
  });
  let rejection: unknown;
  try {
    await core.createNamespacedPod({ namespace, body: root });
  } catch (err) {
    rejection = err;
  }
  expect(rejection).toBeInstanceOf(ApiException);
  expect((rejection as ApiException<unknown>).code).toBe(403);
  expect(describeError(rejection)).toMatch(/violates PodSecurity "restricted/);

  // The same namespace admits a Pod that meets the profile, so the rejection
  // above is PodSecurity and not something else.
  const compliant = pod('compliant', {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: 'main',
      image: 'registry.invalid/x:1',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    }],
  });
  const created = await core.createNamespacedPod({ namespace, body: compliant });
  expect(created.metadata?.name).toBe('compliant');
});

test('applyManifests applies a CRD and an instance of it in one call', async () => {
  const kc = plane().kubeConfig;
  const namespace = await freshNamespace(kc, {}, { waitForDefaultServiceAccount: false });
  const crd: V1CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.smoke.kubejobs.test' },
    spec: {
      group: 'smoke.kubejobs.test',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
            },
          },
        },
      }],
    },
  };
  const widget: KubernetesObject & { spec: { size: number } } = {
    apiVersion: 'smoke.kubejobs.test/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec: { size: 3 },
  };
  // The instance comes first on purpose: applyManifests must order it after the CRD.
  const [storedWidget] = await applyManifests(kc, [widget, crd], { namespace });
  expect(storedWidget.metadata?.namespace).toBe(namespace);
  expect(storedWidget.metadata?.uid).toBeDefined();

  // The CRD schema is enforced by the real apiserver.
  await expect(applyManifests(kc, [{ ...widget, spec: { size: 0 } }], { namespace }))
    .rejects.toThrow(/spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1/);
});
