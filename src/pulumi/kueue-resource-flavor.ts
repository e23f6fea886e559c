import * as pulumi from '@pulumi/pulumi';
import { KueueResourceFlavor as KueueResourceFlavorConstruct, KueueResourceFlavorProps } from '../kueue-resource-flavor';
import { CustomResourceComponent } from './custom-resource-component';
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
    super({ typeName: 'KueueResourceFlavor', groups: ['workloads'], construct: (s, id, p) => new KueueResourceFlavorConstruct(s, id, p) }, name, args, opts);
  }
}
