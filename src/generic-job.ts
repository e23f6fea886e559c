import { Construct } from 'constructs';
import { DNS_1035_LABEL_PATTERN, GENERIC_JOB, GENERIC_JOB_LIMITS, REPLICA_NAME_MAX_LENGTH } from './api';
import { NVIDIA_GPU } from './api/pod-template';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { checkImageReference } from './image-reference';
import { renderPodTemplate, ReplicaPodProps } from './pod-template-renderer';
import { findT9kVariables } from './t9k-variables';
import { DNS_LABEL, isIntegerIn, quoteList } from './validation-helpers';
import type {
  FinishRule as FinishRuleSpec,
  GenericJobSpec,
  PodTemplateSpec,
  ReplicaSpec as ReplicaSpecWire,
  ServicePort,
} from '../imports/batch.tensorstack.dev';

/**
 * Which replicas the controller deletes when the job finishes.
 */
export enum CleanUpPolicy {
  /** Keep every replica (the default). */
  NONE = 'None',
  /** Delete the replicas still pending, running or unknown. */
  UNFINISHED = 'Unfinished',
  /** Delete every replica. */
  ALL = 'All',
}

/**
 * How the controller restarts the replicas of one type. Pods are always created with
 * `restartPolicy: Never`; the controller recreates them per this policy, at most `limit` times for
 * the replicas of the type together (T9k counts restarts per type, in `status.tasks[].restartCount`).
 */
export class ReplicaRestartPolicy {
  /** Never restart. */
  public static never(): ReplicaRestartPolicy {
    return new ReplicaRestartPolicy('Never', 0);
  }

  /** Restart a replica that failed; `limit` restarts for the type in all (default 0, the T9k default). */
  public static onFailure(limit: number = 0): ReplicaRestartPolicy {
    return new ReplicaRestartPolicy('OnFailure', limit);
  }

  /** Restart a replica whenever it finishes; `limit` restarts for the type in all. May keep the job from ever finishing. */
  public static always(limit: number = 0): ReplicaRestartPolicy {
    return new ReplicaRestartPolicy('Always', limit);
  }

  private constructor(
    /** `Never`, `OnFailure` or `Always`. */
    public readonly policy: 'Never' | 'OnFailure' | 'Always',
    /** Maximum restarts of the replicas of this type, together. */
    public readonly limit: number,
  ) {}
}

/** Why an empty finish rule is refused (the CRD's `minProperties` / `minItems` say the same). */
const EMPTY_RULE = 'an empty rule holds at once and would finish the job before any replica ran';

/**
 * A success or failure rule: the replicas (type -> ranks) that must all reach the outcome.
 *
 * @example
 * FinishRule.of({ master: [0] })            // master 0
 * FinishRule.of({ master: [2], worker: [0, 1] })
 * FinishRule.ranks('worker', 0, 1, 2)
 */
export class FinishRule {
  /**
   * A rule over several replica types. Throws when it names no type, or a type with no ranks:
   * such a rule holds at once.
   */
  public static of(ranks: Record<string, readonly number[]>): FinishRule {
    const entries = Object.entries(ranks);
    if (entries.length === 0) {
      throw new Error(`FinishRule.of({}) names no replica: a rule needs at least one replica type with at least one rank, e.g. FinishRule.of({ worker: [0] }); ${EMPTY_RULE}`);
    }
    for (const [type, r] of entries) {
      if (r.length === 0) {
        throw new Error(`FinishRule.of() gives replica type '${type}' no ranks: list at least one, e.g. { ${JSON.stringify(type)}: [0] }, or leave the type out; ${EMPTY_RULE}`);
      }
    }
    return new FinishRule(Object.fromEntries(entries.map(([t, r]) => [t, [...r]])));
  }

  /** A rule over some ranks (at least one) of one replica type. */
  public static ranks(replicaType: string, ...ranks: number[]): FinishRule {
    if (ranks.length === 0) {
      throw new Error(`FinishRule.ranks('${replicaType}') names no rank: list at least one, e.g. FinishRule.ranks('${replicaType}', 0); ${EMPTY_RULE}`);
    }
    return new FinishRule({ [replicaType]: ranks });
  }

  private constructor(
    /** Replica type -> ranks, as on the wire. */
    public readonly replicas: Record<string, number[]>,
  ) {}
}

/**
 * One replica type of a GenericJob: how many pods, how they restart and what they run.
 *
 * The pod is described like a cdk8s-plus `Pod` (containers, volumes, security context, ...), with
 * the same defaults but these: the pod meets Pod Security "restricted" (non-root, no privilege
 * escalation, capabilities dropped, seccomp `RuntimeDefault`) with a writable root filesystem, and
 * `imagePullPolicy` is left to Kubernetes' rule unless a container sets it. An image that runs as
 * root needs `securityContext: { user: 1000 }` (any non-zero UID) on the replica, or
 * `securityContext: { ensureNonRoot: false }` to run as root. Or, as an escape hatch, as a raw
 * `podTemplate`. Every image must be a valid image reference.
 */
export interface ReplicaSpecProps extends ReplicaPodProps {
  /** Replica type, e.g. `worker`. A DNS-1123 label; pods are named `<job>-<type>-<rank>`. */
  readonly type: string;

  /**
   * Number of replicas (pods) of this type.
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * How the controller restarts the replicas of this type.
   *
   * @default ReplicaRestartPolicy.onFailure(0)
   */
  readonly restartPolicy?: ReplicaRestartPolicy;

  /**
   * A raw pod template (wire format) instead of `containers` and the other pod props.
   *
   * @default - rendered from `containers` and the pod props
   */
  readonly podTemplate?: PodTemplateSpec;
}

/** Debug command of one replica type. */
export interface DebugReplicaOptions {
  /** Replica type. */
  readonly type: string;
  /**
   * Drop init containers.
   *
   * @default false
   */
  readonly skipInitContainer?: boolean;
  /**
   * Command run instead of the real one.
   *
   * @default ['sleep', 'inf']
   */
  readonly command?: string[];
}

/**
 * Debug mode: pods are created but run a no-op command, for interactive debugging. Chosen when
 * the job is created: the API server refuses to add, change or remove it later.
 */
export interface DebugModeOptions {
  /**
   * Whether debug mode is on.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Per-type debug settings.
   *
   * @default - every replica runs `sleep inf`
   */
  readonly replicas?: DebugReplicaOptions[];
}

/** How one replica type resumes after a pause. */
export interface ResumeReplicaOptions {
  /** Replica type. */
  readonly type: string;
  /**
   * Drop init containers when resuming.
   *
   * @default false
   */
  readonly skipInitContainer?: boolean;
  /**
   * Command when resuming.
   *
   * @default - the template's command
   */
  readonly command?: string[];
  /**
   * Arguments when resuming.
   *
   * @default - the template's args
   */
  readonly args?: string[];
}

/**
 * Pause mode: the replicas are deleted and the job holds until pause is disabled. The resume
 * settings are immutable once the job exists, so set them up front (with `enabled: false`).
 */
export interface PauseModeOptions {
  /**
   * Whether the job is paused.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Per-type overrides when resuming.
   *
   * @default - replicas resume with their template's command and args
   */
  readonly resume?: ResumeReplicaOptions[];
}

/** T9k scheduler settings: the controller creates a PodGroup `<job>` in this queue. */
export interface T9kSchedulerOptions {
  /** Queue of the job's PodGroup. */
  readonly queue: string;
  /**
   * PodGroup priority, 0 (lowest) to 100.
   *
   * @default 0
   */
  readonly priority?: number;
}

/** Properties for `GenericJob`. */
export interface GenericJobProps extends CustomResourceProps {
  /**
   * Replica types. More can be added with `addReplicaSpec()`; at least one is required.
   * Immutable once the job exists (the API server refuses a change, as for a batch/v1 Job's pod
   * template): delete and recreate the job to change them.
   *
   * Each replica's pod and Service is named `<job>-<type>-<rank>`, which must be at most 63
   * characters.
   *
   * @default - none yet
   */
  readonly replicaSpecs?: ReplicaSpecProps[];

  /**
   * The job succeeds when any rule holds.
   *
   * @default - the job succeeds when every replica has succeeded
   */
  readonly successRules?: FinishRule[];

  /**
   * The job fails when any rule holds.
   *
   * @default - the job fails when any replica has failed with its restarts exhausted
   */
  readonly failureRules?: FinishRule[];

  /**
   * Ports of the per-replica headless Services `<job>-<type>-<rank>`. Needed for
   * `T9kVariable.serviceHost()` and `T9kVariable.servicePort()`. With more than one port, every
   * port needs a unique name; with any port, the job name must start with a lowercase letter and
   * contain no dots (a Service name is a DNS-1035 label).
   *
   * @default - no Services
   */
  readonly servicePorts?: ServicePort[];

  /**
   * Debug mode. Immutable once the job exists, including whether the block is there at all:
   * delete and recreate the job to turn debug mode on or off.
   *
   * @default - off
   */
  readonly debug?: DebugModeOptions;

  /**
   * Pause mode.
   *
   * @default - off
   */
  readonly pause?: PauseModeOptions;

  /**
   * Which replicas are deleted when the job finishes.
   *
   * @default CleanUpPolicy.NONE
   */
  readonly cleanUpPolicy?: CleanUpPolicy;

  /**
   * Schedule the pods with the T9k scheduler (PodGroup, queue, priority).
   *
   * @default - the default kube-scheduler
   */
  readonly t9kScheduler?: T9kSchedulerOptions;
}

interface ReplicaSpecEntry {
  readonly props: ReplicaSpecProps;
  readonly index: number;
}

/**
 * A T9k `GenericJob` (`batch.tensorstack.dev/v1beta1`): a distributed batch job made of one or
 * more replica types, each a set of pods `<job>-<type>-<rank>`, with success and failure rules,
 * per-replica Services, debug and pause modes, cleanup and T9k scheduling.
 *
 * Emits only the custom resource; add a `KubejobsController` to the app to also install the CRD
 * and the controller, or run it on a cluster where T9k's operator runs.
 */
export class GenericJob extends CustomResource {
  private readonly replicaSpecs: ReplicaSpecEntry[] = [];
  private readonly props: GenericJobProps;
  private readonly renderedTemplates = new Map<ReplicaSpecProps, PodTemplateSpec>();

  public constructor(scope: Construct, id: string, props: GenericJobProps = {}) {
    super(scope, id, GENERIC_JOB, props);
    this.props = props;
    validateScheduler(props.t9kScheduler);
    validateServicePorts(props.servicePorts ?? []);
    for (const r of props.replicaSpecs ?? []) this.addReplicaSpec(r);
  }

  /** Adds a replica type. Throws on invalid props. */
  public addReplicaSpec(spec: ReplicaSpecProps): void {
    const index = this.replicaSpecs.length;
    const prop = `replicaSpecs[${index}]`;
    if (typeof spec?.type !== 'string') {
      throw new Error(`'${prop}.type' is required: name the replica type, e.g. { type: 'worker', containers: [{ image: 'python:3.12-slim' }] }`);
    }
    if (!DNS_LABEL.test(spec.type) || spec.type.length > 63) {
      throw new Error(`'${prop}.type' ('${spec.type}') must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`);
    }
    const duplicate = this.replicaSpecs.find((r) => r.props.type === spec.type);
    if (duplicate) {
      throw new Error(`'${prop}.type' ('${spec.type}') is already declared by 'replicaSpecs[${duplicate.index}]': replica types must be unique; merge them or rename one`);
    }
    if (this.replicaSpecs.length >= GENERIC_JOB_LIMITS.replicaSpecs) {
      throw new Error(`'${prop}': a GenericJob has at most ${GENERIC_JOB_LIMITS.replicaSpecs} replica types`);
    }
    const replicas = spec.replicas ?? 1;
    if (!isIntegerIn(replicas, 1, GENERIC_JOB_LIMITS.replicasPerType)) {
      throw new Error(`'${prop}.replicas' (${replicas}) must be an integer from 1 to ${GENERIC_JOB_LIMITS.replicasPerType}`);
    }
    const limit = spec.restartPolicy?.limit ?? 0;
    if (!isIntegerIn(limit, 0, 32767)) {
      throw new Error(`'${prop}.restartPolicy' limit (${limit}) must be an integer from 0 to 32767`);
    }
    const hasPodProps = (spec.containers?.length ?? 0) > 0 || (spec.initContainers?.length ?? 0) > 0 || (spec.volumes?.length ?? 0) > 0;
    if (spec.podTemplate && hasPodProps) {
      throw new Error(`'${prop}' sets both 'podTemplate' and pod props ('containers', 'initContainers' or 'volumes'): use one of them`);
    }
    if (spec.gpusPerPod !== undefined && !isIntegerIn(spec.gpusPerPod, 0, 1024)) {
      throw new Error(`'${prop}.gpusPerPod' (${JSON.stringify(spec.gpusPerPod)}) must be a whole number of GPUs per pod from 0 to 1024, e.g. gpusPerPod: 1`);
    }
    if (spec.podTemplate && spec.gpusPerPod) {
      throw new Error(`'${prop}' sets both 'podTemplate' and 'gpusPerPod': with a raw template, set the '${NVIDIA_GPU}' request and limit in its container's resources`);
    }
    if (!spec.podTemplate && (spec.containers?.length ?? 0) === 0) {
      throw new Error(`'${prop}.containers' is empty: a replica needs at least one container, e.g. containers: [{ image: 'python:3.12', command: ['python', 'train.py'] }]`);
    }
    checkReplicaImages(prop, spec);
    this.replicaSpecs.push({ props: spec, index });
  }

  /** The replica types declared so far. */
  public get replicaTypes(): string[] {
    return this.replicaSpecs.map((r) => r.props.type);
  }

  protected renderSpec(): GenericJobSpec {
    const p = this.props;
    const debug = p.debug && {
      enabled: p.debug.enabled ?? true,
      replicaSpecs: p.debug.replicas?.map((r) => ({ type: r.type, skipInitContainer: r.skipInitContainer ?? false, command: r.command })),
    };
    const pause = p.pause && {
      enabled: p.pause.enabled ?? true,
      resumeSpecs: p.pause.resume?.map((r) => ({ type: r.type, skipInitContainer: r.skipInitContainer ?? false, command: r.command, args: r.args })),
    };
    return {
      replicaSpecs: this.replicaSpecs.map(({ props }) => this.renderReplicaSpec(props)),
      successRules: p.successRules?.map((r) => r.replicas as FinishRuleSpec),
      failureRules: p.failureRules?.map((r) => r.replicas as FinishRuleSpec),
      service: p.servicePorts ? { ports: p.servicePorts.map(withDefaultProtocol) } : undefined,
      // Always written, `{}` when neither mode is set: adding `debug` later is then a change at
      // `spec.runMode.debug`, the path of the CRD's immutability rule, so tools that key immutable
      // fields by path (the Pulumi components' replaceOnChanges) plan the replacement the API
      // server requires; without it the change would be the whole `spec.runMode`, planned as an
      // update that the API server refuses.
      runMode: { debug, pause },
      cleanUpPolicy: p.cleanUpPolicy,
      scheduler: p.t9kScheduler ? { t9kScheduler: { queue: p.t9kScheduler.queue, priority: p.t9kScheduler.priority } } : undefined,
    };
  }

  private renderReplicaSpec(props: ReplicaSpecProps): ReplicaSpecWire {
    const { type, replicas, restartPolicy } = props;
    const policy = restartPolicy ?? ReplicaRestartPolicy.onFailure(0);
    return {
      type,
      replicas: replicas ?? 1,
      restartPolicy: { policy: policy.policy, limit: policy.limit },
      template: this.podTemplateOf(props),
    };
  }

  /** The replica's pod template, rendered once (synth renders it for the spec and for the variable checks). */
  private podTemplateOf(props: ReplicaSpecProps): PodTemplateSpec {
    let template = this.renderedTemplates.get(props);
    if (!template) {
      const { type, replicas, restartPolicy, podTemplate, ...podProps } = props;
      template = withDefaultPortProtocols(podTemplate ?? renderPodTemplate(podProps));
      this.renderedTemplates.set(props, template);
    }
    return template;
  }

  protected validateProps(): string[] {
    const declared = new Map(this.replicaSpecs.map((r) => [r.props.type, r.props.replicas ?? 1]));
    const types = quoteList([...declared.keys()]);
    const errors: string[] = [];
    if (declared.size === 0) {
      errors.push('\'replicaSpecs\' is empty: a GenericJob needs at least one replica spec; pass \'replicaSpecs\' or call addReplicaSpec()');
      return errors;
    }
    const checkType = (prop: string, type: string): boolean => {
      if (declared.has(type)) return true;
      errors.push(`'${prop}' names replica type '${type}', but the job declares only ${types}`);
      return false;
    };
    for (const field of ['successRules', 'failureRules'] as const) {
      (this.props[field] ?? []).forEach((rule, i) => {
        for (const [type, ranks] of Object.entries(rule.replicas)) {
          if (!checkType(`${field}[${i}]`, type)) continue;
          const count = declared.get(type)!;
          for (const rank of ranks) {
            if (!isIntegerIn(rank, 0, count - 1)) {
              errors.push(`'${field}[${i}]' names rank ${rank} of '${type}', but '${type}' has ${count} replica${count === 1 ? '' : 's'} (ranks 0 to ${count - 1})`);
            }
          }
        }
      });
    }
    errors.push(...this.validateDerivedNames());
    this.props.debug?.replicas?.forEach((r, i) => checkType(`debug.replicas[${i}].type`, r.type));
    this.props.pause?.resume?.forEach((r, i) => checkType(`pause.resume[${i}].type`, r.type));
    errors.push(...this.validateVariables(declared, types));
    return errors;
  }

  /**
   * The controller names each replica's pod and Service `<job>-<type>-<rank>` and labels its pods
   * with it: the CRD's root rules on `metadata.name`, with the construct's name and fix.
   */
  private validateDerivedNames(): string[] {
    const name = this.apiObject.name;
    const given = this.props.metadata?.name !== undefined;
    const subject = given ? `'metadata.name' ('${name}')` : `The name generated for GenericJob '${this.node.path}' ('${name}')`;
    const errors: string[] = [];
    const suffixLength = (r: ReplicaSpecProps) => r.type.length + String((r.replicas ?? 1) - 1).length + 2;
    const longest = this.replicaSpecs.map((r) => r.props).reduce((a, b) => (suffixLength(b) > suffixLength(a) ? b : a));
    const derived = `${name}-${longest.type}-${(longest.replicas ?? 1) - 1}`;
    if (derived.length > REPLICA_NAME_MAX_LENGTH) {
      const room = REPLICA_NAME_MAX_LENGTH - suffixLength(longest);
      const fix = room <= 0 ? `shorten the replica type '${longest.type}'`
        : given ? `shorten 'metadata.name' to at most ${room} characters, or the replica type '${longest.type}'`
          : `set a 'metadata.name' of at most ${room} characters, or shorten the replica type '${longest.type}'`;
      errors.push(`${subject} is too long: replica '${derived}' would have ${derived.length} characters, more than ${REPLICA_NAME_MAX_LENGTH} `
        + `(each replica's pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>); ${fix}`);
    }
    if ((this.props.servicePorts?.length ?? 0) > 0 && !new RegExp(DNS_1035_LABEL_PATTERN).test(name)) {
      const suggestion = /^[a-z]/.test(name) ? name.replace(/\./g, '-') : `job-${name.replace(/\./g, '-')}`;
      errors.push(`${subject} cannot name the replica Services: with 'servicePorts' each replica gets a headless Service <job>-<type>-<rank>, `
        + 'and a Service name must be a DNS-1035 label (start with a lowercase letter; only lowercase letters, digits and \'-\'; no dots); '
        + `rename the job, e.g. '${suggestion}'`);
    }
    return errors;
  }

  /** T9k variables must refer to declared types, existing ranks and port names. */
  private validateVariables(declared: Map<string, number>, types: string): string[] {
    const errors: string[] = [];
    const portNames = new Set((this.props.servicePorts ?? []).map((p) => p.name).filter((n): n is string => !!n));
    for (const { props, index } of this.replicaSpecs) {
      const template = this.podTemplateOf(props);
      const containers = [...(template.spec.initContainers ?? []), ...template.spec.containers];
      for (const c of containers) {
        const texts = [...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e) => e.value ?? '')];
        for (const v of texts.flatMap(findT9kVariables)) {
          const where = `'replicaSpecs[${index}]' container '${c.name}' uses '${v.text}'`;
          if ((v.kind === 'serviceHost' || v.kind === 'servicePort') && !this.props.servicePorts) {
            errors.push(`${where}, but the job has no 'servicePorts': add servicePorts so the controller creates the replica Services`);
          } else if ((v.kind === 'replicas' || v.kind === 'serviceHost') && !declared.has(v.replicaType)) {
            errors.push(`${where}, but the job declares only ${types}`);
          } else if (v.kind === 'serviceHost' && v.rank >= declared.get(v.replicaType)!) {
            errors.push(`${where}, but '${v.replicaType}' has ${declared.get(v.replicaType)} replicas (ranks 0 to ${declared.get(v.replicaType)! - 1})`);
          } else if (v.kind === 'servicePort' && !portNames.has(v.portName)) {
            errors.push(`${where}, but no service port is named '${v.portName}' (named ports: ${quoteList([...portNames]) || 'none'})`);
          }
        }
      }
    }
    return errors;
  }
}

/**
 * The API server fills in the CRD's defaults, also inside lists; a list is replaced whole by
 * client-side `kubectl apply` (JSON merge patch), so one with a default left out differs from the
 * stored one on every apply (`configured`, never `unchanged`). Such defaults are written out.
 */
function withDefaultProtocol<P extends { protocol?: string }>(port: P): P {
  return { ...port, protocol: port.protocol ?? 'TCP' };
}

function withDefaultPortProtocols(template: PodTemplateSpec): PodTemplateSpec {
  const containers = (list: PodTemplateSpec['spec']['containers'] | undefined) => list?.map((c) => (c.ports ? { ...c, ports: c.ports.map(withDefaultProtocol) } : c));
  const spec = { ...template.spec, containers: containers(template.spec.containers)! };
  if (template.spec.initContainers) spec.initContainers = containers(template.spec.initContainers);
  return { ...template, spec };
}

/** Every image of a replica, by the prop that gave it. */
function checkReplicaImages(prop: string, spec: ReplicaSpecProps): void {
  if (spec.podTemplate) {
    const podSpec = spec.podTemplate.spec;
    for (const field of ['initContainers', 'containers'] as const) {
      // A missing image is the API server's to report (\`Required value\`) when the pod is created.
      (podSpec?.[field] ?? []).forEach((c, i) => c.image !== undefined && checkImageReference(`${prop}.podTemplate.spec.${field}[${i}].image`, c.image));
    }
    return;
  }
  for (const field of ['initContainers', 'containers'] as const) {
    (spec[field] ?? []).forEach((c, i) => checkImageReference(`${prop}.${field}[${i}].image`, c.image));
  }
}

function validateScheduler(s: T9kSchedulerOptions | undefined): void {
  if (!s) return;
  if (s.queue.trim() === '') {
    throw new Error('\'t9kScheduler.queue\' is empty: name the T9k scheduler queue the job\'s PodGroup joins, e.g. \'default\'');
  }
  if (s.priority !== undefined && !isIntegerIn(s.priority, 0, 100)) {
    throw new Error(`'t9kScheduler.priority' (${s.priority}) must be an integer from 0 (lowest) to 100`);
  }
}

function validateServicePorts(ports: ServicePort[]): void {
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    if (!isIntegerIn(p.port, 1, 65535)) {
      throw new Error(`'servicePorts[${i}].port' (${p.port}) must be an integer from 1 to 65535`);
    }
    if (p.name === undefined && ports.length > 1) {
      throw new Error(`'servicePorts[${i}]' (port ${p.port}) has no name: with more than one port, every port needs a name `
        + `(Kubernetes rejects unnamed ports in a multi-port Service); add one, e.g. { name: 'port-${p.port}', port: ${p.port} }`);
    }
    if (p.name !== undefined) {
      if (seen.has(p.name)) throw new Error(`'servicePorts[${i}].name' ('${p.name}') is used by another port: port names must be unique`);
      seen.add(p.name);
    }
  });
}
