import { createHash } from 'crypto';
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  DNS_SUBDOMAIN_PATTERN,
  ENV_VAR_NAME_PATTERN,
  IMAGE_TAG_NAME_PLACEHOLDER,
  RADIX_JOB_DEFINITION_API_VERSION,
  RADIX_JOB_DEFINITION_KIND,
  SECRET_KEY_PATTERN,
  validateJobDefinition,
} from './api';
import { omitServerDroppedZeroValues, selectPodsByLabels } from './internal/stable-objects';
import { DEFAULT_CONTROLLER_IMAGE, LogLevel } from './kubejobs-controller';
import { PACKAGE_VERSION } from './package-version';
import { defaultRuntimeResources, healthProbes, RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from './restricted-pod';
import { requestMemoryBudget } from './scheduler/memory-budget';
import { JOB_SCHEDULER_PERMISSIONS } from './scheduler/permissions';
import { DNS_LABEL, isIntegerIn, requireProps } from './validation-helpers';
import type {
  RadixBatchStatusRule as WireBatchStatusRule,
  RadixJobComponent,
  RadixJobDefinition,
  RadixResourceRequirements,
} from '../imports/kubejobs.dev';

export { JOB_SCHEDULER_PERMISSIONS };

/** Statuses of a job, as batch status rules test them (Radix `RadixBatchJobPhase`). */
export enum RadixJobStatus {
  /** Created, no pod yet. */
  WAITING = 'Waiting',
  /** Its pod exists but is not ready. */
  ACTIVE = 'Active',
  /** Its pod is ready. */
  RUNNING = 'Running',
  /** Completed successfully. */
  SUCCEEDED = 'Succeeded',
  /** Failed (non-zero exit after the retries, or past its time limit). */
  FAILED = 'Failed',
  /** Stopped through the API. */
  STOPPED = 'Stopped',
}

/** Statuses a batch status rule can give a batch (Radix `RadixBatchJobApiStatus`). */
export enum RadixBatchStatus {
  /** No job has started. */
  WAITING = 'Waiting',
  /** Some job has a pod. */
  ACTIVE = 'Active',
  /** Running. */
  RUNNING = 'Running',
  /** Succeeded. */
  SUCCEEDED = 'Succeeded',
  /** Failed. */
  FAILED = 'Failed',
  /** Being stopped. */
  STOPPING = 'Stopping',
  /** Stopped. */
  STOPPED = 'Stopped',
  /** Every job is done. */
  COMPLETED = 'Completed',
}

/**
 * A Radix batch status rule: gives a batch a status from its jobs' statuses. Rules are tried in
 * order and the first that holds wins; when none holds, the batch status is Waiting, Active or
 * Completed from its jobs.
 */
export class BatchStatusRule {
  /** `batchStatus` when at least one job has one of `jobStatuses` (Radix `condition: Any, operator: In`). */
  public static anyJobIn(jobStatuses: RadixJobStatus[], batchStatus: RadixBatchStatus): BatchStatusRule {
    return new BatchStatusRule({ condition: 'Any', operator: 'In', jobStatuses: [...jobStatuses], batchStatus });
  }

  /** `batchStatus` when at least one job has none of `jobStatuses` (Radix `condition: Any, operator: NotIn`). */
  public static anyJobNotIn(jobStatuses: RadixJobStatus[], batchStatus: RadixBatchStatus): BatchStatusRule {
    return new BatchStatusRule({ condition: 'Any', operator: 'NotIn', jobStatuses: [...jobStatuses], batchStatus });
  }

  /** `batchStatus` when every job has one of `jobStatuses` (Radix `condition: All, operator: In`). */
  public static allJobsIn(jobStatuses: RadixJobStatus[], batchStatus: RadixBatchStatus): BatchStatusRule {
    return new BatchStatusRule({ condition: 'All', operator: 'In', jobStatuses: [...jobStatuses], batchStatus });
  }

  /** `batchStatus` when no job has any of `jobStatuses` (Radix `condition: All, operator: NotIn`). */
  public static allJobsNotIn(jobStatuses: RadixJobStatus[], batchStatus: RadixBatchStatus): BatchStatusRule {
    return new BatchStatusRule({ condition: 'All', operator: 'NotIn', jobStatuses: [...jobStatuses], batchStatus });
  }

  private constructor(
    /** The rule as the job definition holds it. */
    public readonly rule: WireBatchStatusRule,
  ) {}
}

/** A port of the job container (radixconfig `jobs[].ports[]`). */
export interface RadixJobContainerPort {
  /** Port name: a DNS-1123 label of at most 15 characters with at least one letter. */
  readonly name: string;
  /** Port number, 1024 to 65535. */
  readonly port: number;
}

/** Default CPU and memory of a job container; Radix knows no other resources. */
export interface RadixJobResources {
  /**
   * CPU request and limit, in whole millicores.
   *
   * @default - none
   */
  readonly cpu?: kplus.CpuResources;
  /**
   * Memory request and limit.
   *
   * @default - none
   */
  readonly memory?: kplus.MemoryResources;
}

/** GPU nodes for the jobs (radixconfig `node`). */
export interface RadixJobNode {
  /**
   * GPU types separated by commas; a leading `-` excludes a type, e.g. `'nvidia-v100, -nvidia-k80'`.
   *
   * @default - any GPU type (with `gpuCount`), or no GPU node at all
   */
  readonly gpu?: string;
  /**
   * Minimum number of GPUs on the node.
   *
   * @default - 1 when `gpu` is set
   */
  readonly gpuCount?: number;
}

/** An environment variable of the job container taken from a key of an existing Secret. */
export interface RadixJobSecretEnv {
  /** Environment variable name. */
  readonly name: string;
  /** Name of the Secret, in the scheduler's namespace. */
  readonly secretName: string;
  /** Key in the Secret's data. */
  readonly key: string;
}

/** Notifications of job and batch status changes (radixconfig `notifications`). */
export interface RadixJobNotifications {
  /**
   * URL of an in-cluster Service to POST batch events to:
   * `http(s)://<service>[.<namespace>.svc]:<port>/<path>`.
   */
  readonly webhook: string;
}

/** Properties for `RadixJobScheduler`: a Radix job component, plus how its scheduler runs. */
export interface RadixJobSchedulerProps {
  /**
   * The job component name. The scheduler's Service has this name, so callers in the namespace
   * use `http://<name>:<schedulerPort>`.
   */
  readonly name: string;
  /**
   * Image of the job container. End it with `:{imageTagName}` to take the tag from
   * `imageTagName` (and let requests choose another).
   */
  readonly image: string;
  /**
   * Tag for an `image` ending with `:{imageTagName}`.
   *
   * @default - none; required when `image` ends with `:{imageTagName}`
   */
  readonly imageTagName?: string;
  /** Port of the scheduler's REST API, 1024 to 65535. */
  readonly schedulerPort: number;
  /**
   * Namespace of the scheduler and of every job it creates.
   *
   * @default - the chart's namespace (one of the two must be set)
   */
  readonly namespace?: string;
  /**
   * Directory in the job container where a request's payload is mounted as the file `payload`.
   *
   * @default - jobs take no payload
   */
  readonly payloadPath?: string;
  /**
   * Ports of the job container; each job then gets a Service named after it.
   *
   * @default - none
   */
  readonly ports?: RadixJobContainerPort[];
  /**
   * Default resources of a job container.
   *
   * @default - none
   */
  readonly resources?: RadixJobResources;
  /**
   * GPU nodes for the jobs.
   *
   * @default - any node
   */
  readonly node?: RadixJobNode;
  /**
   * Default maximum running time of a job, in whole seconds (Radix `timeLimitSeconds`).
   *
   * @default Duration.hours(12)
   */
  readonly timeLimit?: Duration;
  /**
   * Default number of retries of a failed job container.
   *
   * @default 0
   */
  readonly backoffLimit?: number;
  /**
   * Environment variables of the job container (not of the scheduler).
   *
   * @default - none
   */
  readonly variables?: Record<string, string>;
  /**
   * Environment variables of the job container from existing Secrets.
   *
   * @default - none
   */
  readonly secrets?: RadixJobSecretEnv[];
  /**
   * Webhook for status changes.
   *
   * @default - no notifications
   */
  readonly notifications?: RadixJobNotifications;
  /**
   * Rules that give a batch its status from its jobs' statuses, tried in order.
   *
   * @default - Waiting, Active or Completed from the jobs
   */
  readonly batchStatusRules?: BatchStatusRule[];
  /**
   * Image repository of the scheduler.
   *
   * @default 'ghcr.io/kubejobs/kubejobs'
   */
  readonly schedulerImage?: string;
  /**
   * Image tag of the scheduler.
   *
   * @default - this package's version
   */
  readonly schedulerTag?: string;
  /**
   * Resources of the scheduler container. Its memory limit sets how much request bodies the
   * scheduler takes on at once (`--max-in-flight-bytes`, `--max-request-bytes`): what the limit
   * leaves beyond 192 MiB, divided by 4 (512 MiB: 80 MiB in flight, 32 MiB per request).
   *
   * @default - requests 100m CPU / 128Mi, limits 500m CPU / 512Mi
   */
  readonly schedulerResources?: kplus.ContainerResources;
  /**
   * Log level of the scheduler.
   *
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Port of the scheduler's Prometheus `/metrics`.
   *
   * @default 9090
   */
  readonly metricsPort?: number;
  /**
   * Port of the scheduler's `/healthz` and `/readyz` probes.
   *
   * @default 9091
   */
  readonly healthPort?: number;
}

/** Where the job definition is mounted in the scheduler container. */
export const JOB_DEFINITION_DIR = '/etc/kubejobs';
/** Key of the job definition in its ConfigMap, and its file name in `JOB_DEFINITION_DIR`. */
export const JOB_DEFINITION_FILE = 'job-definition.json';

const DEFAULT_TIME_LIMIT = Duration.hours(12);
const INT32_MAX = 2 ** 31 - 1;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const GPU_TYPE = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const RESERVED_ENV_PREFIX = 'RADIX_';

/**
 * A Radix job component and its job-scheduler: `kubejobs job-scheduler` serves Radix's REST API
 * (`/api/v1/jobs`, `/api/v1/batches`) at `http://<name>:<schedulerPort>` inside the namespace,
 * and runs every requested job as a Kubernetes Job from the component's definition.
 *
 * Synthesises the scheduler Deployment (Pod Security "restricted"), the Service named after the
 * component, a ServiceAccount with a least-privilege namespaced Role, a NetworkPolicy that admits
 * only pods of the same namespace, and the job definition (`RadixJobDefinition`, a versioned JSON
 * document) in a ConfigMap the scheduler reads at start-up.
 */
export class RadixJobScheduler extends Construct {
  /** The job component name (and the name of the scheduler's Service). */
  public readonly name: string;
  /** The namespace of the scheduler and its jobs. */
  public readonly namespace: string;
  /** The scheduler's URL inside the namespace, `http://<name>:<schedulerPort>`. */
  public readonly url: string;
  /** The job definition the scheduler reads. */
  public readonly definition: RadixJobDefinition;
  /** The ConfigMap holding the job definition. */
  public readonly configMap: kplus.ConfigMap;
  /** The scheduler Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The Service callers reach the scheduler by. */
  public readonly service: kplus.Service;
  /** The scheduler's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The scheduler's namespaced Role. */
  public readonly role: kplus.Role;
  /** Binds the Role to the ServiceAccount. */
  public readonly roleBinding: kplus.RoleBinding;
  /** Admits only pods of the same namespace to the scheduler. */
  public readonly networkPolicy: kplus.NetworkPolicy;

  public constructor(scope: Construct, id: string, props: RadixJobSchedulerProps) {
    super(scope, id);
    requireProps('RadixJobScheduler', props, {
      name: 'the job component name, e.g. \'compute\'',
      image: 'the image of the job container, e.g. \'registry.example.com/compute:1.0\'',
      schedulerPort: 'the port of the scheduler\'s REST API, e.g. 8000',
    });
    this.namespace = resolveNamespace(props.namespace, Chart.of(this).namespace);
    validateSchedulerProps(props);
    this.name = props.name;
    this.url = `http://${props.name}:${props.schedulerPort}`;
    this.definition = renderDefinition(props, this.namespace);

    const metricsPort = props.metricsPort ?? 9090;
    const healthPort = props.healthPort ?? 9091;
    const labels = { 'app.kubernetes.io/name': 'kubejobs', 'app.kubernetes.io/component': 'job-scheduler', 'app.kubernetes.io/instance': props.name };
    const meta = (name: string) => ({ name, namespace: this.namespace, labels });
    const schedulerName = `${props.name}-job-scheduler`;

    const definitionJson = `${JSON.stringify(this.definition, null, 2)}\n`;
    this.configMap = new kplus.ConfigMap(this, 'JobDefinition', {
      metadata: meta(`${props.name}-job-definition`),
      data: { [JOB_DEFINITION_FILE]: definitionJson },
    });

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata: meta(schedulerName), automountToken: true });
    this.role = new kplus.Role(this, 'Role', { metadata: meta(schedulerName) });
    // Jobs, pods and Services are created by `kubejobs controller` from the RadixBatches the
    // scheduler records, so the scheduler's rights do not depend on the job's ports.
    for (const p of JOB_SCHEDULER_PERMISSIONS) {
      this.role.allow([...p.verbs], ...p.resources.map((r) => kplus.ApiResource.custom({ apiGroup: p.apiGroup, resourceType: r })));
    }
    this.roleBinding = new kplus.RoleBinding(this, 'RoleBinding', { metadata: meta(schedulerName), role: this.role });
    this.roleBinding.addSubjects(this.serviceAccount);

    const volume = kplus.Volume.fromConfigMap(this, 'JobDefinitionVolume', this.configMap, { name: 'job-definition' });
    const schedulerResources = props.schedulerResources ?? defaultRuntimeResources();
    const memoryLimit = schedulerResources.memory?.limit;
    const budget = requestMemoryBudget(memoryLimit ? memoryLimit.toKibibytes() * 1024 : undefined);
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      // Radix names the scheduler's Deployment after the job component, like its Service.
      metadata: meta(props.name),
      replicas: 1,
      select: false,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      // A changed definition rolls the pod: the scheduler reads it only at start-up.
      podMetadata: { labels, annotations: { 'kubejobs.dev/job-definition-sha256': createHash('sha256').update(definitionJson).digest('hex') } },
      terminationGracePeriod: Duration.seconds(10),
      securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
      containers: [
        {
          name: 'job-scheduler',
          image: `${props.schedulerImage ?? DEFAULT_CONTROLLER_IMAGE}:${props.schedulerTag ?? PACKAGE_VERSION}`,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: [
            'job-scheduler',
            `--job-definition=${JOB_DEFINITION_DIR}/${JOB_DEFINITION_FILE}`,
            `--port=${props.schedulerPort}`,
            `--metrics-bind-address=:${metricsPort}`,
            `--health-probe-bind-address=:${healthPort}`,
            `--log-level=${props.logLevel ?? LogLevel.INFO}`,
            // Request bodies in flight fit the container's memory limit (src/scheduler/memory-budget.ts).
            `--max-request-bytes=${budget.maxRequestBytes}`,
            `--max-in-flight-bytes=${budget.maxInFlightBytes}`,
          ],
          ports: [
            { name: 'scheduler-port', number: props.schedulerPort },
            { name: 'metrics', number: metricsPort },
            { name: 'health', number: healthPort },
          ],
          volumeMounts: [{ path: JOB_DEFINITION_DIR, volume, readOnly: true }],
          ...healthProbes(healthPort),
          resources: schedulerResources,
          securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        },
      ],
    });
    selectPodsByLabels(this.deployment, labels);
    this.deployment.node.addDependency(this.configMap, this.roleBinding);

    this.service = new kplus.Service(this, 'Service', {
      metadata: meta(props.name),
      ports: [{ name: 'scheduler-port', port: props.schedulerPort, targetPort: props.schedulerPort }],
    });
    for (const [key, value] of Object.entries(labels)) this.service.selectLabel(key, value);

    // Radix: the job-scheduler API is reachable only by components of the same environment.
    // The kubelet's probes come from the node, which NetworkPolicies always admit.
    this.networkPolicy = new kplus.NetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta(schedulerName),
      selector: kplus.Pods.select(this, 'SchedulerPods', { labels }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    this.networkPolicy.addIngressRule(kplus.Pods.all(this.networkPolicy, 'SameNamespace'), [
      kplus.NetworkPolicyPort.tcp(props.schedulerPort),
      kplus.NetworkPolicyPort.tcp(metricsPort),
    ]);

    // The props were checked one by one; this guards the contract itself: never write a
    // definition the scheduler would refuse.
    this.node.addValidation({ validate: () => validateJobDefinition(this.definition) });
    omitServerDroppedZeroValues(this);
  }
}

function resolveNamespace(prop: string | undefined, chartNamespace: string | undefined): string {
  const namespace = prop ?? chartNamespace;
  if (namespace === undefined) {
    throw new Error('\'namespace\' is not set and the chart has no namespace: set one of them (the job-scheduler creates its jobs in its own namespace only)');
  }
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    throw new Error(`'namespace' ('${namespace}') must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
  return namespace;
}

function renderDefinition(p: RadixJobSchedulerProps, namespace: string): RadixJobDefinition {
  const job: RadixJobComponent = {
    name: p.name,
    image: p.image,
    imageTagName: p.imageTagName,
    schedulerPort: p.schedulerPort,
    payload: p.payloadPath !== undefined ? { path: p.payloadPath } : undefined,
    ports: p.ports && p.ports.length > 0 ? p.ports.map((port) => ({ name: port.name, port: port.port })) : undefined,
    resources: p.resources && renderResources(p.resources),
    node: p.node && (p.node.gpu !== undefined || p.node.gpuCount !== undefined) ? { gpu: p.node.gpu, gpuCount: p.node.gpuCount } : undefined,
    // Radix resolves these defaults when it builds the deployment; the definition holds the result.
    timeLimitSeconds: (p.timeLimit ?? DEFAULT_TIME_LIMIT).toSeconds(),
    backoffLimit: p.backoffLimit ?? 0,
    variables: p.variables && Object.keys(p.variables).length > 0 ? { ...p.variables } : undefined,
    secrets: p.secrets && p.secrets.length > 0
      ? p.secrets.map((s) => ({ name: s.name, secretKeyRef: { name: s.secretName, key: s.key } }))
      : undefined,
    notifications: p.notifications && { webhook: p.notifications.webhook.trim() },
    batchStatusRules: p.batchStatusRules && p.batchStatusRules.length > 0 ? p.batchStatusRules.map((r) => r.rule) : undefined,
  };
  return JSON.parse(JSON.stringify({
    apiVersion: RADIX_JOB_DEFINITION_API_VERSION,
    kind: RADIX_JOB_DEFINITION_KIND,
    namespace,
    job,
    objects: {
      labels: { 'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler', 'radix-component': p.name, 'radix-job-type': 'job-scheduler' },
    },
  }));
}

function renderResources(r: RadixJobResources): RadixResourceRequirements | undefined {
  const list = (which: 'request' | 'limit'): RadixResourceRequirements['requests'] | undefined => {
    const cpu = r.cpu?.[which];
    const memory = r.memory?.[which];
    if (!cpu && !memory) return undefined;
    return { cpu: cpu && `${cpuMillis(cpu)}m`, memory: memory && memoryQuantity(memory) };
  };
  const requests = list('request');
  const limits = list('limit');
  return requests || limits ? { requests, limits } : undefined;
}

/** Millicores of a cdk8s-plus Cpu, or undefined when it is not a whole number of them. */
function cpuMillis(cpu: kplus.Cpu): number | undefined {
  const millis = /^(\d+)m$/.exec(cpu.amount);
  if (millis) return Number(millis[1]);
  if (!/^\d+(\.\d+)?$/.test(cpu.amount)) return undefined;
  const value = Number(cpu.amount) * 1000;
  return Math.abs(value - Math.round(value)) < 1e-6 ? Math.round(value) : undefined;
}

/** `<n>Mi` when the size is whole mebibytes, else `<n>Ki`. */
function memoryQuantity(size: Size): string {
  const kib = size.toKibibytes();
  return kib % 1024 === 0 ? `${kib / 1024}Mi` : `${kib}Ki`;
}

function validateSchedulerProps(p: RadixJobSchedulerProps): void {
  if (!DNS_1035_LABEL.test(p.name) || p.name.length > 63) {
    throw new Error(`'name' ('${p.name}') must be a DNS-1035 label of at most 63 characters (lowercase letters, digits and '-', starting with a letter and ending with a letter or digit): it names the Service callers reach at http://<name>:<schedulerPort>`);
  }
  if (!isIntegerIn(p.schedulerPort, 1024, 65535)) {
    throw new Error(`'schedulerPort' (${p.schedulerPort}) must be an integer from 1024 to 65535: Radix allows no other, and the scheduler runs as non-root`);
  }
  validateImage(p);
  if (p.payloadPath !== undefined) {
    const path = p.payloadPath;
    if (!path.startsWith('/') || path === '/' || path.includes(':') || path.split('/').includes('..')) {
      throw new Error(`'payloadPath' ('${path}') must be an absolute directory in the job container, not '/', without ':' or '..', e.g. '/compute/args'`);
    }
  }
  validatePorts(p.ports ?? []);
  validateResources(p.resources);
  validateNode(p.node);
  if (p.timeLimit) {
    const ms = p.timeLimit.toMilliseconds();
    if (ms < 1000 || ms % 1000 !== 0) {
      throw new Error(`'timeLimit' (${p.timeLimit.toHumanString()}) must be a whole number of seconds, at least 1 second: it becomes Radix's timeLimitSeconds`);
    }
  }
  if (p.backoffLimit !== undefined && !isIntegerIn(p.backoffLimit, 0, INT32_MAX)) {
    throw new Error(`'backoffLimit' (${p.backoffLimit}) must be an integer from 0 to ${INT32_MAX}: the number of retries of a failed job container`);
  }
  validateEnvironment(p.variables ?? {}, p.secrets ?? []);
  if (p.notifications) validateWebhook(p.notifications.webhook);
  (p.batchStatusRules ?? []).forEach((r, i) => {
    const statuses = r.rule.jobStatuses;
    if (statuses.length === 0) {
      throw new Error(`'batchStatusRules[${i}]' lists no job statuses: name the statuses the rule tests, e.g. BatchStatusRule.anyJobIn([RadixJobStatus.FAILED], RadixBatchStatus.FAILED)`);
    }
    const twice = statuses.find((s, j) => statuses.indexOf(s) !== j);
    if (twice) throw new Error(`'batchStatusRules[${i}]' lists the job status '${twice}' twice: list each status once`);
  });
  if ((p.batchStatusRules ?? []).length > 32) {
    throw new Error(`'batchStatusRules' has ${p.batchStatusRules!.length} rules: at most 32 are allowed`);
  }
  validateSchedulerRuntime(p);
}

function validateImage(p: RadixJobSchedulerProps): void {
  if (p.image.trim() === '' || /\s/.test(p.image)) {
    throw new Error(`'image' ('${p.image}') must be an image reference without spaces, e.g. 'registry.example.com/compute:1.0'`);
  }
  const dynamic = p.image.endsWith(`:${IMAGE_TAG_NAME_PLACEHOLDER}`);
  if (p.image.includes(IMAGE_TAG_NAME_PLACEHOLDER) && !dynamic) {
    throw new Error(`'image' ('${p.image}') may use ${IMAGE_TAG_NAME_PLACEHOLDER} only as its whole tag, at the end, e.g. 'registry.example.com/compute:${IMAGE_TAG_NAME_PLACEHOLDER}'`);
  }
  if (dynamic && p.imageTagName === undefined) {
    throw new Error(`'image' ('${p.image}') ends with ':${IMAGE_TAG_NAME_PLACEHOLDER}' but 'imageTagName' is not set: set imageTagName to the tag jobs use when a request names none`);
  }
  if (p.imageTagName !== undefined) {
    if (!dynamic) {
      throw new Error(`'imageTagName' ('${p.imageTagName}') is set but 'image' ('${p.image}') does not end with ':${IMAGE_TAG_NAME_PLACEHOLDER}': put the placeholder where the tag goes, or remove imageTagName`);
    }
    if (!IMAGE_TAG.test(p.imageTagName)) {
      throw new Error(`'imageTagName' ('${p.imageTagName}') must be an image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
    }
  }
}

function validatePorts(ports: readonly RadixJobContainerPort[]): void {
  ports.forEach((port, i) => {
    if (!DNS_LABEL.test(port.name) || port.name.length > 15 || !/[a-z]/.test(port.name) || port.name.includes('--')) {
      throw new Error(`'ports[${i}].name' ('${port.name}') must be a port name: at most 15 lowercase letters, digits and '-', with at least one letter, starting and ending with a letter or digit`);
    }
    if (!isIntegerIn(port.port, 1024, 65535)) {
      throw new Error(`'ports[${i}].port' (${port.port}) must be an integer from 1024 to 65535 (Radix's range for job ports)`);
    }
    const first = ports.findIndex((q) => q.name === port.name || q.port === port.port);
    if (first !== i) {
      const what = ports[first].name === port.name ? `name '${port.name}'` : `number ${port.port}`;
      throw new Error(`'ports[${i}]' has the same ${what} as 'ports[${first}]': give every port its own name and number`);
    }
  });
}

function validateResources(r: RadixJobResources | undefined): void {
  if (!r) return;
  for (const which of ['request', 'limit'] as const) {
    const cpu = r.cpu?.[which];
    if (cpu && cpuMillis(cpu) === undefined) {
      throw new Error(`'resources.cpu.${which}' (${cpu.amount}) must be a whole number of millicores, e.g. Cpu.millis(250): Radix accepts CPU only as '<n>m'`);
    }
  }
  const cpuRequest = r.cpu?.request && cpuMillis(r.cpu.request);
  const cpuLimit = r.cpu?.limit && cpuMillis(r.cpu.limit);
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    throw new Error(`'resources.cpu.request' (${cpuRequest}m) must be <= 'resources.cpu.limit' (${cpuLimit}m)`);
  }
  const memRequest = r.memory?.request;
  const memLimit = r.memory?.limit;
  if (memRequest && memLimit && memRequest.toKibibytes() > memLimit.toKibibytes()) {
    throw new Error(`'resources.memory.request' (${memoryQuantity(memRequest)}) must be <= 'resources.memory.limit' (${memoryQuantity(memLimit)})`);
  }
}

function validateNode(node: RadixJobNode | undefined): void {
  if (!node) return;
  if (node.gpu !== undefined) {
    const entries = node.gpu.split(',').map((e) => e.trim());
    if (entries.some((e) => e === '')) {
      throw new Error(`'node.gpu' ('${node.gpu}') has an empty entry: list GPU types separated by commas, e.g. 'nvidia-v100, -nvidia-k80'`);
    }
    const wanted = new Set<string>();
    const excluded = new Set<string>();
    for (const entry of entries) {
      const type = entry.startsWith('-') ? entry.slice(1) : entry;
      if (!GPU_TYPE.test(type) || type.length > 63) {
        throw new Error(`'node.gpu' entry '${entry}' is not a GPU type: use at most 63 letters, digits, '-', '_' and '.' (a node label value), with a leading '-' to exclude the type`);
      }
      (entry.startsWith('-') ? excluded : wanted).add(type.toLowerCase());
    }
    const both = [...wanted].find((t) => excluded.has(t));
    if (both) throw new Error(`'node.gpu' ('${node.gpu}') both wants and excludes '${both}': keep one of '${both}' and '-${both}'`);
  }
  if (node.gpuCount !== undefined && !isIntegerIn(node.gpuCount, 1, INT32_MAX)) {
    throw new Error(`'node.gpuCount' (${node.gpuCount}) must be a positive integer: the minimum number of GPUs on the node`);
  }
}

function validateEnvironment(variables: Record<string, string>, secrets: readonly RadixJobSecretEnv[]): void {
  const envName = new RegExp(ENV_VAR_NAME_PATTERN);
  const checkName = (prop: string, name: string) => {
    if (!envName.test(name)) {
      throw new Error(`${prop} ('${name}') must be an environment variable name: letters, digits and '_', not starting with a digit`);
    }
    if (name.startsWith(RESERVED_ENV_PREFIX)) {
      throw new Error(`${prop} ('${name}') uses the prefix '${RESERVED_ENV_PREFIX}', which the scheduler keeps for the variables it sets (RADIX_JOB_NAME, ...): rename it`);
    }
  };
  for (const name of Object.keys(variables)) checkName('\'variables\' name', name);
  const secretName = new RegExp(DNS_SUBDOMAIN_PATTERN);
  const secretKey = new RegExp(SECRET_KEY_PATTERN);
  secrets.forEach((s, i) => {
    checkName(`'secrets[${i}].name'`, s.name);
    if (!secretName.test(s.secretName) || s.secretName.length > 253) {
      throw new Error(`'secrets[${i}].secretName' ('${s.secretName}') must be a Secret name: a DNS-1123 subdomain of lowercase letters, digits, '-' and '.'`);
    }
    if (!secretKey.test(s.key) || s.key.length > 253) {
      throw new Error(`'secrets[${i}].key' ('${s.key}') must be a key of a Secret's data: letters, digits, '-', '_' and '.'`);
    }
    if (s.name in variables) {
      throw new Error(`'secrets[${i}].name' ('${s.name}') is also set in 'variables': an environment variable comes from one place; remove one of them`);
    }
    const first = secrets.findIndex((t) => t.name === s.name);
    if (first !== i) throw new Error(`'secrets[${i}].name' ('${s.name}') is already set by 'secrets[${first}]': each variable comes from one Secret key`);
  });
}

/**
 * Radix's webhook rules: http or https, an explicit port, and a host that is a component of the
 * same application. Here that is a Service in the cluster: its name (same namespace) or
 * `<service>.<namespace>.svc[.cluster.local]`.
 */
function validateWebhook(raw: string): void {
  const url = raw.trim();
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(url);
  if (!parts) throw new Error(`'notifications.webhook' ('${url}') is not a URL: use http://<service>:<port>/<path>, e.g. 'http://backend:8080/batch-status'`);
  const [, scheme, authority] = parts;
  if (authority.includes('@')) {
    // Do not quote the URL: it holds credentials.
    throw new Error('\'notifications.webhook\' has credentials in it: the job definition is a ConfigMap, no place for secrets; let the callee trust the namespace instead');
  }
  if (!['http', 'https'].includes(scheme.toLowerCase())) {
    throw new Error(`'notifications.webhook' ('${url}') uses '${scheme}': Radix calls webhooks over http or https only`);
  }
  const hostPort = /^([^:[\]]+)(?::(\d*))?$/.exec(authority);
  const host = hostPort?.[1].toLowerCase() ?? '';
  const labels = host.split('.');
  const inCluster = DNS_1035_LABEL.test(labels[0]) && labels[0].length <= 63 && (
    labels.length === 1
    || (labels.length >= 3 && DNS_LABEL.test(labels[1]) && (labels.slice(2).join('.') === 'svc' || labels.slice(2).join('.') === 'svc.cluster.local')));
  if (!hostPort || !inCluster) {
    throw new Error(`'notifications.webhook' ('${url}') must call a Service in the cluster, as Radix calls only components of the application: use http://<service>:<port>/<path> or http://<service>.<namespace>.svc:<port>/<path>`);
  }
  const port = hostPort[2];
  if (!port || !isIntegerIn(Number(port), 1, 65535)) {
    throw new Error(`'notifications.webhook' ('${url}') needs an explicit port from 1 to 65535, as Radix requires: e.g. 'http://${hostPort[1]}:8080${parts[3]}'`);
  }
}

function validateSchedulerRuntime(p: RadixJobSchedulerProps): void {
  const ports: Array<[string, number]> = [['schedulerPort', p.schedulerPort], ['metricsPort', p.metricsPort ?? 9090], ['healthPort', p.healthPort ?? 9091]];
  for (const [prop, port] of ports.slice(1)) {
    if (!isIntegerIn(port, 1024, 65535)) {
      throw new Error(`'${prop}' (${port}) must be an integer from 1024 to 65535: the scheduler runs as non-root and cannot bind lower ports`);
    }
  }
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i][1] === ports[j][1]) {
        throw new Error(`'${ports[i][0]}' and '${ports[j][0]}' are both ${ports[i][1]}: give the scheduler's ports different numbers`);
      }
    }
  }
  if (p.schedulerTag !== undefined && p.schedulerTag.trim() === '') {
    throw new Error('\'schedulerTag\' is empty: give an image tag, or leave it unset for this package\'s version');
  }
  if (p.schedulerImage !== undefined && (p.schedulerImage.trim() === '' || /\s/.test(p.schedulerImage))) {
    throw new Error(`'schedulerImage' ('${p.schedulerImage}') must be an image repository without spaces, or unset for ${DEFAULT_CONTROLLER_IMAGE}`);
  }
}
