import { ApiObject, App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { CRD_INSTALLER_SYMBOL } from '../custom-resource';

/**
 * The groups a component hands to Pulumi, applied in this order: CRDs first, then the controller
 * that serves them, then the workloads (custom resources and what runs them).
 */
export const MANIFEST_GROUPS = ['crds', 'controller', 'workloads'] as const;

/** One of `MANIFEST_GROUPS`. */
export type ManifestGroup = typeof MANIFEST_GROUPS[number];

/** Rendered Kubernetes objects, split into the groups Pulumi applies one after the other. */
export type ManifestGroups = Record<ManifestGroup, Record<string, any>[]>;

/** Defines a cdk8s construct from props, as `new Construct(scope, id, props)` does. */
export type ConstructFactory<P, C extends IConstruct> = (scope: Construct, id: string, props: P) => C;

/** What rendering produced: the construct (for outputs) and its objects by group. */
export interface Rendered<C extends IConstruct> {
  /** The construct, defined in the internal chart. */
  readonly construct: C;
  /** The objects `chart.toJson()` returned, split into groups, each in `toJson()` order. */
  readonly groups: ManifestGroups;
}

/**
 * The construct id used inside the internal chart. `Default` is hidden by cdk8s' name generator,
 * so a generated name is `<component name>-<hash>`, like Pulumi's own auto-names.
 */
export const CONSTRUCT_ID = 'Default';

/**
 * Defines `factory(chart, 'Default', props)` in a fresh cdk8s app, in a chart with id
 * `chartId` (the Pulumi component's name), and returns exactly what `chart.toJson()` returns,
 * split into groups.
 *
 * So `new GenericJob('train', props)` (Pulumi) produces the same objects as
 * `new GenericJob(new Chart(app, 'train'), 'Default', props)` in a cdk8s app.
 *
 * Errors are the construct's own: a constructor error propagates as is, and the synth-time
 * validation errors (which cdk8s would prefix with `Validation failed ...` and the construct
 * path) are reported with their own messages, one per line.
 */
export function renderConstruct<P, C extends IConstruct>(chartId: string, factory: ConstructFactory<P, C>, props: P): Rendered<C> {
  const chart = new Chart(new App(), chartId);
  const construct = factory(chart, CONSTRUCT_ID, props);
  const problems = chart.node.findAll().flatMap((c) => c.node.validate());
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const objects: Record<string, any>[] = chart.toJson();
  return { construct, groups: splitIntoGroups(chart, objects) };
}

/**
 * Splits `objects` (the chart's `toJson()`) by kind and owner: CustomResourceDefinitions go
 * first wherever they come from; the other objects of a CRD installer (`KubejobsController`:
 * namespace, RBAC, Deployment, Service) are the controller; everything else is a workload.
 */
export function splitIntoGroups(chart: Chart, objects: readonly Record<string, any>[]): ManifestGroups {
  const controllerObjects = new Set<string>();
  for (const c of chart.node.findAll()) {
    // Keyed by the object as rendered (JSON patches applied, e.g. no namespace on cluster-scoped kinds).
    if (c instanceof ApiObject && isOwnedByCrdInstaller(c)) controllerObjects.add(keyOf(c.toJson()));
  }
  const groups: ManifestGroups = { crds: [], controller: [], workloads: [] };
  for (const o of objects) {
    if (isCrd(o)) groups.crds.push(o);
    else if (controllerObjects.has(keyOf(o))) groups.controller.push(o);
    else groups.workloads.push(o);
  }
  return groups;
}

function isCrd(o: Record<string, any>): boolean {
  return o.kind === 'CustomResourceDefinition' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('apiextensions.k8s.io/');
}

function isOwnedByCrdInstaller(c: IConstruct): boolean {
  return c.node.scopes.some((s) => CRD_INSTALLER_SYMBOL in s);
}

// Kind, namespace and name identify an object among the objects of one chart.
function keyOf(o: Record<string, any>): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name ?? ''}`;
}
