import type { RadixBatch, RadixBatchJob } from '../../../imports/kubejobs.dev';
import { IMAGE_TAG_NAME_PLACEHOLDER } from '../../api';
import { controllerReferenceTo, KubeObject } from '../kube-client';

/** Radix's default time limit when neither the job nor its component sets one: 12 hours. */
export const DEFAULT_TIME_LIMIT_SECONDS = 43_200;
/** Kubernetes deletes a finished Job after a day (Radix); the batch keeps its status. */
export const JOB_TTL_SECONDS = 86_400;

/** Labels kubejobs puts on every Job, pod and Service of a batch (besides the component's). */
export const BATCH_CHILD_LABELS = {
  batchName: 'radix-batch-name',
  batchJobName: 'radix-batch-job-name',
  jobType: 'radix-job-type',
} as const;

/** Selects the children of RadixBatches (for the controller's caches). */
export const BATCH_CHILD_SELECTOR = `${BATCH_CHILD_LABELS.jobType}=job-scheduler,${BATCH_CHILD_LABELS.batchName}`;

/** The name of a batch job's Kubernetes Job and Service: `<batch>-<job>`. */
export function childName(batch: RadixBatch, job: RadixBatchJob): string {
  return `${batch.metadata.name}-${job.name}`;
}

/**
 * The image of a job (Radix `getJobImage`, B6): the request's `image` or the component's; a
 * `:{imageTagName}` placeholder takes the request's tag, else the component's; a request's
 * `imageTagName` also replaces a concrete tag (text after the last `:` that follows the last `/`),
 * or is added to an image without one.
 */
export function jobImage(componentImage: string, componentTag: string | undefined, job: Pick<RadixBatchJob, 'image' | 'imageTagName'>): string {
  const image = job.image || componentImage;
  const tag = job.imageTagName || undefined;
  const placeholder = `:${IMAGE_TAG_NAME_PLACEHOLDER}`;
  if (image.endsWith(placeholder)) {
    const chosen = tag ?? (image === componentImage ? componentTag : undefined);
    return chosen ? image.slice(0, -IMAGE_TAG_NAME_PLACEHOLDER.length) + chosen : image.slice(0, -placeholder.length);
  }
  if (!tag) return image;
  const digest = image.indexOf('@');
  const base = digest >= 0 ? image.slice(0, digest) : image;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  return `${colon > slash ? base.slice(0, colon) : base}:${tag}`;
}

function labelsOf(batch: RadixBatch, job: RadixBatchJob): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(batch.metadata.labels ?? {}).filter(([k]) => k !== 'radix-batch-type'));
  return { ...inherited, [BATCH_CHILD_LABELS.jobType]: 'job-scheduler', [BATCH_CHILD_LABELS.batchName]: batch.metadata.name!, [BATCH_CHILD_LABELS.batchJobName]: job.name };
}

/** Node affinity and tolerations of a job (B6), without Radix's node-pool labels that other clusters lack. */
function scheduling(job: RadixBatchJob, componentNode: RadixBatch['spec']['component']['node']): { affinity?: unknown; tolerations?: unknown[] } {
  const terms: Array<{ key: string; operator: string; values?: string[] }> = [];
  const tolerations: unknown[] = [];
  const nodeType = job.runtime?.nodeType;
  const gpu = job.node?.gpu || componentNode?.gpu;
  if (nodeType) {
    terms.push({ key: 'radix-nodetype', operator: 'In', values: [nodeType] });
    tolerations.push({ key: 'radix-nodetype', operator: 'Equal', value: nodeType, effect: 'NoSchedule' });
  } else if (gpu) {
    const count = Number(job.node?.gpuCount || componentNode?.gpuCount || 1);
    terms.push({ key: 'radix-node-gpu-count', operator: 'Gt', values: [String(Math.max(0, count - 1))] });
    const types = gpu.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
    const wanted = types.filter((t) => !t.startsWith('-'));
    const excluded = types.filter((t) => t.startsWith('-')).map((t) => t.slice(1));
    if (wanted.length > 0) terms.push({ key: 'radix-node-gpu', operator: 'In', values: wanted });
    if (excluded.length > 0) terms.push({ key: 'radix-node-gpu', operator: 'NotIn', values: excluded });
    tolerations.push({ key: 'radix-node-gpu-count', operator: 'Exists', effect: 'NoSchedule' });
  }
  if (job.runtime?.architecture) terms.push({ key: 'kubernetes.io/arch', operator: 'In', values: [job.runtime.architecture] });
  if (terms.length === 0) return {};
  return {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: terms }] } } },
    ...(tolerations.length > 0 ? { tolerations } : {}),
  };
}

/** The container environment: component variables and Secret references, then the job's variables over them, and RADIX_JOB_NAME. */
function environment(batch: RadixBatch, job: RadixBatchJob): unknown[] {
  const component = batch.spec.component;
  const env = new Map<string, Record<string, unknown>>();
  for (const [name, value] of Object.entries(component.variables ?? {})) env.set(name, { name, value });
  for (const s of component.secrets ?? []) {
    env.set(s.name, { name: s.name, valueFrom: { secretKeyRef: { name: s.secretKeyRef.name, key: s.secretKeyRef.key } } });
  }
  for (const [name, value] of Object.entries(job.variables ?? {})) env.set(name, { name, value });
  env.set('RADIX_JOB_NAME', { name: 'RADIX_JOB_NAME', value: childName(batch, job) });
  return [...env.values()];
}

/**
 * The Kubernetes Job of one batch job (Radix `kubejob.go`, B6): Radix's labels, owned by the
 * batch; `backoffLimit` and `activeDeadlineSeconds` from the job, else the component, else 0 and
 * 43200; resources replaced as a whole; the payload Secret key mounted read-only as
 * `<payload path>/payload`; Pod Security "restricted" (Radix also requires non-root).
 */
export function renderJob(batch: RadixBatch, job: RadixBatchJob): KubeObject {
  const component = batch.spec.component;
  const name = childName(batch, job);
  const labels = labelsOf(batch, job);
  const resources = job.resources ?? component.resources;
  const payload = job.payloadSecretRef && component.payload
    ? {
      volumes: [{ name: 'job-payload', secret: { secretName: job.payloadSecretRef.name, items: [{ key: job.payloadSecretRef.key, path: 'payload' }] } }],
      volumeMounts: [{ name: 'job-payload', mountPath: component.payload.path, readOnly: true }],
    }
    : undefined;
  const failurePolicy = job.failurePolicy;
  const container = strip({
    name: component.name,
    image: jobImage(component.image, component.imageTagName, job),
    imagePullPolicy: 'Always',
    command: job.command ?? undefined,
    args: job.args ?? undefined,
    env: environment(batch, job),
    resources: resources
      ? strip({ limits: resources.limits && { ...resources.limits }, requests: resources.requests && { ...resources.requests } })
      : undefined,
    ports: component.ports?.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
    volumeMounts: payload?.volumeMounts,
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: batch.metadata.namespace, labels, ownerReferences: [controllerReferenceTo(batch)] },
    spec: strip({
      backoffLimit: job.backoffLimit ?? component.backoffLimit ?? 0,
      ttlSecondsAfterFinished: JOB_TTL_SECONDS,
      podFailurePolicy: failurePolicy && failurePolicy.rules.length > 0
        ? {
          rules: failurePolicy.rules.map((r) => ({
            action: r.action,
            onExitCodes: { containerName: component.name, operator: r.onExitCodes.operator, values: [...r.onExitCodes.values].sort((a, b) => a - b) },
          })),
        }
        : undefined,
      template: {
        metadata: { labels },
        spec: strip({
          restartPolicy: 'Never',
          activeDeadlineSeconds: job.timeLimitSeconds ?? component.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
          volumes: payload?.volumes,
          ...scheduling(job, component.node),
        }),
      },
    }),
  };
}

/** The Service of a batch job whose component declares ports, or undefined. */
export function renderService(batch: RadixBatch, job: RadixBatchJob): KubeObject | undefined {
  const ports = batch.spec.component.ports ?? [];
  if (ports.length === 0) return undefined;
  const labels = labelsOf(batch, job);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: childName(batch, job), namespace: batch.metadata.namespace, labels, ownerReferences: [controllerReferenceTo(batch)] },
    spec: {
      type: 'ClusterIP',
      selector: { [BATCH_CHILD_LABELS.batchName]: batch.metadata.name!, [BATCH_CHILD_LABELS.batchJobName]: job.name },
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })),
    },
  };
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
