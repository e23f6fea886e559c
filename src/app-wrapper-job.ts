import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { APP_WRAPPER, stripUndefined, validateManifest } from './api';
import { NVIDIA_GPU } from './api/pod-template';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { checkImageReference } from './image-reference';
import { renderTolerations, sizeToQuantity, validateTolerations } from './kubernetes-values';
import { IKueueLocalQueue } from './kueue-local-queue';
import { DNS_LABEL, isIntegerIn, requireProps } from './validation-helpers';
import type { Job as VolcanoJob, PodTemplateSpec } from '../imports/batch.volcano.sh';
import type { PyTorchJob } from '../imports/kubeflow.org';
import type { AppWrapperComponent, AppWrapperPodSet, AppWrapperSpec, EmbeddedResource } from '../imports/workload.codeflare.dev';

/** The job an AppWrapperJob wraps. */
export enum InnerJobType {
  /** A Kubeflow `PyTorchJob` (`kubeflow.org/v1`): one Master and `workers - 1` Workers; the training-operator sets the rendezvous env. */
  PYTORCH = 'pytorch',
  /** A Volcano `Job` (`batch.volcano.sh/v1alpha1`): one gang-scheduled task of `replicas` pods; AppWrapperJob sets the rendezvous env. */
  VOLCANO = 'volcano',
}

/** How strictly Volcano keeps the pods within the allowed network tiers. */
export enum NetworkTopologyMode {
  /** The constraint must hold, or the pods are not scheduled. */
  HARD = 'hard',
  /** Best effort. */
  SOFT = 'soft',
}

/**
 * Which pods the training-operator deletes when a PyTorchJob finishes.
 *
 * Inside an AppWrapper only `NONE` is safe when the Master can finish before the Workers: the
 * PyTorchJob succeeds with its Master, `RUNNING` or `ALL` then delete the Workers, and the
 * AppWrapper controller, counting fewer pods than its pod sets declare, turns the AppWrapper
 * Unhealthy after `admissionGracePeriod` and resets it: a finished training runs again, and with
 * `retryLimit` exhausted the AppWrapper ends Failed.
 */
export enum CleanPodPolicy {
  /** Delete the pods still running when the job finishes (the arena fork's default; unsafe in an AppWrapper, see above). */
  RUNNING = 'Running',
  /** Delete every pod when the job finishes (unsafe in an AppWrapper, see above). */
  ALL = 'All',
  /** Keep every pod (the default: upstream's AppWrapper samples leave the field unset, which the training-operator reads as `None`). */
  NONE = 'None',
}

/** Processes torchrun starts per pod (`--nproc-per-node`). */
export class NprocPerNode {
  /** One per GPU if the pod has GPUs, else one per CPU (torchrun's `auto`). */
  public static readonly AUTO = new NprocPerNode('auto');
  /** One per CPU. */
  public static readonly CPU = new NprocPerNode('cpu');
  /** One per GPU. */
  public static readonly GPU = new NprocPerNode('gpu');

  /** A fixed number of processes per pod. */
  public static of(count: number): NprocPerNode {
    if (!isIntegerIn(count, 1, 1024)) throw new Error(`'nprocPerNode' (${count}) must be an integer from 1 to 1024`);
    return new NprocPerNode(String(count), count);
  }

  private constructor(
    /** The value as torchrun and the training-operator take it: `auto`, `cpu`, `gpu` or a number. */
    public readonly value: string,
    /** The number of processes, when fixed. */
    public readonly count?: number,
  ) {}
}

/** Volcano network-topology-aware placement (Volcano >= 1.12 with HyperNodes). */
export interface NetworkTopologyOptions {
  /** Hard or soft constraint. */
  readonly mode: NetworkTopologyMode;
  /**
   * Highest HyperNode tier the pods may span.
   *
   * @default - Volcano's default
   */
  readonly highestTierAllowed?: number;
}

/** A Volcano partition policy (Volcano >= 1.14): the task's pods in equal partitions placed together. */
export interface PartitionOptions {
  /** Number of partitions. */
  readonly totalPartitions: number;
  /** Pods per partition; `totalPartitions * partitionSize` must equal `replicas`. */
  readonly partitionSize: number;
}

/** Properties for `AppWrapperJob`. The name (`metadata.name`) also names the wrapped job. */
export interface AppWrapperJobProps extends CustomResourceProps {
  /**
   * Container image of every pod: a valid image reference (checked at synth). The pods run as the
   * image says (no security context is set), as most training images run as root.
   */
  readonly image: string;
  /** Command of the container, e.g. `['sh', '-c', 'python train.py']` (what `arena` runs). */
  readonly command: string[];
  /**
   * The job to wrap.
   *
   * @default InnerJobType.PYTORCH
   */
  readonly innerType?: InnerJobType;

  // --- pods (both inner types) ---------------------------------------------------------------

  /**
   * NVIDIA GPUs per pod (`nvidia.com/gpu` request and limit).
   *
   * @default 0
   */
  readonly gpusPerPod?: number;
  /**
   * CPU per pod (request and limit).
   *
   * @default - no CPU request or limit
   */
  readonly cpu?: kplus.Cpu;
  /**
   * Memory per pod (request and limit).
   *
   * @default - no memory request or limit
   */
  readonly memory?: Size;
  /**
   * Environment variables of the container (after the ones the construct sets).
   *
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Labels of the AppWrapper, the wrapped job and every pod.
   *
   * @default - none beyond the construct's own
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations of the AppWrapper and every pod. AppWrapper-only annotations go in `metadata.annotations`.
   *
   * @default - none beyond the construct's own
   */
  readonly annotations?: Record<string, string>;
  /**
   * Tolerations of the pods.
   *
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node selector of the pods.
   *
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Image pull policy.
   *
   * @default kplus.ImagePullPolicy.ALWAYS
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Working directory of the container.
   *
   * @default '/root'
   */
  readonly workingDir?: string;
  /**
   * Size of the memory-backed `/dev/shm` (PyTorch data loaders need more than the 64Mi default);
   * `Size.mebibytes(0)` for none.
   *
   * @default Size.gibibytes(2)
   */
  readonly sharedMemory?: Size;
  /**
   * Processes per pod. PyTorch: the PyTorchJob's `nprocPerNode` (the training-operator then sets
   * `PET_NPROC_PER_NODE` and `WORLD_SIZE`). Volcano: `PET_NPROC_PER_NODE`, and with a fixed count
   * `NPROC_PER_NODE`, `LOCAL_WORLD_SIZE` and `WORLD_SIZE = replicas * count`.
   *
   * @default - not set: one process per pod (the training-operator's default is `auto`)
   */
  readonly nprocPerNode?: NprocPerNode;
  /**
   * Scheduler of the pods.
   *
   * @default - Volcano: 'volcano'; PyTorch: the cluster's default scheduler
   */
  readonly schedulerName?: string;

  // --- Kueue and AppWrapper fault tolerance ---------------------------------------------------

  /**
   * Kueue LocalQueue (label `kueue.x-k8s.io/queue-name` on the AppWrapper only).
   *
   * @default - no queue: Kueue's default LocalQueue if configured, else the AppWrapper runs without quota
   */
  readonly queue?: IKueueLocalQueue | string;
  /**
   * Kueue WorkloadPriorityClass (label `kueue.x-k8s.io/priority-class`).
   *
   * @default - Kueue's default priority
   */
  readonly priorityClass?: string;
  /**
   * Resets (retries of the whole job) before the AppWrapper fails; 0 means fail on the first error.
   *
   * @default 3
   */
  readonly retryLimit?: number;
  /**
   * How long the AppWrapper controller waits for the pods to be created before it resets the job (at most 24h).
   *
   * @default Duration.minutes(1)
   */
  readonly admissionGracePeriod?: Duration;
  /**
   * How long the controller waits for all pods to be ready before it resets the job (at most 24h).
   *
   * @default Duration.minutes(5)
   */
  readonly warmupGracePeriod?: Duration;
  /**
   * How long a failed pod is tolerated before the job is reset (at most 24h).
   *
   * @default Duration.minutes(1)
   */
  readonly failureGracePeriod?: Duration;
  /**
   * Pause between deleting a failed job and recreating it, keeping the quota (at most 24h).
   *
   * @default Duration.seconds(90)
   */
  readonly retryPausePeriod?: Duration;
  /**
   * How long after success the controller deletes the wrapped job and its pods (the AppWrapper
   * itself stays); more than 0 and at most 7 days.
   *
   * @default - 7 days (the controller's ceiling)
   */
  readonly successTtl?: Duration;
  /**
   * Container exit codes that fail the AppWrapper at once, without retries.
   *
   * @default - none
   */
  readonly terminalExitCodes?: number[];
  /**
   * Container exit codes that are retried; with any set, other exit codes fail the AppWrapper at once.
   *
   * @default - every non-terminal failure is retried
   */
  readonly retryableExitCodes?: number[];
  /**
   * Create the AppWrapper suspended (`spec.suspend: true`).
   *
   * @default - not set: Kueue suspends a queued AppWrapper on creation and resumes it on admission
   */
  readonly suspend?: boolean;

  // --- PyTorch only ---------------------------------------------------------------------------

  /**
   * PyTorch: total pods, the Master included (Master 1 + Worker `workers - 1`), as arena's `--workers`.
   *
   * @default 1
   */
  readonly workers?: number;
  /**
   * PyTorch: which pods the training-operator deletes when the job finishes
   * (`spec.runPolicy.cleanPodPolicy`). Keep the default unless the Master always finishes last:
   * with `RUNNING` or `ALL` a Master finishing first gets the Workers deleted, and the AppWrapper
   * resets the finished job (see {@link CleanPodPolicy}). The AppWrapper controller deletes the
   * pods anyway once `successTtl` has passed.
   *
   * @default CleanPodPolicy.NONE
   */
  readonly cleanPodPolicy?: CleanPodPolicy;

  // --- Volcano only ---------------------------------------------------------------------------

  /**
   * Volcano: pods of the task.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Volcano: pods that must be schedulable together (gang); at most `replicas`.
   *
   * @default - replicas
   */
  readonly minAvailable?: number;
  /**
   * Volcano: task name; pods are `<name>-<task>-<index>`.
   *
   * @default 'worker'
   */
  readonly taskName?: string;
  /**
   * Volcano: rendezvous port (`MASTER_PORT`).
   *
   * @default 23456
   */
  readonly masterPort?: number;
  /**
   * Volcano: retries of the task's pods by Volcano. The AppWrapper resets the whole job after
   * `failureGracePeriod`, usually before Volcano gets to retry.
   *
   * @default 10000
   */
  readonly maxRetry?: number;
  /**
   * Volcano: network-topology-aware placement.
   *
   * @default - none
   */
  readonly networkTopology?: NetworkTopologyOptions;
  /**
   * Volcano: partition policy of the task.
   *
   * @default - none
   */
  readonly partitions?: PartitionOptions;
}

/** A Kubernetes object to wrap next to the job (`addComponent`). */
export interface WrappedObject {
  /** API version, e.g. `v1`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Service`. */
  readonly kind: string;
  /** The rest of the object (metadata, spec, ...). */
  readonly [key: string]: unknown;
}

/** A pod set of a wrapped object: where its pod template is and how many pods it makes. */
export interface AppWrapperPodSetOptions {
  /** Path to the PodTemplateSpec: `template`, then `.field` and `[index]` steps, e.g. `template.spec.template`. */
  readonly path: string;
  /**
   * Number of pods.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Hints for the AppWrapper controller about this pod set.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** Options of `addComponent`. */
export interface AppWrapperComponentOptions {
  /**
   * Pod sets of the object. Needed for kinds with pods that AppWrapper does not infer; for the
   * kinds it infers they must match what it infers.
   *
   * @default - none declared (Pod, Deployment, StatefulSet and batch Job count as one pod set)
   */
  readonly podSets?: AppWrapperPodSetOptions[];
  /**
   * Hints for the AppWrapper controller about this component.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** The annotation prefix of the AppWrapper controller's settings (with a dot, not a slash, after `dev`). */
export const APP_WRAPPER_ANNOTATION_PREFIX = 'workload.codeflare.dev.appwrapper/';
const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
const PRIORITY_LABEL = 'kueue.x-k8s.io/priority-class';
const APP_WRAPPER_LABEL = 'workload.codeflare.dev/appwrapper';
const TASK_INDEX = "metadata.annotations['volcano.sh/task-index']";
/** Kueue's limit on pod sets per workload, which the AppWrapper webhook enforces. */
const MAX_POD_SETS = 8;
const GRACE_PERIOD_CEILING_HOURS = 24;
const SUCCESS_TTL_CEILING_DAYS = 7;
const INT32_MAX = 2 ** 31 - 1;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kinds AppWrapper infers exactly one pod set for. */
const ONE_POD_SET_KINDS = ['v1/Pod', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'batch/v1/Job'];

const VOLCANO_ONLY = ['replicas', 'minAvailable', 'taskName', 'masterPort', 'maxRetry', 'networkTopology', 'partitions'] as const;
const PYTORCH_ONLY = ['workers', 'cleanPodPolicy'] as const;

const DURATIONS = [
  ['admissionGracePeriod', 'admissionGracePeriodDuration', Duration.minutes(1)],
  ['warmupGracePeriod', 'warmupGracePeriodDuration', Duration.minutes(5)],
  ['failureGracePeriod', 'failureGracePeriodDuration', Duration.minutes(1)],
  ['retryPausePeriod', 'retryPausePeriodDuration', Duration.seconds(90)],
] as const;

interface ExtraComponent {
  readonly component: AppWrapperComponent;
  readonly podSetCount: number;
}

/**
 * A distributed training job wrapped in a CodeFlare `AppWrapper` (`workload.codeflare.dev/v1beta2`)
 * for the AppWrapper controller and Kueue: the AppWrapper holds Kueue's queue label and the
 * fault-tolerance settings (retries, grace periods, exit codes, success TTL) and wraps either a
 * Kubeflow `PyTorchJob` or a Volcano `Job` — what `arena submit appwrapperjob` of the
 * arena-appwrapper-volcano fork submits, with the fork's faults fixed (see the README's
 * compatibility notes).
 *
 * Volcano Jobs get the rendezvous env a torchrun launch needs: `MASTER_ADDR`
 * (`<name>-<task>-0.<name>`, `localhost` with one replica), `MASTER_PORT`, `NNODES`, `NODE_RANK`
 * (the task index), `WORLD_SIZE` (processes in the job), and with a fixed `nprocPerNode`
 * `NPROC_PER_NODE`/`LOCAL_WORLD_SIZE`. `RANK` is the global rank of the pod's process, so it is set
 * only when each pod runs one process (no `nprocPerNode`, or 1); with more, torchrun computes each
 * process's `RANK` from `NODE_RANK`.
 *
 * Emits only the AppWrapper; the cluster runs the AppWrapper controller, Kueue and the
 * training-operator or Volcano. For Volcano add an `AppWrapperVolcanoAccess`; for quota, Kueue
 * constructs (`KueueResourceFlavor`, `KueueClusterQueue`, `KueueLocalQueue`).
 */
export class AppWrapperJob extends CustomResource {
  /** The wrapped job's kind. */
  public readonly innerType: InnerJobType;
  private readonly props: AppWrapperJobProps;
  private readonly extraComponents: ExtraComponent[] = [];

  public constructor(scope: Construct, id: string, props: AppWrapperJobProps) {
    super(scope, id, APP_WRAPPER, requireProps('AppWrapperJob', props, {
      image: 'the container image of every pod, e.g. \'python:3.12-slim\'',
      command: 'the command the pods run, e.g. [\'python\', \'train.py\']',
    }));
    this.props = props;
    this.innerType = props.innerType ?? InnerJobType.PYTORCH;
    validateAppWrapperJobProps(this.name, this.innerType, props);
    for (const [key, value] of Object.entries(this.appWrapperLabels())) this.metadata.addLabel(key, value);
    for (const [key, value] of Object.entries(this.appWrapperAnnotations())) this.metadata.addAnnotation(key, value);
  }

  /** Pods of the wrapped job (`workers` for PyTorch, `replicas` for Volcano). */
  public get podCount(): number {
    return this.innerType === InnerJobType.PYTORCH ? this.props.workers ?? 1 : this.props.replicas ?? 1;
  }

  /**
   * Wraps another object in the same AppWrapper (e.g. a Service or ConfigMap the job needs, so it
   * exists only while the job runs). It must be namespaced, in the AppWrapper's namespace.
   */
  public addComponent(object: WrappedObject, options: AppWrapperComponentOptions = {}): void {
    const at = `components[${1 + this.extraComponents.length}]`;
    if (typeof object.apiVersion !== 'string' || object.apiVersion === '' || typeof object.kind !== 'string' || object.kind === '') {
      throw new Error(`'addComponent' (${at}): the object needs 'apiVersion' and 'kind', e.g. { apiVersion: 'v1', kind: 'Service', ... }`);
    }
    if (object.apiVersion.startsWith('workload.codeflare.dev/') && object.kind === 'AppWrapper') {
      throw new Error(`'addComponent' (${at}): an AppWrapper cannot wrap another AppWrapper; add its components instead`);
    }
    const namespace = (object.metadata as { namespace?: string } | undefined)?.namespace;
    if (namespace !== undefined && namespace !== this.metadata.namespace) {
      throw new Error(`'addComponent' (${at}): the ${object.kind} is in namespace '${namespace}', but the AppWrapper is in ${this.metadata.namespace ? `'${this.metadata.namespace}'` : 'no explicit namespace'}: wrapped objects live in the AppWrapper's namespace; remove metadata.namespace`);
    }
    const podSets = options.podSets ?? [];
    podSets.forEach((ps, i) => {
      const target = valueAtPath({ template: object }, ps.path);
      if (typeof target !== 'object' || target === null || typeof (target as { spec?: unknown }).spec !== 'object') {
        throw new Error(`'addComponent' (${at}) podSets[${i}].path '${ps.path}' does not lead to a pod template in the ${object.kind}: start at 'template' and step with '.field' and '[index]', e.g. 'template.spec.template'`);
      }
      if (ps.replicas !== undefined && !isIntegerIn(ps.replicas, 1, INT32_MAX)) {
        throw new Error(`'addComponent' (${at}) podSets[${i}].replicas (${ps.replicas}) must be a positive integer`);
      }
    });
    const podSetCount = podSets.length > 0 ? podSets.length : ONE_POD_SET_KINDS.includes(`${object.apiVersion}/${object.kind}`) ? 1 : 0;
    const total = this.innerPodSets().length + this.extraComponents.reduce((n, c) => n + c.podSetCount, 0) + podSetCount;
    if (total > MAX_POD_SETS) {
      throw new Error(`'addComponent' (${at}) would give the AppWrapper ${total} pod sets, but an AppWrapper has at most ${MAX_POD_SETS} (Kueue's limit per workload): split the work into several AppWrapperJobs`);
    }
    this.extraComponents.push({
      podSetCount,
      component: stripUndefined({
        annotations: options.annotations,
        podSets: podSets.length > 0 ? podSets.map((ps) => ({ path: ps.path, replicas: ps.replicas, annotations: ps.annotations })) : undefined,
        template: object as EmbeddedResource,
      }),
    });
  }

  protected renderSpec(): AppWrapperSpec {
    const inner: AppWrapperComponent = {
      podSets: this.innerPodSets(),
      template: (this.innerType === InnerJobType.PYTORCH ? this.renderPyTorchJob() : this.renderVolcanoJob()) as unknown as EmbeddedResource,
    };
    // One JSON round trip for the whole spec drops what is undefined (as one per part did: a round
    // trip's output is its own fixed point); one per part was a tenth of an AppWrapperJob's synth (issue 14).
    return stripUndefined({ suspend: this.props.suspend, components: [inner, ...this.extraComponents.map((c) => c.component)] });
  }

  /** The AppWrapper and, with their own definitions, the wrapped PyTorchJob or Volcano Job. */
  protected validateRendered(manifest: Record<string, any>): string[] {
    const errors = super.validateRendered(manifest);
    (manifest.spec?.components ?? []).forEach((c: AppWrapperComponent, i: number) => {
      errors.push(...validateManifest(c.template).map((e) => `spec.components[${i}].template.${e}`));
    });
    return errors;
  }

  protected validateProps(): string[] {
    const queue = this.props.queue;
    const own = this.metadata.namespace;
    if (typeof queue === 'object' && queue.namespace !== undefined && own !== undefined && queue.namespace !== own) {
      return [`'queue' is LocalQueue '${queue.name}' in namespace '${queue.namespace}', but the AppWrapper is in namespace '${own}': a LocalQueue takes workloads of its own namespace only; use a LocalQueue in '${own}'`];
    }
    return [];
  }

  /** The pod sets AppWrapper infers for a PyTorchJob (Master, Worker), or declared for the Volcano task. */
  private innerPodSets(): AppWrapperPodSet[] {
    if (this.innerType === InnerJobType.VOLCANO) return [{ path: 'template.spec.tasks[0].template', replicas: this.podCount }];
    const podSets = [{ path: 'template.spec.pytorchReplicaSpecs.Master.template', replicas: 1 }];
    if (this.podCount > 1) podSets.push({ path: 'template.spec.pytorchReplicaSpecs.Worker.template', replicas: this.podCount - 1 });
    return podSets;
  }

  /** Labels of the AppWrapper: arena's, the AppWrapper controller's, Kueue's and the user's. */
  private appWrapperLabels(): Record<string, string> {
    const labels = this.commonLabels();
    const queue = typeof this.props.queue === 'string' ? this.props.queue : this.props.queue?.name;
    if (queue !== undefined) labels[QUEUE_LABEL] = queue;
    if (this.props.priorityClass !== undefined) labels[PRIORITY_LABEL] = this.props.priorityClass;
    return labels;
  }

  /** Labels of the wrapped job and its pods: arena's (`app`, `release`, `createdBy`), the controller's and the user's. */
  private commonLabels(): Record<string, string> {
    return { app: 'appwrapperjob', release: this.name, createdBy: 'AppWrapperJob', [APP_WRAPPER_LABEL]: this.name, ...this.props.labels };
  }

  /** The controller's settings, always explicit (as arena does), plus the pods' annotations. */
  private appWrapperAnnotations(): Record<string, string> {
    const p = this.props;
    const out: Record<string, string> = { [`${APP_WRAPPER_ANNOTATION_PREFIX}retryLimit`]: String(p.retryLimit ?? 3) };
    for (const [prop, key, fallback] of DURATIONS) out[`${APP_WRAPPER_ANNOTATION_PREFIX}${key}`] = toGoDuration(p[prop] ?? fallback);
    if (p.successTtl) out[`${APP_WRAPPER_ANNOTATION_PREFIX}successTTLDuration`] = toGoDuration(p.successTtl);
    if (p.terminalExitCodes?.length) out[`${APP_WRAPPER_ANNOTATION_PREFIX}terminalExitCodes`] = p.terminalExitCodes.join(',');
    if (p.retryableExitCodes?.length) out[`${APP_WRAPPER_ANNOTATION_PREFIX}retryableExitCodes`] = p.retryableExitCodes.join(',');
    return { ...out, ...this.podAnnotations() };
  }

  /** `requestGPUsOfJobOwner` (arena's GPU accounting) and the user's annotations. */
  private podAnnotations(): Record<string, string> {
    return { requestGPUsOfJobOwner: String(this.podCount * (this.props.gpusPerPod ?? 0)), ...this.props.annotations };
  }

  private renderPyTorchJob(): PyTorchJob {
    const p = this.props;
    const template = (extraLabels: Record<string, string>) => this.podTemplate('pytorch', this.arenaEnv(), extraLabels);
    const workers = this.podCount;
    return {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: this.name, labels: this.commonLabels() },
      spec: {
        // Retries are the AppWrapper's (retryLimit): the first failure fails the PyTorchJob, which
        // the AppWrapper controller reads as a component failure and resets the whole job.
        // cleanPodPolicy None: deleting Workers the Master outlived would make the AppWrapper reset a finished job.
        runPolicy: { cleanPodPolicy: p.cleanPodPolicy ?? CleanPodPolicy.NONE, backoffLimit: 0 },
        nprocPerNode: p.nprocPerNode?.value,
        pytorchReplicaSpecs: {
          Master: { replicas: 1, restartPolicy: 'Never', template: template({ 'master-pod-name': `${this.name}-master-0` }) },
          Worker: workers > 1 ? { replicas: workers - 1, restartPolicy: 'OnFailure', template: template({}) } : undefined,
        },
      },
    };
  }

  private renderVolcanoJob(): VolcanoJob {
    const p = this.props;
    const replicas = this.podCount;
    return {
      apiVersion: 'batch.volcano.sh/v1alpha1',
      kind: 'Job',
      metadata: { name: this.name, labels: this.commonLabels() },
      spec: {
        minAvailable: p.minAvailable ?? replicas,
        schedulerName: p.schedulerName ?? 'volcano',
        // The svc plugin gives each pod the hostname <pod> in subdomain <job> behind a headless
        // Service <job>, which is what MASTER_ADDR resolves through.
        plugins: { svc: ['--publish-not-ready-addresses=true'] },
        networkTopology: p.networkTopology && { mode: p.networkTopology.mode, highestTierAllowed: p.networkTopology.highestTierAllowed },
        tasks: [
          {
            replicas,
            name: p.taskName ?? 'worker',
            maxRetry: p.maxRetry ?? 10000,
            partitionPolicy: p.partitions && { totalPartitions: p.partitions.totalPartitions, partitionSize: p.partitions.partitionSize },
            template: this.podTemplate('main-con', [...this.rendezvousEnv(), ...this.arenaEnv()], {}, 'Never'),
          },
        ],
      },
    };
  }

  /** The torchrun rendezvous env of a Volcano task (the training-operator sets it for PyTorchJobs). */
  private rendezvousEnv(): k8s.EnvVar[] {
    const p = this.props;
    const replicas = this.podCount;
    const task = p.taskName ?? 'worker';
    const perPod = p.nprocPerNode === undefined ? 1 : p.nprocPerNode.count;
    const taskIndex = { fieldRef: { fieldPath: TASK_INDEX } };
    return [
      // One pod has no peers to find: its own loopback is the master.
      { name: 'MASTER_ADDR', value: replicas > 1 ? `${this.name}-${task}-0.${this.name}` : 'localhost' },
      { name: 'MASTER_PORT', value: String(p.masterPort ?? 23456) },
      { name: 'NNODES', value: String(replicas) },
      ...(p.nprocPerNode?.count !== undefined ? [{ name: 'NPROC_PER_NODE', value: String(p.nprocPerNode.count) }] : []),
      { name: 'WORLD_SIZE', value: String(replicas * (p.nprocPerNode?.count ?? 1)) },
      // RANK is a process's global rank: the task index only when the pod runs one process.
      ...(perPod === 1 ? [{ name: 'RANK', valueFrom: taskIndex }] : []),
      { name: 'NODE_RANK', valueFrom: taskIndex },
      ...(p.nprocPerNode?.count !== undefined ? [{ name: 'LOCAL_WORLD_SIZE', value: String(p.nprocPerNode.count) }] : []),
      ...(p.nprocPerNode ? [{ name: 'PET_NPROC_PER_NODE', value: p.nprocPerNode.value }] : []),
    ];
  }

  /** arena's `gpus` and `workers` variables, then the user's env. */
  private arenaEnv(): k8s.EnvVar[] {
    return [
      { name: 'gpus', value: String(this.props.gpusPerPod ?? 0) },
      { name: 'workers', value: String(this.podCount) },
      ...Object.entries(this.props.env ?? {}).map(([name, value]) => ({ name, value })),
    ];
  }

  private podTemplate(containerName: string, env: k8s.EnvVar[], extraLabels: Record<string, string>, restartPolicy?: 'Never'): PodTemplateSpec {
    const p = this.props;
    const shm = p.sharedMemory ?? Size.gibibytes(2);
    const withShm = shm.toKibibytes() > 0;
    const requests: Record<string, string> = {};
    if ((p.gpusPerPod ?? 0) > 0) requests[NVIDIA_GPU] = String(p.gpusPerPod);
    if (p.cpu) requests.cpu = p.cpu.amount;
    if (p.memory) requests.memory = sizeToQuantity(p.memory);
    const hasResources = Object.keys(requests).length > 0;
    return {
      metadata: { labels: { ...this.commonLabels(), ...extraLabels }, annotations: this.podAnnotations() },
      spec: {
        // PyTorch pods use the default scheduler unless asked; Volcano pods take the Job's.
        schedulerName: this.innerType === InnerJobType.PYTORCH ? p.schedulerName : undefined,
        restartPolicy,
        nodeSelector: p.nodeSelector,
        tolerations: renderTolerations(p.tolerations),
        volumes: withShm ? [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: sizeToQuantity(shm) } }] : undefined,
        containers: [
          {
            image: p.image,
            name: containerName,
            imagePullPolicy: p.imagePullPolicy ?? kplus.ImagePullPolicy.ALWAYS,
            workingDir: p.workingDir ?? '/root',
            command: p.command,
            resources: hasResources ? { requests, limits: { ...requests } } : undefined,
            env: env.map((e) => k8s.toJson_EnvVar(e) as { name: string }),
            volumeMounts: withShm ? [{ mountPath: '/dev/shm', name: 'dshm' }] : undefined,
          },
        ],
      },
    };
  }
}

/**
 * A Duration as a Go duration in one unit, the largest that divides it (`90s`, `5m`, `36h`): what
 * `time.ParseDuration` reads and what arena writes.
 */
function toGoDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms === 0) return '0s';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `template.spec.tasks[0].template` in `{ template: object }`, as the AppWrapper controller resolves it. */
function valueAtPath(root: Record<string, unknown>, path: string): unknown {
  if (!/^template(?=[.[]|$)/.test(path)) return undefined;
  let current: unknown = root.template;
  let rest = path.slice('template'.length);
  while (rest.length > 0) {
    const step = /^(?:\.([^.[\]]+)|\[(\d+)\])/.exec(rest);
    if (!step || typeof current !== 'object' || current === null) return undefined;
    current = step[1] !== undefined
      ? (Array.isArray(current) ? undefined : (current as Record<string, unknown>)[step[1]])
      : (Array.isArray(current) ? current[Number(step[2])] : undefined);
    rest = rest.slice(step[0].length);
  }
  return current;
}

function validateAppWrapperJobProps(name: string, innerType: InnerJobType, p: AppWrapperJobProps): void {
  checkImageReference('image', p.image);
  if (p.command.length === 0) throw new Error('\'command\' is empty: give the command the pods run, e.g. [\'sh\', \'-c\', \'python train.py\']');
  if (!DNS_1035.test(name) || name.length > 63) {
    throw new Error(`'metadata.name' ('${name}') must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters): it also names the wrapped job and its Service`);
  }

  const misplaced = innerType === InnerJobType.PYTORCH ? VOLCANO_ONLY : PYTORCH_ONLY;
  for (const prop of misplaced) {
    if (p[prop] === undefined) continue;
    if (innerType === InnerJobType.PYTORCH) {
      throw new Error(`'${prop}' is only for the Volcano inner type, but 'innerType' is 'pytorch': set innerType: InnerJobType.VOLCANO or remove '${prop}'`);
    }
    throw new Error(`'${prop}' is only for the PyTorch inner type, but 'innerType' is 'volcano': ${prop === 'workers' ? 'set the pod count with \'replicas\'' : `remove '${prop}'`}`);
  }

  const integer = (prop: string, n: number | undefined, min: number, what: string): void => {
    if (n !== undefined && !isIntegerIn(n, min, INT32_MAX)) throw new Error(`'${prop}' (${n}) must be an integer of at least ${min}: ${what}`);
  };
  integer('gpusPerPod', p.gpusPerPod, 0, 'the nvidia.com/gpu request of each pod');
  integer('workers', p.workers, 1, 'the number of pods, the Master included');
  integer('replicas', p.replicas, 1, 'the number of pods of the Volcano task');
  integer('minAvailable', p.minAvailable, 1, 'the pods that must be schedulable together');
  integer('maxRetry', p.maxRetry, 0, 'Volcano\'s retries of the task\'s pods');
  integer('retryLimit', p.retryLimit, 0, 'the AppWrapper\'s resets before it fails (0: no retries)');
  integer('networkTopology.highestTierAllowed', p.networkTopology?.highestTierAllowed, 0, 'the highest HyperNode tier the pods may span');
  integer('partitions.totalPartitions', p.partitions?.totalPartitions, 1, 'the number of partitions');
  integer('partitions.partitionSize', p.partitions?.partitionSize, 1, 'the pods per partition');
  const replicas = p.replicas ?? 1;
  if (p.minAvailable !== undefined && p.minAvailable > replicas) {
    throw new Error(`'minAvailable' (${p.minAvailable}) must be <= 'replicas' (${replicas})`);
  }
  if (p.partitions && p.partitions.totalPartitions * p.partitions.partitionSize !== replicas) {
    const { totalPartitions: t, partitionSize: s } = p.partitions;
    throw new Error(`'partitions' (${t} x ${s} = ${t * s} pods) must cover 'replicas' (${replicas}) exactly: totalPartitions * partitionSize == replicas`);
  }
  if (p.masterPort !== undefined && !isIntegerIn(p.masterPort, 1, 65535)) {
    throw new Error(`'masterPort' (${p.masterPort}) must be an integer from 1 to 65535`);
  }
  if (p.schedulerName !== undefined && (p.schedulerName.trim() === '' || p.schedulerName.length > 63)) {
    throw new Error(`'schedulerName' ('${p.schedulerName}') must be a scheduler name of 1 to 63 characters, e.g. 'volcano'`);
  }

  const task = p.taskName ?? 'worker';
  if (!DNS_LABEL.test(task) || task.length > 63) {
    throw new Error(`'taskName' ('${task}') must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`);
  }
  const longestPod = innerType === InnerJobType.PYTORCH
    ? ((p.workers ?? 1) > 1 ? `${name}-worker-${(p.workers ?? 1) - 2}` : `${name}-master-0`)
    : `${name}-${task}-${replicas - 1}`;
  if (longestPod.length > 63) {
    throw new Error(`'metadata.name' ('${name}') is too long: pod '${longestPod}' would have ${longestPod.length} characters, but a pod's hostname (and its Service) is at most 63; shorten the name${innerType === InnerJobType.VOLCANO ? ' or \'taskName\'' : ''}`);
  }

  for (const [prop, , fallback] of DURATIONS) {
    const d = p[prop] ?? fallback;
    if (d.toMilliseconds() > GRACE_PERIOD_CEILING_HOURS * 3_600_000) {
      throw new Error(`'${prop}' (${toGoDuration(d)}) is longer than ${GRACE_PERIOD_CEILING_HOURS} hours: the AppWrapper controller would silently clamp it to ${GRACE_PERIOD_CEILING_HOURS}h (its gracePeriodCeiling); use at most Duration.hours(${GRACE_PERIOD_CEILING_HOURS})`);
    }
  }
  if (p.successTtl) {
    const ms = p.successTtl.toMilliseconds();
    if (ms === 0) {
      throw new Error(`'successTtl' (${toGoDuration(p.successTtl)}) must be longer than 0: the AppWrapper controller would silently use its ${SUCCESS_TTL_CEILING_DAYS}-day ceiling instead; leave successTtl unset for ${SUCCESS_TTL_CEILING_DAYS} days`);
    }
    if (ms > SUCCESS_TTL_CEILING_DAYS * 86_400_000) {
      throw new Error(`'successTtl' (${toGoDuration(p.successTtl)}) is longer than ${SUCCESS_TTL_CEILING_DAYS} days: the AppWrapper controller would silently cap it at ${SUCCESS_TTL_CEILING_DAYS} days (its successTTLCeiling); use at most Duration.days(${SUCCESS_TTL_CEILING_DAYS})`);
    }
  }

  for (const prop of ['terminalExitCodes', 'retryableExitCodes'] as const) {
    for (const code of p[prop] ?? []) {
      if (!isIntegerIn(code, 1, 255)) throw new Error(`'${prop}' contains ${code}: exit codes are integers from 1 to 255 (0 is success)`);
    }
  }
  const both = (p.terminalExitCodes ?? []).find((c) => (p.retryableExitCodes ?? []).includes(c));
  if (both !== undefined) {
    throw new Error(`'terminalExitCodes' and 'retryableExitCodes' both contain ${both}: an exit code is either terminal or retryable`);
  }

  const queue = typeof p.queue === 'string' ? p.queue : p.queue?.name;
  for (const [prop, value, what] of [['queue', queue, 'LocalQueue'], ['priorityClass', p.priorityClass, 'WorkloadPriorityClass']] as const) {
    if (value !== undefined && (!DNS_SUBDOMAIN.test(value) || value.length > 63)) {
      throw new Error(`'${prop}' ('${value}') must be a ${what} name: a DNS-1123 subdomain of at most 63 characters (it is the value of a kueue.x-k8s.io label)`);
    }
  }

  const ownLabels: Record<string, string> = {
    [QUEUE_LABEL]: 'use the \'queue\' prop, which labels the AppWrapper only: Kueue must find the queue on the AppWrapper, not on the wrapped job or its pods',
    [PRIORITY_LABEL]: 'use the \'priorityClass\' prop, which labels the AppWrapper only',
    [APP_WRAPPER_LABEL]: 'the construct (and the AppWrapper controller) set it to the AppWrapper\'s name',
  };
  for (const key of Object.keys(p.labels ?? {})) {
    if (ownLabels[key]) throw new Error(`'labels' sets '${key}': ${ownLabels[key]}`);
  }
  for (const key of Object.keys(p.annotations ?? {})) {
    if (key.startsWith(APP_WRAPPER_ANNOTATION_PREFIX)) {
      throw new Error(`'annotations' sets '${key}': 'annotations' also go on every pod; use the props (retryLimit, admissionGracePeriod, ...) or put AppWrapper controller settings in 'metadata.annotations'`);
    }
  }
  // Annotation key (after the prefix) -> the prop that renders it.
  const settingProps = new Map<string, string>([
    ['retryLimit', 'retryLimit'],
    ...DURATIONS.map(([prop, key]): [string, string] => [key, prop]),
    ['successTTLDuration', 'successTtl'],
    ['terminalExitCodes', 'terminalExitCodes'],
    ['retryableExitCodes', 'retryableExitCodes'],
  ]);
  for (const key of Object.keys(p.metadata?.annotations ?? {})) {
    const prop = settingProps.get(key.slice(APP_WRAPPER_ANNOTATION_PREFIX.length));
    if (key.startsWith(APP_WRAPPER_ANNOTATION_PREFIX) && prop) {
      throw new Error(`'metadata.annotations' sets '${key}', which the '${prop}' prop renders: use '${prop}'`);
    }
  }
  const ownEnv = ['gpus', 'workers', ...(innerType === InnerJobType.VOLCANO
    ? ['MASTER_ADDR', 'MASTER_PORT', 'NNODES', 'NPROC_PER_NODE', 'WORLD_SIZE', 'RANK', 'NODE_RANK', 'LOCAL_WORLD_SIZE', 'PET_NPROC_PER_NODE']
    : [])];
  for (const key of Object.keys(p.env ?? {})) {
    if (ownEnv.includes(key)) {
      throw new Error(`'env' sets '${key}', which AppWrapperJob sets itself: remove it from 'env'${key === 'MASTER_PORT' ? ' and set \'masterPort\'' : ''}`);
    }
  }
  validateTolerations('tolerations', p.tolerations ?? []);
}
