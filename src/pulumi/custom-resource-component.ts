import * as pulumi from '@pulumi/pulumi';
import { CustomResource } from '../custom-resource';
import { ComponentDefinition, KubejobsComponent } from './component';

/**
 * Base of the components whose construct emits one custom resource (`GenericJob`, `ArenaJob`,
 * `ArenaConfig`, ...): outputs its name and namespace.
 */
export abstract class CustomResourceComponent<Args, Props, C extends CustomResource> extends KubejobsComponent<Args, Props, C> {
  /** Name of the custom resource: `metadata.name`, or `<component name>-<hash>` when unset. */
  public readonly name: pulumi.Output<string>;
  /** Namespace of the custom resource; `undefined` means the provider's default namespace. */
  public readonly namespace: pulumi.Output<string | undefined>;

  protected constructor(definition: ComponentDefinition<Args, Props, C>, name: string, args: Args, opts?: pulumi.ComponentResourceOptions) {
    super(definition, name, args, opts);
    this.name = this.rendered.apply((r) => r.construct.name);
    this.namespace = this.rendered.apply((r) => r.construct.metadata.namespace);
    this.registerOutputs({ name: this.name, namespace: this.namespace });
  }
}
