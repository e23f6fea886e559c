import { applyVerb } from './apply-outcome';
import { ManifestObject } from './synth';
import { KubeClient, PATCH_CONTENT_TYPE } from '../controller/kube-client';

/** The field manager of everything `kubejobs submit` applies. */
export const FIELD_MANAGER = 'kubejobs';

/** Where a kind lives in the REST API. */
export interface ResourceInfo {
  /** e.g. `appwrappers`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  readonly base: string;
  /** kubectl's `resource.group` (e.g. `appwrapper.workload.codeflare.dev`, or `service` in the core group). */
  readonly display: string;
}

interface ApiResourceList { resources: Array<{ name: string; kind: string; namespaced: boolean }> }

/** Looks a kind up through API discovery; an unknown kind names the CRD to install. */
export async function resourceOf(client: KubeClient, apiVersion: string, kind: string): Promise<ResourceInfo> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await client.get<ApiResourceList>(base);
  const resource = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  if (!resource) {
    throw new Error(`the cluster does not serve ${kind} (${apiVersion}): install its CustomResourceDefinition first (for kubejobs kinds: the KubejobsCrds construct or 'kubectl apply -f' of the CRDs)`);
  }
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return { plural: resource.name, namespaced: resource.namespaced, base, display: `${kind.toLowerCase()}${group ? `.${group}` : ''}` };
}

/** The URL path of one object of a kind. */
export function objectPath(info: ResourceInfo, namespace: string, name: string): string {
  return `${info.base}${info.namespaced ? `/namespaces/${namespace}` : ''}/${info.plural}/${encodeURIComponent(name)}`;
}

/**
 * Server-side applies each object (field manager `kubejobs`, without forcing: a field another
 * manager owns is a conflict, as with `kubectl apply --server-side`) and returns kubectl-style
 * lines: `appwrapper.workload.codeflare.dev/x created`, `configured` or `unchanged`.
 */
export async function applyObjects(client: KubeClient, namespace: string, objects: readonly ManifestObject[]): Promise<string[]> {
  const lines: string[] = [];
  for (const object of objects) {
    const info = await resourceOf(client, object.apiVersion, object.kind);
    const body = info.namespaced ? { ...object, metadata: { ...object.metadata, namespace } } : object;
    const path = objectPath(info, namespace, object.metadata.name);
    const before = await client.get<object>(path);
    const after = await client.request<object>(
      'PATCH', `${path}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict`, body, PATCH_CONTENT_TYPE.apply);
    const verb = applyVerb(body, FIELD_MANAGER, before, after);
    lines.push(`${info.display}/${object.metadata.name} ${verb}`);
  }
  return lines;
}
