import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Stack } from '@pulumi/pulumi/automation';
import { getJsonIfFound } from '../../cluster/kube-requests';
import { keyOf } from '../component-fixtures';

/**
 * Reads `obj` back from the API server as the server stores it; undefined when it does not exist
 * (also when its kind is not served, e.g. after its CRD was deleted).
 *
 * Raw JSON on purpose: client-node's typed read turns a CRD's schema into its model classes, which
 * rename `default` to `_default`, `enum` to `_enum` and `x-kubernetes-validations` to
 * `x_kubernetes_validations`, so a compare against `cdk8s synth` would report those fields missing.
 */
export async function readLive(kc: KubeConfig, obj: KubernetesObject): Promise<Record<string, any> | undefined> {
  const resource = await resourceOf(kc, obj.apiVersion!, obj.kind!);
  if (!resource) return undefined;
  const base = obj.apiVersion!.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const namespace = resource.namespaced ? `/namespaces/${obj.metadata!.namespace ?? 'default'}` : '';
  return await getJsonIfFound(kc, `${base}${namespace}/${resource.name}/${obj.metadata!.name}`) as Record<string, any> | undefined;
}

/** The resource (plural name, scope) serving `kind` in `apiVersion`, from the server's discovery. */
async function resourceOf(kc: KubeConfig, apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean } | undefined> {
  const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await getJsonIfFound(kc, path) as { resources: { name: string; kind: string; namespaced: boolean }[] } | undefined;
  return list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
}

/**
 * Where `live` differs from `expected`, as `path: expected X, live Y` lines; empty when every field
 * of `expected` is in `live` with the same value. Fields only in `live` (server defaults, status,
 * managedFields) are not differences.
 */
export function differences(expected: unknown, live: unknown, at = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(live) || live.length !== expected.length) return [`${at}: expected ${JSON.stringify(expected)}, live ${JSON.stringify(live)}`];
    return expected.flatMap((e, i) => differences(e, live[i], `${at}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return [`${at}: expected an object, live ${JSON.stringify(live)}`];
    return Object.entries(expected).flatMap(([k, v]) => differences(v, (live as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return expected === live ? [] : [`${at}: expected ${JSON.stringify(expected)}, live ${JSON.stringify(live)}`];
}

/** The Kubernetes objects in the stack's state (not the ConfigGroups, components or providers), by {@link keyOf}. */
export async function kubernetesObjectsInState(stack: Stack): Promise<string[]> {
  const state = await stack.exportStack();
  const resources: any[] = state.deployment?.resources ?? [];
  return resources
    .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml/') && !r.type.startsWith('pulumi:'))
    .map((r) => keyOf(r.outputs))
    .sort();
}

/** True when a CRD object's `Established` condition is True. */
export function isEstablished(crd: Record<string, any>): boolean {
  return (crd.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
}
