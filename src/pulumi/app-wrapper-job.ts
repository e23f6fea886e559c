import * as pulumi from '@pulumi/pulumi';
import { AppWrapperJob as AppWrapperJobConstruct, AppWrapperJobProps } from '../app-wrapper-job';
import { CustomResourceComponent } from './custom-resource-component';
import { APP_WRAPPER } from '../api';
import { MetadataArgs, NameRef, nameRefOf, WithInputs } from './inputs';

/**
 * Arguments of the `AppWrapperJob` component: the props of the cdk8s `AppWrapperJob`, with
 * metadata, the image, the priority class and the Kueue queue accepting `pulumi.Input`s.
 */
export type AppWrapperJobArgs = Omit<WithInputs<AppWrapperJobProps, 'image' | 'priorityClass'>, 'metadata' | 'queue'> & {
  /**
   * Metadata of the AppWrapper.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
  /**
   * The Kueue LocalQueue: a `KueueLocalQueue` component, `{ name }` or a name.
   *
   * @default - no queue label; Kueue's default queue, if any, applies
   */
  readonly queue?: NameRef | pulumi.Input<string>;
};

/** An `AppWrapperJob` in a Pulumi stack: the objects the cdk8s `AppWrapperJob` emits for the same props. */
export class AppWrapperJob extends CustomResourceComponent<AppWrapperJobArgs, AppWrapperJobProps, AppWrapperJobConstruct> {
  public constructor(name: string, args: AppWrapperJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'AppWrapperJob', customResource: APP_WRAPPER, groups: ['workloads'], construct: (s, id, p) => new AppWrapperJobConstruct(s, id, p) }, name, {
      ...args,
      queue: args.queue === undefined ? undefined : nameRefOf(args.queue),
    }, opts);
  }
}
