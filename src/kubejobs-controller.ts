import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { crdManifestOf, KUBEJOBS_DEFINITIONS } from './api';
import { ControllerPermission, CONTROLLER_PERMISSIONS, LEADER_ELECTION_PERMISSIONS } from './controller-permissions';
import { CRD_INSTALLER_SYMBOL, ICrdInstaller, orderCustomResourcesAfter } from './custom-resource';
import { checkImageReference } from './image-reference';
import { omitServerDroppedZeroValues, selectPodsByLabels } from './internal/stable-objects';
import { PACKAGE_VERSION } from './package-version';
import { defaultRuntimeResources, healthProbes, RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './restricted-pod';
import { DNS_LABEL, isIntegerIn } from './validation-helpers';

/** The image the bundled Dockerfile builds. */
export const DEFAULT_CONTROLLER_IMAGE = 'ghcr.io/kubejobs/kubejobs';

/** Log levels of `kubejobs controller`. */
export enum LogLevel {
  /** Debug. */
  DEBUG = 'debug',
  /** Info (the default). */
  INFO = 'info',
  /** Warnings and errors. */
  WARN = 'warn',
  /** Errors only. */
  ERROR = 'error',
}

/** Properties for `KubejobsController`. */
export interface KubejobsControllerProps {
  /**
   * Namespace the controller runs in.
   *
   * @default 'kubejobs-system'
   */
  readonly namespace?: string;
  /**
   * Whether to create the namespace (labelled for Pod Security "restricted").
   *
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Controller image: a repository (`'reg.example.com/kubejobs'`, then `tag` or this package's
   * version is its tag), or a whole reference with its own tag or digest
   * (`'reg.example.com/kubejobs:1.0'`, `'reg.example.com/kubejobs@sha256:<64 hex>'`), used as
   * given; then `tag` must be left unset (giving both is an error, not a silent choice).
   *
   * @default 'ghcr.io/kubejobs/kubejobs'
   */
  readonly image?: string;
  /**
   * Controller image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), appended to `image`. To pin a
   * digest, put it in `image` instead.
   *
   * @default - the tag or digest in `image`, else this package's version
   */
  readonly tag?: string;
  /**
   * Image pull policy.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Image of the ArenaJob worker containers (`--arena-worker-image`): the program that runs the
   * work items of a run (Omnia's arena-worker, or your own speaking the same env contract).
   *
   * @default 'ghcr.io/altairalabs/arena-worker:latest' (upstream's default)
   */
  readonly arenaWorkerImage?: string;
  /**
   * Controller replicas. With more than one, leader election must stay on.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Lease-based leader election, so that only one replica reconciles.
   *
   * @default true
   */
  readonly leaderElection?: boolean;
  /**
   * Watch only this namespace; RBAC is then a namespaced Role there instead of a ClusterRole.
   *
   * @default - all namespaces
   */
  readonly watchNamespace?: string;
  /**
   * Reconciles run at once.
   *
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Log level.
   *
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Port of the Prometheus `/metrics` endpoint.
   *
   * @default 8080
   */
  readonly metricsPort?: number;
  /**
   * Port of the `/healthz` and `/readyz` probes.
   *
   * @default 8081
   */
  readonly healthPort?: number;
  /**
   * Container resources.
   *
   * @default - requests 100m CPU / 128Mi, limits 500m CPU / 512Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Emit the ClusterRoles `kubejobs-edit` and `kubejobs-view`, aggregated into the built-in
   * `admin`, `edit` and `view` roles, so that whoever has one of those in a namespace can manage
   * (or read) GenericJobs, ArenaJobs and ArenaConfigs there. Off for a `watchNamespace` install,
   * which changes no cluster-wide role unless asked to.
   *
   * Whoever can create GenericJobs in a namespace can run pods with any ServiceAccount of that
   * namespace, as with batch/v1 Jobs.
   *
   * @default - true, or false when `watchNamespace` is set
   */
  readonly aggregateToBuiltInRoles?: boolean;
}

const NAME = 'kubejobs-controller';

/** Namespaces the controller refuses: its namespace is labelled Pod Security "restricted", which would stop their pods. */
const SHARED_NAMESPACES: Readonly<Record<string, string>> = {
  'kube-system': 'holds the cluster\'s system pods',
  'default': 'is shared with other workloads',
};

/** What the users of our kinds may do: `edit` (and `admin`) manage them, `view` reads them. */
const USER_VERBS = {
  edit: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  view: ['get', 'list', 'watch'],
} as const;

/**
 * Everything that runs the kubejobs controller in a cluster: the CRDs of every kind kubejobs owns
 * (ordered first), the namespace, a ServiceAccount with least-privilege RBAC, a Role for the
 * leader-election Lease, the controller Deployment (Pod Security "restricted") and a metrics
 * Service.
 *
 * Custom resources defined in the same app (`GenericJob`, `ArenaJob`, ...) are ordered after the
 * CRDs automatically. Leave it out on clusters where the upstream operators run.
 *
 * Put it in a chart of its own (with the namespaces the jobs use): that chart's file sorts first
 * (`dist/0000-<chart>.k8s.yaml`), and this installs everything on a fresh cluster in one go:
 * `kubectl apply -f dist/0000-kubejobs.k8s.yaml && kubectl wait --for=condition=Established crd -l app.kubernetes.io/part-of=kubejobs --timeout=60s && kubectl apply -f dist/`.
 * (kubectl maps every object of `dist/` before it applies any, and our kinds exist only once their
 * CRDs are established.) The Deployment selects its pods by the `app.kubernetes.io/name`,
 * `instance` and `component` labels, so renaming the chart or the construct never changes it.
 */
export class KubejobsController extends Construct implements ICrdInstaller {
  /** The CRD objects, one child per kind. */
  public readonly crds: Construct;
  /** The controller Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The controller's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The metrics Service. */
  public readonly metricsService: kplus.Service;
  /** The namespace the controller runs in. */
  public readonly namespace: string;
  /** `kubejobs-edit`, aggregated into the built-in `edit` and `admin` roles (see `aggregateToBuiltInRoles`). */
  public readonly editRole?: kplus.ClusterRole;
  /** `kubejobs-view`, aggregated into the built-in `view` role (see `aggregateToBuiltInRoles`). */
  public readonly viewRole?: kplus.ClusterRole;

  public constructor(scope: Construct, id: string, props: KubejobsControllerProps = {}) {
    super(scope, id);
    Object.defineProperty(this, CRD_INSTALLER_SYMBOL, { value: true });
    validateControllerProps(props);
    this.namespace = props.namespace ?? 'kubejobs-system';
    const metricsPort = props.metricsPort ?? 8080;
    const healthPort = props.healthPort ?? 8081;
    const leaderElection = props.leaderElection ?? true;
    // Also the Deployment's selector: stable across renames of the chart or construct.
    const labels = { 'app.kubernetes.io/name': 'kubejobs', 'app.kubernetes.io/instance': NAME, 'app.kubernetes.io/component': 'controller' };
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });

    this.crds = new Construct(this, 'Crds');
    for (const def of KUBEJOBS_DEFINITIONS) new ApiObject(this.crds, def.kind, crdManifestOf(def) as any);

    const namespaced: Construct[] = [];
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: meta(NAME), automountToken: true });
    namespaced.push(this.serviceAccount);
    namespaced.push(...this.grantPermissions(props.watchNamespace, labels));

    const leaseRole = new kplus.Role(this, 'LeaderElectionRole', { metadata: meta(`${NAME}-leader-election`) });
    allowAll(leaseRole, LEADER_ELECTION_PERMISSIONS);
    const leaseBinding = new kplus.RoleBinding(this, 'LeaderElectionRoleBinding', { metadata: meta(`${NAME}-leader-election`), role: leaseRole });
    leaseBinding.addSubjects(this.serviceAccount);
    namespaced.push(leaseRole, leaseBinding);

    if (props.arenaWorkerImage !== undefined) checkImageReference('arenaWorkerImage', props.arenaWorkerImage);
    const args = [
      'controller',
      `--leader-elect=${leaderElection}`,
      `--leader-election-namespace=${this.namespace}`,
      `--metrics-bind-address=:${metricsPort}`,
      `--health-probe-bind-address=:${healthPort}`,
      `--concurrency=${props.concurrency ?? 4}`,
      `--log-level=${props.logLevel ?? LogLevel.INFO}`,
      ...(props.watchNamespace ? [`--namespace=${props.watchNamespace}`] : []),
      ...(props.arenaWorkerImage !== undefined ? [`--arena-worker-image=${props.arenaWorkerImage}`] : []),
    ];
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: meta(NAME),
      replicas: props.replicas ?? 1,
      select: false,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      podMetadata: { labels },
      terminationGracePeriod: Duration.seconds(10),
      securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
      containers: [
        {
          name: 'manager',
          image: controllerImage(props),
          imagePullPolicy: props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args,
          ports: [
            { name: 'metrics', number: metricsPort },
            { name: 'health', number: healthPort },
          ],
          ...healthProbes(healthPort),
          resources: props.resources ?? defaultRuntimeResources(),
          securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
      ],
    });
    selectPodsByLabels(this.deployment, labels);
    namespaced.push(this.deployment);

    this.metricsService = new kplus.Service(this, 'MetricsService', {
      metadata: meta(`${NAME}-metrics`),
      ports: [{ name: 'metrics', port: metricsPort, targetPort: metricsPort }],
    });
    for (const [key, value] of Object.entries(labels)) this.metricsService.selectLabel(key, value);
    namespaced.push(this.metricsService);

    if (props.aggregateToBuiltInRoles ?? props.watchNamespace === undefined) {
      const partOf = { 'app.kubernetes.io/part-of': 'kubejobs' };
      this.editRole = new kplus.ClusterRole(this, 'EditRole', {
        metadata: {
          name: 'kubejobs-edit',
          labels: { ...partOf, 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
        },
      });
      allowOnOurKinds(this.editRole, USER_VERBS.edit, ['get']);
      this.viewRole = new kplus.ClusterRole(this, 'ViewRole', {
        metadata: { name: 'kubejobs-view', labels: { ...partOf, 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      });
      allowOnOurKinds(this.viewRole, USER_VERBS.view, USER_VERBS.view);
    }

    if (props.createNamespace ?? true) {
      const ns = new kplus.Namespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
      });
      for (const c of namespaced) c.node.addDependency(ns);
      namespaced.push(ns);
    }
    // CRDs first: the controller needs them, and so does every custom resource in the app.
    for (const c of namespaced) c.node.addDependency(this.crds);
    orderCustomResourcesAfter(this);
    omitServerDroppedZeroValues(this);
  }

  /** A ClusterRole (all namespaces) or a Role in the watched namespace, bound to the ServiceAccount. */
  private grantPermissions(watchNamespace: string | undefined, labels: Record<string, string>): Construct[] {
    if (watchNamespace) {
      const role = new kplus.Role(this, 'ManagerRole', { metadata: { name: NAME, namespace: watchNamespace, labels } });
      allowAll(role, CONTROLLER_PERMISSIONS);
      const binding = new kplus.RoleBinding(this, 'ManagerRoleBinding', { metadata: { name: NAME, namespace: watchNamespace, labels }, role });
      binding.addSubjects(this.serviceAccount);
      return [binding];
    }
    const clusterRole = new kplus.ClusterRole(this, 'ManagerClusterRole', { metadata: { name: NAME, labels } });
    allowAll(clusterRole, CONTROLLER_PERMISSIONS);
    const binding = new kplus.ClusterRoleBinding(this, 'ManagerClusterRoleBinding', { metadata: { name: NAME, labels }, role: clusterRole });
    binding.addSubjects(this.serviceAccount);
    return [binding];
  }
}

function allowAll(role: kplus.Role | kplus.ClusterRole, permissions: readonly ControllerPermission[]): void {
  for (const p of permissions) {
    const resources = p.resources.map((r) => kplus.ApiResource.custom({ apiGroup: p.apiGroup, resourceType: r }));
    role.allow([...p.verbs], ...resources);
  }
}

/** `verbs` on every kind kubejobs owns, `statusVerbs` on their status. */
function allowOnOurKinds(role: kplus.ClusterRole, verbs: readonly string[], statusVerbs: readonly string[]): void {
  const resources = (suffix: string) => KUBEJOBS_DEFINITIONS.map((d) => kplus.ApiResource.custom({ apiGroup: d.group, resourceType: `${d.plural}${suffix}` }));
  role.allow([...verbs], ...resources(''));
  role.allow([...statusVerbs], ...resources('/status'));
}

function validateControllerProps(p: KubejobsControllerProps): void {
  for (const [prop, value] of [['namespace', p.namespace], ['watchNamespace', p.watchNamespace]] as const) {
    if (value !== undefined && !DNS_LABEL.test(value)) {
      throw new Error(`'${prop}' ('${value}') must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`);
    }
  }
  if (p.namespace !== undefined && Object.prototype.hasOwnProperty.call(SHARED_NAMESPACES, p.namespace)) {
    throw new Error(`'namespace' ('${p.namespace}') ${SHARED_NAMESPACES[p.namespace]}: KubejobsController labels its namespace `
      + 'pod-security.kubernetes.io/enforce: restricted, which would keep pods there that do not meet it from starting; '
      + 'give the controller a namespace of its own, e.g. \'kubejobs-system\' (the default)');
  }
  const replicas = p.replicas ?? 1;
  if (!isIntegerIn(replicas, 1, 100)) throw new Error(`'replicas' (${replicas}) must be an integer from 1 to 100`);
  if (replicas > 1 && p.leaderElection === false) {
    throw new Error(`'replicas' (${replicas}) needs 'leaderElection': without it every replica would reconcile the same jobs; set leaderElection: true or replicas: 1`);
  }
  if (p.concurrency !== undefined && !isIntegerIn(p.concurrency, 1, 1000)) {
    throw new Error(`'concurrency' (${p.concurrency}) must be an integer from 1 to 1000`);
  }
  for (const [prop, port] of [['metricsPort', p.metricsPort], ['healthPort', p.healthPort]] as const) {
    if (port !== undefined && !isIntegerIn(port, 1024, 65535)) {
      throw new Error(`'${prop}' (${port}) must be an integer from 1024 to 65535: the controller runs as non-root and cannot bind lower ports`);
    }
  }
  if ((p.metricsPort ?? 8080) === (p.healthPort ?? 8081)) {
    throw new Error(`'metricsPort' and 'healthPort' are both ${p.metricsPort ?? 8080}: give them different ports`);
  }
  controllerImage(p);
}

/** An image tag, as the distribution spec has it. */
const IMAGE_TAG = /^\w[\w.-]{0,127}$/;

/**
 * The controller's image reference from `image` and `tag`, each checked on its own: `image` as a
 * reference, `tag` as a tag. An `image` that has its own tag or digest is used as is.
 */
function controllerImage(p: Pick<KubejobsControllerProps, 'image' | 'tag'>): string {
  if (p.image !== undefined) checkImageReference('image', p.image);
  const image = p.image ?? DEFAULT_CONTROLLER_IMAGE;
  if (p.tag !== undefined) {
    if (p.tag.trim() === '') throw new Error('\'tag\' is empty: give an image tag, or leave it unset for this package\'s version');
    if (!IMAGE_TAG.test(p.tag)) {
      throw new Error(`'tag' (${JSON.stringify(p.tag)}) is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', `
        + `starting with a letter, digit or '_', e.g. '1.2.3'${p.tag.includes('@') ? '; to pin a digest, write it in \'image\' (e.g. \'ghcr.io/kubejobs/kubejobs@sha256:<64 hex digits>\') and leave \'tag\' unset' : ''}`);
    }
  }
  const own = ownTagOrDigest(image);
  if (own === undefined) return `${image}:${p.tag ?? PACKAGE_VERSION}`;
  if (p.tag !== undefined) {
    const repository = image.slice(0, image.length - own.length - 1);
    throw new Error(`'image' ('${image}') already has a ${own.includes(':') ? 'digest' : 'tag'} ('${own}') and 'tag' ('${p.tag}') gives another: `
      + `drop 'tag' to use the image as given, or give 'image' without it ('${repository}') to use tag '${p.tag}'`);
  }
  return image;
}

/** The digest (after '@') or tag (after the last ':' of the last path segment) of a reference, if any. */
function ownTagOrDigest(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}
