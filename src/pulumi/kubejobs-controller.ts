import * as pulumi from '@pulumi/pulumi';
import { KubejobsController as KubejobsControllerConstruct, KubejobsControllerProps } from '../kubejobs-controller';
import { KubejobsComponent } from './component';
import { WithInputs } from './inputs';

/**
 * Arguments of the `KubejobsController` component: the props of the cdk8s `KubejobsController`,
 * where the namespaces and the image accept `pulumi.Input`s.
 */
export type KubejobsControllerArgs = WithInputs<KubejobsControllerProps, 'namespace' | 'image' | 'tag' | 'watchNamespace'>;

/**
 * The kubejobs controller in a Pulumi stack: the CRDs of every kind kubejobs owns (one group),
 * then the namespace, RBAC, Deployment and metrics Service (the next group), the same objects the
 * cdk8s `KubejobsController` emits for the same props.
 *
 * Pass it in the `dependsOn` of the job components, so their custom resources are created once
 * the CRDs exist and the controller is ready.
 */
export class KubejobsController extends KubejobsComponent<KubejobsControllerArgs, KubejobsControllerProps, KubejobsControllerConstruct> {
  /** The namespace the controller runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** The controller's ServiceAccount. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Names of the CRDs installed. */
  public readonly crdNames: pulumi.Output<string[]>;

  public constructor(name: string, args: KubejobsControllerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({
      typeName: 'KubejobsController',
      groups: ['crds', 'controller'],
      construct: (s, id, p) => new KubejobsControllerConstruct(s, id, p),
    }, name, args, opts);
    this.namespace = this.rendered.apply((r) => r.construct.namespace);
    this.serviceAccountName = this.rendered.apply((r) => r.construct.serviceAccount.name);
    this.crdNames = this.rendered.apply((r) => r.groups.crds.map((c) => c.metadata.name as string));
    this.registerOutputs({ namespace: this.namespace, serviceAccountName: this.serviceAccountName, crdNames: this.crdNames });
  }
}
