import * as pulumi from '@pulumi/pulumi';
import * as kplus from 'cdk8s-plus-28';
import { GenericJob as GenericJobConstruct, GenericJobProps, ReplicaSpecProps, T9kSchedulerOptions } from '../generic-job';
import { CustomResourceComponent } from './custom-resource-component';
import { GENERIC_JOB } from '../api';
import { MetadataArgs, WithInputs } from './inputs';

/** A cdk8s-plus container whose image accepts a `pulumi.Input` (e.g. an image built in the stack). */
export type ContainerArgs = WithInputs<kplus.ContainerProps, 'image'>;

/** `ReplicaSpecProps` whose containers' images accept `pulumi.Input`s. */
export type ReplicaSpecArgs = Omit<ReplicaSpecProps, 'containers' | 'initContainers'> & {
  /**
   * Containers of the replica's pods.
   *
   * @default - none; required unless `podTemplate` is set
   */
  readonly containers?: ContainerArgs[];
  /**
   * Init containers of the replica's pods.
   *
   * @default - none
   */
  readonly initContainers?: ContainerArgs[];
};

/**
 * Arguments of the `GenericJob` component: the props of the cdk8s `GenericJob`, where metadata,
 * container images and the T9k scheduler queue accept `pulumi.Input`s.
 */
export type GenericJobArgs = Omit<GenericJobProps, 'metadata' | 'replicaSpecs' | 't9kScheduler'> & {
  /**
   * Metadata of the GenericJob.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
  /**
   * Replica types; at least one is required.
   *
   * @default - none
   */
  readonly replicaSpecs?: ReplicaSpecArgs[];
  /**
   * Schedule the pods with the T9k scheduler.
   *
   * @default - the default kube-scheduler
   */
  readonly t9kScheduler?: WithInputs<T9kSchedulerOptions, 'queue'>;
};

/**
 * A T9k `GenericJob` in a Pulumi stack: the same custom resource the cdk8s `GenericJob` emits for
 * the same props. Install the CRD and controller with a `KubejobsController` component and pass it
 * in `dependsOn`.
 */
export class GenericJob extends CustomResourceComponent<GenericJobArgs, GenericJobProps, GenericJobConstruct> {
  public constructor(name: string, args: GenericJobArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ typeName: 'GenericJob', customResource: GENERIC_JOB, groups: ['workloads'], construct: (s, id, p) => new GenericJobConstruct(s, id, p) }, name, args, opts);
  }
}
