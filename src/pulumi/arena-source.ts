import * as pulumi from '@pulumi/pulumi';
import { ArenaSource as ArenaSourceConstruct, ArenaSourceProps } from '../arena-source';
import { CustomResourceComponent } from './custom-resource-component';
import { ARENA_SOURCE } from '../api';
import { MetadataArgs } from './inputs';

/** Arguments of the `ArenaSource` component: the props of the cdk8s `ArenaSource`, with metadata accepting `pulumi.Input`s. */
export type ArenaSourceArgs = Omit<ArenaSourceProps, 'metadata'> & {
  /**
   * Metadata of the ArenaSource.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
};

/** An Omnia `ArenaSource` in a Pulumi stack: the same custom resource the cdk8s `ArenaSource` emits for the same props. */
export class ArenaSource extends CustomResourceComponent<ArenaSourceArgs, ArenaSourceProps, ArenaSourceConstruct> {
  public constructor(name: string, args: ArenaSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'ArenaSource', customResource: ARENA_SOURCE, groups: ['workloads'], construct: (s, id, p) => new ArenaSourceConstruct(s, id, p) }, name, args, opts);
  }
}
