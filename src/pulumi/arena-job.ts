import * as pulumi from '@pulumi/pulumi';
import { IArenaConfig } from '../arena-config';
import { ArenaJob as ArenaJobConstruct, ArenaJobProps, ArenaOutput, PvcOutputOptions, S3OutputOptions } from '../arena-job';
import { CustomResourceComponent } from './custom-resource-component';
import { ARENA_JOB } from '../api';
import { MetadataArgs, NameRef, nameRefOf, WithInputs } from './inputs';

/**
 * Where an ArenaJob stores its results, with `pulumi.Input`s (a bucket or secret created in the
 * stack): the options of `ArenaOutput.s3()` or `ArenaOutput.pvc()`, keyed by kind.
 */
export type ArenaOutputArgs =
  | { readonly s3: WithInputs<S3OutputOptions, 'bucket' | 'prefix' | 'region' | 'endpoint' | 'secretName'> }
  | { readonly pvc: WithInputs<PvcOutputOptions, 'claimName' | 'subPath'> };

/**
 * Arguments of the `ArenaJob` component: the props of the cdk8s `ArenaJob`, where metadata, the
 * config name and the output location accept `pulumi.Input`s.
 */
export type ArenaJobArgs = Omit<ArenaJobProps, 'metadata' | 'config' | 'output'> & {
  /**
   * Metadata of the ArenaJob.
   *
   * @default - name `<component name>-<hash>`, in the provider's default namespace
   */
  readonly metadata?: MetadataArgs;
  /** The ArenaConfig to run (same namespace): an `ArenaConfig` component, or `{ name }` of an existing one. */
  readonly config: NameRef;
  /**
   * Where results go: an `ArenaOutput`, or its options with `pulumi.Input`s.
   *
   * @default - results stay in the job's status summary
   */
  readonly output?: ArenaOutput | ArenaOutputArgs;
};

/**
 * An Omnia `ArenaJob` in a Pulumi stack: the same custom resource the cdk8s `ArenaJob` emits for
 * the same props. Install the CRD and controller with a `KubejobsController` component and pass it
 * in `dependsOn`.
 */
export class ArenaJob extends CustomResourceComponent<ArenaJobArgs, ArenaJobProps, ArenaJobConstruct> {
  public constructor(name: string, args: ArenaJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super({
      typeName: 'ArenaJob',
      customResource: ARENA_JOB,
      groups: ['workloads'],
      construct: (s, id, p) => new ArenaJobConstruct(s, id, p),
      toProps: ({ output, config, ...rest }) => ({
        ...rest,
        metadata: rest.metadata as ArenaJobProps['metadata'],
        config: config as IArenaConfig,
        output: output === undefined || output instanceof ArenaOutput ? output : toArenaOutput(output),
      }),
    },
    name, { ...args, config: nameRefOf(args.config) }, opts);
  }
}

// Called with the inputs resolved, so the options are plain values.
function toArenaOutput(output: ArenaOutputArgs): ArenaOutput {
  return 's3' in output ? ArenaOutput.s3(output.s3 as S3OutputOptions) : ArenaOutput.pvc(output.pvc as PvcOutputOptions);
}
