import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object read from an upstream manifest. */
export type Manifest = Record<string, any> & { apiVersion: string; kind: string; metadata: Record<string, any> };

/** Every object in the YAML file(s), in order (empty documents dropped). */
export function readManifests(...files: string[]): Manifest[] {
  return files.flatMap((file) => parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null && typeof o === 'object' && typeof o.kind === 'string'));
}

/** The files a `kustomization.yaml` lists under `resources` (directories and remote bases are not followed). */
export function kustomizationFiles(dir: string): string[] {
  const [kustomization] = parseAllDocuments(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')).map((d) => d.toJS());
  return ((kustomization?.resources ?? []) as string[])
    .map((r) => path.join(dir, r))
    .filter((file) => fs.existsSync(file) && fs.statSync(file).isFile());
}

const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'CustomResourceDefinition',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

/**
 * What `kustomize build` does to RBAC objects with `namespace:` and `namePrefix:`: every object
 * gets the prefix and namespaced ones the namespace; role references and ServiceAccount subjects
 * that name an object of the same set follow the rename (references to built-in roles do not).
 */
export function kustomizeRbac(objects: readonly Manifest[], namespace: string, namePrefix = ''): Manifest[] {
  const defined = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  const rename = (kind: string, name: string): string => (defined.has(`${kind}/${name}`) ? `${namePrefix}${name}` : name);
  return objects.map((o) => {
    const out: Manifest = JSON.parse(JSON.stringify(o));
    out.metadata.name = `${namePrefix}${o.metadata.name}`;
    if (CLUSTER_SCOPED.has(o.kind)) delete out.metadata.namespace;
    else out.metadata.namespace = namespace;
    if (out.roleRef) out.roleRef.name = rename(out.roleRef.kind, out.roleRef.name);
    for (const s of (out.subjects ?? []) as Record<string, string>[]) {
      if (s.kind === 'ServiceAccount') {
        s.name = rename('ServiceAccount', s.name);
        s.namespace = namespace;
      }
    }
    return out;
  });
}
