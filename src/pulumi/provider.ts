import * as pulumi from '@pulumi/pulumi';
import { Provider as ProviderConstruct, ProviderProps } from '../provider';
import { CustomResourceComponent } from './custom-resource-component';
import { PROVIDER } from '../api';
import { MetadataArgs, WithInputs } from './inputs';

/** Arguments of the `Provider` component: the props of the cdk8s `Provider`, where metadata and the Secret name accept `pulumi.Input`s. */
export type ProviderArgs = Omit<WithInputs<ProviderProps, 'secretName'>, 'metadata'> & {
  /**
   * Metadata of the Provider.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
};

/** An Omnia `Provider` in a Pulumi stack: the same custom resource the cdk8s `Provider` emits for the same props. */
export class Provider extends CustomResourceComponent<ProviderArgs, ProviderProps, ProviderConstruct> {
  public constructor(name: string, args: ProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'Provider', customResource: PROVIDER, groups: ['workloads'], construct: (s, id, p) => new ProviderConstruct(s, id, p) }, name, args, opts);
  }
}
