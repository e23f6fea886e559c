import * as pulumi from '@pulumi/pulumi';
import { RadixJobScheduler as RadixJobSchedulerConstruct, RadixJobSchedulerProps, RadixJobSecretEnv } from '../radix-job-scheduler';
import { KubejobsComponent } from './component';
import { WithInputs } from './inputs';

/**
 * Arguments of the `RadixJobScheduler` component: the props of the cdk8s `RadixJobScheduler`,
 * where the namespace, the images and the secret references accept `pulumi.Input`s.
 */
export type RadixJobSchedulerArgs =
  Omit<WithInputs<RadixJobSchedulerProps, 'namespace' | 'image' | 'imageTagName' | 'schedulerImage' | 'schedulerTag'>, 'secrets'> & {
    /**
     * Environment variables of the job container from existing Secrets.
     *
     * @default - none
     */
    readonly secrets?: WithInputs<RadixJobSecretEnv, 'secretName' | 'key'>[];
  };

/**
 * A Radix job-scheduler in a Pulumi stack: the job definition, RBAC, Deployment, Service and
 * NetworkPolicy the cdk8s `RadixJobScheduler` emits for the same props.
 */
export class RadixJobScheduler extends KubejobsComponent<RadixJobSchedulerArgs, RadixJobSchedulerProps, RadixJobSchedulerConstruct> {
  /** The job component name (and the name of the scheduler's Service). */
  public readonly name: pulumi.Output<string>;
  /** The namespace of the scheduler and its jobs. */
  public readonly namespace: pulumi.Output<string>;
  /**
   * The scheduler's URL for callers in its namespace, `http://<name>:<schedulerPort>` (the
   * NetworkPolicy admits only pods of that namespace).
   */
  public readonly url: pulumi.Output<string>;
  /** The same URL with the namespace spelt out, `http://<name>.<namespace>.svc:<schedulerPort>`. */
  public readonly qualifiedUrl: pulumi.Output<string>;

  public constructor(name: string, args: RadixJobSchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
    super({
      typeName: 'RadixJobScheduler',
      groups: ['workloads'],
      construct: (s, id, p) => new RadixJobSchedulerConstruct(s, id, p),
    }, name, args, opts);
    this.name = this.rendered.apply((r) => r.construct.name);
    this.namespace = this.rendered.apply((r) => r.construct.namespace);
    this.url = this.rendered.apply((r) => r.construct.url);
    this.qualifiedUrl = this.rendered.apply((r) => `http://${r.construct.name}.${r.construct.namespace}.svc:${r.construct.service.port}`);
    this.registerOutputs({ name: this.name, namespace: this.namespace, url: this.url, qualifiedUrl: this.qualifiedUrl });
  }
}
