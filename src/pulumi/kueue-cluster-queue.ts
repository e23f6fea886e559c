import * as pulumi from '@pulumi/pulumi';
import { FlavorQuotaOptions, KueueClusterQueue as KueueClusterQueueConstruct, KueueClusterQueueProps, ResourceGroupOptions } from '../kueue-cluster-queue';
import { CustomResourceComponent } from './custom-resource-component';
import { KUEUE_CLUSTER_QUEUE } from '../api';
import { MetadataArgs, NameRef, nameRefOf } from './inputs';

/** A flavor's quota whose flavor is a `KueueResourceFlavor` component, `{ name }` or a name input. */
export type FlavorQuotaArgs = Omit<FlavorQuotaOptions, 'flavor'> & {
  /** The ResourceFlavor, or its name. */
  readonly flavor: NameRef | pulumi.Input<string>;
};

/** A resource group whose flavors accept `pulumi.Input` names. */
export type ResourceGroupArgs = Omit<ResourceGroupOptions, 'flavors'> & {
  /** The flavors; Kueue tries them in this order. */
  readonly flavors: FlavorQuotaArgs[];
};

/**
 * Arguments of the `KueueClusterQueue` component: the props of the cdk8s `KueueClusterQueue`,
 * with metadata and flavor names accepting `pulumi.Input`s.
 */
export type KueueClusterQueueArgs = Omit<KueueClusterQueueProps, 'metadata' | 'resourceGroups'> & {
  /**
   * Metadata of the ClusterQueue.
   *
   * @default - name `<component name>-<hash>`
   */
  readonly metadata?: MetadataArgs;
  /**
   * Resource groups with their flavors' quotas.
   *
   * @default - none
   */
  readonly resourceGroups?: ResourceGroupArgs[];
};

/** A Kueue `ClusterQueue` in a Pulumi stack: the object the cdk8s `KueueClusterQueue` emits for the same props. */
export class KueueClusterQueue extends CustomResourceComponent<KueueClusterQueueArgs, KueueClusterQueueProps, KueueClusterQueueConstruct> {
  public constructor(name: string, args: KueueClusterQueueArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'KueueClusterQueue', customResource: KUEUE_CLUSTER_QUEUE, groups: ['workloads'], construct: (s, id, p) => new KueueClusterQueueConstruct(s, id, p) }, name, {
      ...args,
      resourceGroups: args.resourceGroups?.map((g) => ({ ...g, flavors: g.flavors.map((f) => ({ ...f, flavor: nameRefOf(f.flavor) })) })),
    }, opts);
  }
}
