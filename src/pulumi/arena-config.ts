import * as pulumi from '@pulumi/pulumi';
import { ArenaConfig as ArenaConfigConstruct, ArenaConfigProps, ArenaReference } from '../arena-config';
import { CustomResourceComponent } from './custom-resource-component';
import { ARENA_CONFIG } from '../api';
import { MetadataArgs, WithInputs } from './inputs';

/** A reference to a Provider or tool registry whose name and namespace accept `pulumi.Input`s. */
export type ArenaReferenceArgs = WithInputs<ArenaReference, 'name' | 'namespace'>;

/**
 * Arguments of the `ArenaConfig` component: the props of the cdk8s `ArenaConfig`, where metadata,
 * the source name and the provider and tool registry references accept `pulumi.Input`s.
 */
export type ArenaConfigArgs = Omit<WithInputs<ArenaConfigProps, 'sourceName'>, 'metadata' | 'providers' | 'toolRegistries'> & {
  /**
   * Metadata of the ArenaConfig.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
  /**
   * LLM providers to run the scenarios against (at least one when set).
   *
   * @default - none; the config is not Ready until it has one
   */
  readonly providers?: ArenaReferenceArgs[];
  /**
   * Tool registries available to the scenarios.
   *
   * @default - none
   */
  readonly toolRegistries?: ArenaReferenceArgs[];
};

/**
 * An Omnia `ArenaConfig` in a Pulumi stack: the same custom resource the cdk8s `ArenaConfig`
 * emits for the same props. Pass it as the `config` of an `ArenaJob` component.
 */
export class ArenaConfig extends CustomResourceComponent<ArenaConfigArgs, ArenaConfigProps, ArenaConfigConstruct> {
  public constructor(name: string, args: ArenaConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'ArenaConfig', customResource: ARENA_CONFIG, groups: ['workloads'], construct: (s, id, p) => new ArenaConfigConstruct(s, id, p) }, name, args, opts);
  }
}
