import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { IConstruct } from 'constructs';
import { CustomResourceDefinitionSpec, gvkOf } from '../api';
import { immutableFields } from './immutable-fields';
import { containsInputs, outputOf, resolveInputs } from './inputs';
import { ConstructFactory, ManifestGroup, ManifestGroups, MANIFEST_GROUPS, Rendered, renderConstruct } from './render';

/** How a Pulumi component renders its cdk8s construct. */
export interface ComponentDefinition<Args, Props, C extends IConstruct> {
  /** The component's name in its type token `kubejobs:index:<typeName>`. */
  readonly typeName: string;
  /**
   * The groups the construct's objects fall into, in apply order. The groups are created up
   * front, before inputs are resolved, so they are declared here rather than found by rendering.
   */
  readonly groups: readonly ManifestGroup[];
  /**
   * The kind of the construct's own custom resource, if it emits one. That object is registered as
   * a `k8s.apiextensions.CustomResource`, not inside the workloads ConfigGroup: a `yaml/v2`
   * ConfigGroup cannot resolve a kind whose CRD is created in the same update (pulumi-kubernetes
   * issue 3176: "failed to determine if the following GVK is namespaced"), which is exactly the
   * case of a job deployed with its `KubejobsController` in one stack.
   *
   * A change to a field the kind's CEL transition rules make immutable ({@link immutableFields})
   * replaces that object (delete, then create: its name does not change), as the plan shows.
   */
  readonly customResource?: CustomResourceDefinitionSpec;
  /** Defines the construct. */
  readonly construct: ConstructFactory<Props, C>;
  /**
   * Turns the args, with every `pulumi.Input` resolved, into the construct's props.
   *
   * @default - the args are the props
   */
  readonly toProps?: (args: Args) => Props;
}

/**
 * Base of the kubejobs Pulumi components: renders the cdk8s construct in an internal chart and
 * hands the objects to `@pulumi/kubernetes` as `yaml.v2.ConfigGroup`s, CRDs first, then the
 * controller, then the workloads, each group depending on the one before it. The CRDs carry one
 * annotation cdk8s does not write, `pulumi.com/waitFor: condition=Established`, so that their
 * group is done only once every kind is served.
 *
 * Args without `pulumi.Output`s are rendered in the constructor, so bad args throw a
 * `pulumi.ResourceError` at once. Args with outputs are rendered when they resolve; a bad value
 * then fails the deployment with the same `ResourceError`.
 */
export abstract class KubejobsComponent<Args, Props, C extends IConstruct> extends pulumi.ComponentResource {
  /** The CustomResourceDefinitions, if the component installs any. */
  public readonly crdGroup?: k8s.yaml.v2.ConfigGroup;
  /** The controller (namespace, RBAC, Deployment, Service), if the component runs one. */
  public readonly controllerGroup?: k8s.yaml.v2.ConfigGroup;
  /** The workloads: custom resources and what runs them. */
  public readonly workloadGroup?: k8s.yaml.v2.ConfigGroup;
  /** The construct's own custom resource, for components that emit one (see {@link ComponentDefinition.customResource}). */
  public readonly customResource?: k8s.apiextensions.CustomResource;
  /** Every object handed to Pulumi, in apply order: exactly what `cdk8s synth` writes for the same props. */
  public readonly manifests: pulumi.Output<Record<string, any>[]>;

  /** The construct as rendered, for the subclasses' outputs. */
  protected readonly rendered: pulumi.Output<Rendered<C>>;

  protected constructor(definition: ComponentDefinition<Args, Props, C>, name: string, args: Args, opts?: pulumi.ComponentResourceOptions) {
    super(`kubejobs:index:${definition.typeName}`, name, {}, opts);

    const render = (resolved: Args): Rendered<C> => {
      try {
        const props = definition.toProps ? definition.toProps(resolved) : (resolved as unknown as Props);
        const rendered = renderConstruct(name, definition.construct, props);
        checkGroups(definition, rendered.groups);
        return rendered;
      } catch (err) {
        throw new pulumi.ResourceError(err instanceof Error ? err.message : String(err), this);
      }
    };
    // Known args are rendered now, so that a bad prop fails `new X(...)` itself, with a stack
    // trace into the user's program.
    const known = !containsInputs(args);
    this.rendered = known ? outputOf(render(args)) : resolveInputs(args).apply(render);

    const own = definition.customResource ? gvkOf(definition.customResource) : undefined;
    const replaceOnChanges = definition.customResource ? immutableFields(definition.customResource) : [];
    const isOwn = (o: Record<string, any>): boolean => own !== undefined && o.apiVersion === own.apiVersion && o.kind === own.kind;
    const groups: Partial<Record<ManifestGroup, k8s.yaml.v2.ConfigGroup>> = {};
    let previous: pulumi.Resource | undefined;
    for (const group of definition.groups) {
      // The first group waits for what the component waits for; each other group for the one before.
      const dependsOn = previous ? [previous] : opts?.dependsOn;
      const objs = this.rendered.apply((r) => r.groups[group].filter((o) => !isOwn(o)).map(group === 'crds' ? awaitEstablished : (o) => o));
      previous = groups[group] = new k8s.yaml.v2.ConfigGroup(`${name}-${group}`, { objs }, { parent: this, dependsOn });
      if (group === 'workloads' && own) {
        const object = this.rendered.apply((r) => ownObject(definition.typeName, r.groups.workloads.filter(isOwn)));
        this.customResource = new k8s.apiextensions.CustomResource(name, {
          apiVersion: own.apiVersion,
          kind: own.kind,
          metadata: object.apply((o) => o.metadata),
          spec: object.apply((o) => o.spec),
        }, { parent: this, dependsOn, replaceOnChanges, deleteBeforeReplace: true });
      }
    }
    this.crdGroup = groups.crds;
    this.controllerGroup = groups.controller;
    this.workloadGroup = groups.workloads;
    this.manifests = this.rendered.apply((r) => MANIFEST_GROUPS.flatMap((g) => r.groups[g]));
  }
}

/**
 * The provider's documented annotation that makes it wait for a condition before the object's
 * create or update step ends. Without it the Kubernetes provider (4.x) does not wait for a CRD at
 * all, so a custom resource could reach the API server before its kind is served.
 */
export const WAIT_FOR_ANNOTATION = 'pulumi.com/waitFor';

/** A CRD with {@link WAIT_FOR_ANNOTATION} `condition=Established`: the only change to the synthesised objects. */
function awaitEstablished(crd: Record<string, any>): Record<string, any> {
  const metadata = crd.metadata ?? {};
  return { ...crd, metadata: { ...metadata, annotations: { ...metadata.annotations, [WAIT_FOR_ANNOTATION]: 'condition=Established' } } };
}

/** The one custom resource of a component's own kind, with only the fields a CustomResource carries. */
function ownObject(typeName: string, objects: Record<string, any>[]): Record<string, any> {
  if (objects.length !== 1) {
    throw new Error(`${typeName} rendered ${objects.length} objects of its own kind into the workloads group; a component registers exactly one`);
  }
  const extra = Object.keys(objects[0]).filter((k) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(k));
  if (extra.length > 0) {
    throw new Error(`${typeName} rendered its custom resource with top-level fields ${extra.join(', ')}, which the component does not pass on`);
  }
  return objects[0];
}

function checkGroups(definition: ComponentDefinition<any, any, any>, groups: ManifestGroups): void {
  for (const group of MANIFEST_GROUPS) {
    if (definition.groups.includes(group)) continue;
    const stray = groups[group][0];
    if (stray) {
      throw new Error(`${definition.typeName} rendered ${stray.kind} '${stray.metadata?.name}' into the '${group}' group, which the component does not declare: add '${group}' to its groups`);
    }
  }
}
