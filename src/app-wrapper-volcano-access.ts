import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { omitServerDroppedZeroValues } from './internal/stable-objects';

/** Properties for `AppWrapperVolcanoAccess`. */
export interface AppWrapperVolcanoAccessProps {
  /**
   * Name of the ClusterRole and ClusterRoleBinding.
   *
   * @default 'appwrapper-volcano-jobs'
   */
  readonly name?: string;
  /**
   * ServiceAccount the AppWrapper controller runs as.
   *
   * @default 'appwrapper-controller-manager' (the upstream kustomize install)
   */
  readonly controllerServiceAccount?: string;
  /**
   * Namespace the AppWrapper controller runs in.
   *
   * @default 'appwrapper-system' (the upstream kustomize install)
   */
  readonly controllerNamespace?: string;
  /**
   * Also let every user with the built-in `edit` or `admin` role in a namespace manage Volcano
   * Jobs there, through a second ClusterRole aggregated into those roles. With its default
   * `userRBACAdmissionCheck`, the AppWrapper webhook rejects an AppWrapper that wraps a kind its
   * creator could not create directly, so users need this (or an equivalent grant) to submit
   * Volcano-based AppWrapperJobs. It also lets them create Volcano Jobs outside Kueue's quota.
   *
   * @default false
   */
  readonly grantToNamespaceEditors?: boolean;
}

/** What the AppWrapper controller does with the objects it wraps (its own role grants these on the kinds it knows). */
const MANAGE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * What a cluster needs so that AppWrappers can wrap Volcano Jobs: the upstream AppWrapper
 * controller's ClusterRole covers Deployments, Jobs, JobSets, PyTorchJobs, RayClusters and
 * RayJobs, but not `jobs.batch.volcano.sh`, so without this an AppWrapper with a Volcano Job
 * fails when its component is created. A ClusterRole with those verbs, bound to the controller's
 * ServiceAccount; optionally aggregated into the `edit` and `admin` roles for submitting users.
 */
export class AppWrapperVolcanoAccess extends Construct {
  /** The ClusterRole granting the controller access to Volcano Jobs. */
  public readonly clusterRole: kplus.ClusterRole;
  /** The binding of `clusterRole` to the controller's ServiceAccount. */
  public readonly clusterRoleBinding: kplus.ClusterRoleBinding;
  /** The ClusterRole aggregated into `edit` and `admin`, when `grantToNamespaceEditors` is set. */
  public readonly editorRole?: kplus.ClusterRole;

  public constructor(scope: Construct, id: string, props: AppWrapperVolcanoAccessProps = {}) {
    super(scope, id);
    const name = props.name ?? 'appwrapper-volcano-jobs';
    const labels = { 'app.kubernetes.io/part-of': 'kubejobs', 'app.kubernetes.io/component': 'appwrapper-volcano-access' };
    const volcanoJobs = kplus.ApiResource.custom({ apiGroup: 'batch.volcano.sh', resourceType: 'jobs' });

    this.clusterRole = new kplus.ClusterRole(this, 'ClusterRole', { metadata: { name, labels } });
    this.clusterRole.allow(MANAGE, volcanoJobs);
    this.clusterRoleBinding = new kplus.ClusterRoleBinding(this, 'ClusterRoleBinding', { metadata: { name, labels }, role: this.clusterRole });
    this.clusterRoleBinding.addSubjects(kplus.ServiceAccount.fromServiceAccountName(this, 'ControllerServiceAccount',
      props.controllerServiceAccount ?? 'appwrapper-controller-manager',
      { namespaceName: props.controllerNamespace ?? 'appwrapper-system' }));

    if (props.grantToNamespaceEditors) {
      this.editorRole = new kplus.ClusterRole(this, 'EditorRole', {
        metadata: {
          name: `${name}-edit`,
          labels: { ...labels, 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
        },
      });
      this.editorRole.allow(MANAGE, volcanoJobs);
    }
    omitServerDroppedZeroValues(this);
  }
}
