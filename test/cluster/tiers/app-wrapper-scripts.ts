import { PodScript, podScript } from './pod-script';

/**
 * A copy of an AppWrapper whose pods live as `scriptOf(path)` says: the annotations of the pod
 * template at each of its pod sets' `path` (e.g. `template.spec.pytorchReplicaSpecs.Master.template`)
 * get the pod-script annotations, which the inner job's controller copies onto the pods it makes.
 */
export function scriptAppWrapperPods(appWrapper: Record<string, any>, scriptOf: (podSetPath: string) => PodScript): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(appWrapper));
  for (const c of copy.spec.components as Record<string, any>[]) {
    for (const ps of (c.podSets ?? []) as { path: string }[]) {
      const template = resolve({ template: c.template }, ps.path);
      if (template === undefined) throw new Error(`AppWrapper ${copy.metadata.name}: pod set path ${ps.path} leads nowhere`);
      template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, ...podScript(scriptOf(ps.path)) } };
    }
  }
  return copy;
}

function resolve(root: Record<string, any>, path: string): Record<string, any> | undefined {
  let current: any = root;
  for (const step of path.match(/[^.[\]]+/g) ?? []) {
    if (current === undefined || current === null) return undefined;
    current = current[/^\d+$/.test(step) ? Number(step) : step];
  }
  return current;
}
