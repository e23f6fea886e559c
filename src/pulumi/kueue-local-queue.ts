import * as pulumi from '@pulumi/pulumi';
import { KueueLocalQueue as KueueLocalQueueConstruct, KueueLocalQueueProps } from '../kueue-local-queue';
import { CustomResourceComponent } from './custom-resource-component';
import { KUEUE_LOCAL_QUEUE } from '../api';
import { MetadataArgs, NameRef, nameRefOf } from './inputs';

/**
 * Arguments of the `KueueLocalQueue` component: the props of the cdk8s `KueueLocalQueue`, with
 * metadata and the ClusterQueue accepting `pulumi.Input`s.
 */
export type KueueLocalQueueArgs = Omit<KueueLocalQueueProps, 'metadata' | 'clusterQueue'> & {
  /**
   * Metadata of the LocalQueue.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
  /** The ClusterQueue that admits this queue's workloads: a `KueueClusterQueue` component, `{ name }` or a name. */
  readonly clusterQueue: NameRef | pulumi.Input<string>;
};

/** A Kueue `LocalQueue` in a Pulumi stack: the object the cdk8s `KueueLocalQueue` emits for the same props. */
export class KueueLocalQueue extends CustomResourceComponent<KueueLocalQueueArgs, KueueLocalQueueProps, KueueLocalQueueConstruct> {
  public constructor(name: string, args: KueueLocalQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'KueueLocalQueue', customResource: KUEUE_LOCAL_QUEUE, groups: ['workloads'], construct: (s, id, p) => new KueueLocalQueueConstruct(s, id, p) }, name, {
      ...args,
      clusterQueue: nameRefOf(args.clusterQueue),
    }, opts);
  }
}
