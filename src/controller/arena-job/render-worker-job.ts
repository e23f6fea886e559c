import type { ArenaConfig, ArenaJob } from '../../../imports/omnia.altairalabs.ai';
import { CONFIGMAP_URL_SCHEME } from '../arena-source/decide';
import { controllerReferenceTo, KubeObject } from '../kube-client';
import { WorkItem } from './work-items';

/** The worker image when neither `--arena-worker-image` nor the construct prop names one (upstream's default). */
export const DEFAULT_ARENA_WORKER_IMAGE = 'ghcr.io/altairalabs/arena-worker:latest';

/** The label keys of a worker Job and its pods: upstream's code key and its documented one (§1.10.10). */
export const ARENA_JOB_LABEL = 'omnia.altairalabs.ai/job';
/** The label key Omnia's docs use for worker pods. */
export const ARENA_JOB_DOC_LABEL = 'arena.omnia.altairalabs.ai/job';

/** Selects every worker Job of every ArenaJob (the owned informer watches only these). */
export const WORKER_JOB_SELECTOR = `${ARENA_JOB_LABEL},app.kubernetes.io/name=arena-worker`;

/** Where a PVC output is mounted in the worker (upstream HEAD). */
export const OUTPUT_MOUNT_PATH = '/arena-output';
/** Where a ConfigMap bundle is mounted in the worker. */
export const BUNDLE_MOUNT_PATH = '/arena-bundle';

/** Worker Job TTL when the ArenaJob sets none (upstream HEAD: one hour). */
export const DEFAULT_WORKER_TTL_SECONDS = 3600;
/** Retries of one failed work item when the ArenaConfig sets no `evaluation.maxRetries` (its CRD default). */
export const DEFAULT_RETRIES_PER_ITEM = 3;

/** UID and GID the worker runs as (upstream's distroless nonroot user). */
const WORKER_USER = 65532;

/** The worker Job's name: `<arenajob>-worker`, as upstream names it. */
export function workerJobName(arenaJobName: string): string {
  return `${arenaJobName}-worker`;
}

/** What the worker Job is rendered from. */
export interface WorkerJobInput {
  readonly job: ArenaJob;
  readonly config: ArenaConfig;
  readonly items: readonly WorkItem[];
  readonly parallelism: number;
  readonly image: string;
  readonly imagePullPolicy?: string;
}

/** Labels of the worker Job; its pods get the same without `managed-by`. */
export function workerLabels(jobName: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'arena-worker',
    'app.kubernetes.io/instance': jobName,
    'app.kubernetes.io/component': 'worker',
    'app.kubernetes.io/managed-by': 'kubejobs',
    [ARENA_JOB_LABEL]: jobName,
    [ARENA_JOB_DOC_LABEL]: jobName,
  };
}

/**
 * The batch/v1 Job that runs an ArenaJob's workers (upstream §1.5 plus the output wiring of HEAD):
 * an Indexed Job with one completion index per work item and per-index retries, so a failed item
 * is retried alone and counted once; restricted pods with `/tmp` as the only writable path.
 */
export function renderWorkerJob(input: WorkerJobInput): KubeObject {
  const { job, config, items } = input;
  const name = job.metadata.name!;
  const labels = workerLabels(name);
  const { ['app.kubernetes.io/managed-by']: _managedBy, ...podLabels } = labels;
  const resolved = config.status?.resolvedSource;
  const volumes: Array<Record<string, unknown>> = [{ name: 'tmp', emptyDir: {} }];
  const mounts: Array<Record<string, unknown>> = [{ name: 'tmp', mountPath: '/tmp' }];
  const env: Array<Record<string, unknown>> = [
    { name: 'ARENA_JOB_NAME', value: name },
    { name: 'ARENA_JOB_NAMESPACE', value: job.metadata.namespace },
    { name: 'ARENA_CONFIG_NAME', value: job.spec.configRef.name },
    { name: 'ARENA_JOB_TYPE', value: job.spec.type ?? 'evaluation' },
  ];
  if (resolved?.url) {
    env.push({ name: 'ARENA_ARTIFACT_URL', value: artifactUrlFor(resolved.url, volumes, mounts) });
    if (resolved.revision) env.push({ name: 'ARENA_ARTIFACT_REVISION', value: resolved.revision });
  }
  env.push({ name: 'ARENA_PROVIDERS', value: (config.status?.resolvedProviders ?? []).join(',') });
  env.push({ name: 'ARENA_WORK_ITEMS', value: JSON.stringify(items.map(({ scenario, provider }) => ({ ...(scenario ? { scenario } : {}), ...(provider ? { provider } : {}) }))) });
  const settings = job.spec.type === 'loadtest' ? job.spec.loadTest : job.spec.type === 'datagen' ? job.spec.dataGen : job.spec.evaluation;
  if (settings) env.push({ name: 'ARENA_JOB_SETTINGS', value: JSON.stringify(settings) });
  const output = job.spec.output;
  if (output) {
    env.push({ name: 'ARENA_OUTPUT_CONFIG', value: JSON.stringify(output) });
    if (output.type === 'pvc' && output.pvc) {
      volumes.push({ name: 'arena-output', persistentVolumeClaim: { claimName: output.pvc.claimName } });
      mounts.push({ name: 'arena-output', mountPath: OUTPUT_MOUNT_PATH, ...(output.pvc.subPath ? { subPath: output.pvc.subPath } : {}) });
      env.push({ name: 'ARENA_OUTPUT_DIR', value: OUTPUT_MOUNT_PATH });
    }
    if (output.type === 's3' && output.s3?.secretRef) {
      // Credentials reach the pod only as references: the controller never reads this Secret.
      const secret = output.s3.secretRef.name;
      env.push({ name: 'ARENA_S3_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: secret, key: 'AWS_ACCESS_KEY_ID', optional: true } } });
      env.push({ name: 'ARENA_S3_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: secret, key: 'AWS_SECRET_ACCESS_KEY', optional: true } } });
    }
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: workerJobName(name), namespace: job.metadata.namespace, labels, ownerReferences: [controllerReferenceTo(job)] },
    spec: {
      completionMode: 'Indexed',
      completions: items.length,
      parallelism: input.parallelism,
      backoffLimitPerIndex: config.spec.evaluation?.maxRetries ?? DEFAULT_RETRIES_PER_ITEM,
      ttlSecondsAfterFinished: job.spec.ttlSecondsAfterFinished ?? DEFAULT_WORKER_TTL_SECONDS,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: WORKER_USER, runAsGroup: WORKER_USER, fsGroup: WORKER_USER, seccompProfile: { type: 'RuntimeDefault' } },
          volumes,
          containers: [{
            name: 'worker',
            image: input.image,
            imagePullPolicy: input.imagePullPolicy ?? 'IfNotPresent',
            env,
            volumeMounts: mounts,
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          }],
        },
      },
    },
  };
}

/**
 * The URL a worker fetches the bundle from. A ConfigMap bundle is mounted read-only and handed
 * over as a `file://` URL; Git and OCI URLs are passed as they are.
 */
function artifactUrlFor(url: string, volumes: Array<Record<string, unknown>>, mounts: Array<Record<string, unknown>>): string {
  if (!url.startsWith(CONFIGMAP_URL_SCHEME)) return url;
  const [, name, ...keyParts] = url.slice(CONFIGMAP_URL_SCHEME.length).split('/');
  const key = keyParts.join('/');
  volumes.push({ name: 'arena-bundle', configMap: { name, items: [{ key, path: 'bundle' }] } });
  mounts.push({ name: 'arena-bundle', mountPath: BUNDLE_MOUNT_PATH, readOnly: true });
  return `file://${BUNDLE_MOUNT_PATH}/bundle`;
}

/** Where the results land: `s3://<bucket>/<prefix><job>/` or `pvc://<claim>/<subPath>` (§1.10.9). */
export function resultUrl(job: ArenaJob): string | undefined {
  const output = job.spec.output;
  if (output?.type === 's3' && output.s3) return `s3://${output.s3.bucket}/${output.s3.prefix ?? ''}${job.metadata.name}/`;
  if (output?.type === 'pvc' && output.pvc) return `pvc://${output.pvc.claimName}/${(output.pvc.subPath ?? '').replace(/^\/+/, '')}`;
  return undefined;
}
