import * as pulumi from '@pulumi/pulumi';
import { KueueResourceFlavor as KueueResourceFlavorConstruct, KueueResourceFlavorProps } from '../kueue-resource-flavor';
import { CustomResourceComponent } from './custom-resource-component';
import { KUEUE_RESOURCE_FLAVOR } from '../api';
import { MetadataArgs } from './inputs';

/** Arguments of the `KueueResourceFlavor` component: the props of the cdk8s `KueueResourceFlavor`, with metadata accepting `pulumi.Input`s. */
export type KueueResourceFlavorArgs = Omit<KueueResourceFlavorProps, 'metadata'> & {
  /**
   * Metadata of the ResourceFlavor.
   *
   * @default - name `<component name>-<hash>`
   */
  readonly metadata?: MetadataArgs;
};

/** A Kueue `ResourceFlavor` in a Pulumi stack: the object the cdk8s `KueueResourceFlavor` emits for the same props. */
export class KueueResourceFlavor extends CustomResourceComponent<KueueResourceFlavorArgs, KueueResourceFlavorProps, KueueResourceFlavorConstruct> {
  public constructor(name: string, args: KueueResourceFlavorArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'KueueResourceFlavor', customResource: KUEUE_RESOURCE_FLAVOR, groups: ['workloads'], construct: (s, id, p) => new KueueResourceFlavorConstruct(s, id, p) }, name, args, opts);
  }
}
