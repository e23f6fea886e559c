/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { createHash } from 'node:crypto';
import { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { expectHostPutBackAfterAll } from './node-host-check';
import { kubectlFor } from './node-kubectl';
import { useNodeTier } from './use-tier';
import type { ArenaConfig, ArenaJob, ArenaSource, Provider } from '../../../imports/omnia.altairalabs.ai';
import { ArenaApi, conditionOf, TestBatchJob } from '../../controller/arena-helpers';
import { useController } from '../../controller/use-controller';
import { waitFor } from '../kube-helpers';

// The `node` tier runs an ArenaJob's workers: `kubejobs controller` (a child process) renders the
// Indexed worker Job, kube-controller-manager's Job controller makes its pods, and a real kubelet
// runs them with containerd and runc, under Pod Security "restricted". The worker is a stand-in
// built here (arena-worker.js, ours; Omnia's arena-worker image cannot be pulled): it proves the
// contract between the controller and a worker (its item from JOB_COMPLETION_INDEX and
// ARENA_WORK_ITEMS, the ConfigMap bundle at ARENA_ARTIFACT_URL), not what Omnia's worker does.

const cluster = useNodeTier();
const NS = 'node-arena';
// The controller's flags are fixed when useController's hooks are declared, before the tier has
// built anything: the worker image gets this name in the node's containerd before any ArenaJob.
const WORKER_IMAGE = 'localhost/kubejobs/arena-worker:node-arena';
beforeAll(async () => {
  await cluster().plane.kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  });
  await cluster().node.tagImage(cluster().node.build.arenaWorkerImage, WORKER_IMAGE);
});
const running = useController(() => cluster().plane, { namespace: NS, extraArgs: [`--arena-worker-image=${WORKER_IMAGE}`] });
let arena: ArenaApi;
let core: CoreV1Api;
beforeAll(() => {
  arena = new ArenaApi(running().api.client);
  core = cluster().plane.kubeConfig.makeApiClient(CoreV1Api);
  // jest runs afterAll hooks in declaration order: the tier's stop comes before useController's,
  // so the controller is stopped by the tier first, and cannot recreate pods while they go.
  cluster().node.stopFirst(() => running().controller.stop());
});
// Declared after useNodeTier: runs once the tier has stopped.
expectHostPutBackAfterAll(cluster);

/** `kubectl <args>` against the plane. */
const kubectl = kubectlFor(() => cluster().plane);

const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf-8').digest('hex');

/**
 * The Arena chain in NS: a ConfigMap bundle listing `scenarios`, its ArenaSource, `providers` of
 * type mock and an ArenaConfig of them; waits until every link is Ready. Returns the bundle's text.
 */
async function chain(name: string, scenarios: string[], providers: string[], maxRetries?: number): Promise<string> {
  const bundle = JSON.stringify({ name: `${name}-pack`, scenarios });
  await arena.configMap(NS, `${name}-bundle`, { 'pack.json': bundle });
  await arena.source(NS, name, { type: 'configmap', configMap: { name: `${name}-bundle` }, interval: '1m' });
  for (const provider of providers) {
    if (!(await arena.client.get(arena.path('providers', NS, provider)))) await arena.provider(NS, provider, { type: 'mock' });
  }
  await arena.config(NS, name, {
    sourceRef: { name }, providers: providers.map((p) => ({ name: p })), ...(maxRetries !== undefined ? { evaluation: { maxRetries } } : {}),
  });
  const source = await arena.waitFor<ArenaSource>('arenasources', NS, name, 'Ready', (s) => s.status?.phase === 'Ready');
  expect(source.status?.artifact).toMatchObject({ url: `configmap://${NS}/${name}-bundle/pack.json`, checksum: sha256(bundle) });
  for (const provider of providers) await arena.waitFor<Provider>('providers', NS, provider, 'Ready', (p) => p.status?.phase === 'Ready');
  const config = await arena.waitFor<ArenaConfig>('arenaconfigs', NS, name, 'Ready', (c) => c.status?.phase === 'Ready');
  expect(config.status?.resolvedProviders).toEqual(providers);
  return bundle;
}

/** Creates an ArenaJob and records every phase its status goes through (a watch sees each write). */
async function runArenaJob(name: string, config: string, replicas: number): Promise<{ phases: string[]; stop: () => void }> {
  const phases: string[] = [];
  const watch = await arena.client.watch<ArenaJob>(arena.path('arenajobs', NS), { fieldSelector: `metadata.name=${name}` }, (e) => {
    const phase = e.object.status?.phase;
    if (phase && phases[phases.length - 1] !== phase) phases.push(phase);
  });
  await arena.job(NS, name, { configRef: { name: config }, workers: { replicas } });
  return { phases, stop: () => watch.abort() };
}

/** The worker pods of an ArenaJob, by completion index then creation. */
async function workerPods(job: string): Promise<V1Pod[]> {
  const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `omnia.altairalabs.ai/job=${job}` })).items;
  const key = (p: V1Pod) => `${p.metadata!.annotations![COMPLETION_INDEX]!.padStart(4, '0')} ${p.metadata!.creationTimestamp!.toISOString()}`;
  return pods.sort((a, b) => key(a).localeCompare(key(b)));
}

/** The first line a stand-in worker prints for item `index`. */
function itemLine(index: number, total: number, job: string, item: { scenario: string; provider: string }, pack: string, bundle: string): string {
  return `item ${index}/${total} of ${NS}/${job}: scenario=${item.scenario} provider=${item.provider} pack=${pack} sha256=${sha256(bundle)} revision=sha256:${sha256(bundle)}`;
}
/** The second: its user, and the restricted pod's read-only root with a writable /tmp. */
const WHO_LINE = 'uid=65532 gid=65532 root=EROFS tmp=writable';

test('Pod Security "restricted" is enforced in the namespace: a pod running as root is refused', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: { containers: [{ name: 'main', image: cluster().node.build.baseImage }] } };
  const root = arena.client.create(`/api/v1/namespaces/${NS}/pods?dryRun=All`, pod);
  await expect(root).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/violates PodSecurity "restricted:latest"/) });
});

test('an ArenaJob\'s workers run as real containers: Running -> Succeeded 4/4, one pod per item on the node as UID 65532, each log names its own item and the ConfigMap bundle it read', async () => {
  const { node } = cluster();
  const scenarios = ['scenarios/refunds.yaml', 'scenarios/billing.yaml'];
  const bundle = await chain('eval', scenarios, ['mock-a', 'mock-b']);
  const run = await runArenaJob('eval', 'eval', 2);
  let done: ArenaJob;
  try {
    done = await arena.waitFor<ArenaJob>('arenajobs', NS, 'eval', 'Succeeded', (j) => ['Succeeded', 'Failed'].includes(j.status?.phase ?? ''),
      { timeoutMs: 300_000, intervalMs: 500 });
  } finally {
    run.stop();
  }
  expect(done.status?.phase).toBe('Succeeded');
  // Pending only if the controller met the job before it saw the config Ready.
  expect(run.phases.filter((p) => p !== 'Pending')).toEqual(['Running', 'Succeeded']);
  expect(done.status).toMatchObject({ progress: { total: 4, completed: 4, failed: 0, pending: 0 }, progressSummary: '4/4', activeWorkers: 0 });
  expect(conditionOf(done, 'Complete')).toMatchObject({ status: 'True', reason: 'JobSucceeded' });

  // The worker Job: Indexed, one index per item (scenario-major, both sorted), each completed once.
  const items = [
    { scenario: 'scenarios/billing.yaml', provider: 'mock-a' }, { scenario: 'scenarios/billing.yaml', provider: 'mock-b' },
    { scenario: 'scenarios/refunds.yaml', provider: 'mock-a' }, { scenario: 'scenarios/refunds.yaml', provider: 'mock-b' },
  ];
  const worker = (await arena.workerJob(NS, 'eval')) as TestBatchJob;
  expect(worker.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 2 });
  expect(worker.status).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
  expect(worker.status?.failed ?? 0).toBe(0);

  const pods = await workerPods('eval');
  expect(pods.map((p) => p.metadata!.annotations![COMPLETION_INDEX])).toEqual(['0', '1', '2', '3']);
  for (const [index, pod] of pods.entries()) {
    expect(pod.spec?.nodeName).toBe(node.nodeName);
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.spec?.containers[0]?.image).toBe(WORKER_IMAGE);
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    // What the container printed, through the API server and the kubelet.
    const logs = await kubectl('logs', '-n', NS, pod.metadata!.name!);
    expect(logs).toBe(`${itemLine(index, 4, 'eval', items[index]!, 'eval-pack', bundle)}\n${WHO_LINE}\n`);
  }
  await arena.waitForEvent(NS, 'eval', 'JobSucceeded');
}, 420_000);

test('items that fail on the node are retried alone (evaluation.maxRetries 1, per index): each failing index ran twice, exit code 1 each time, the passing one once; the ArenaJob ends Failed with 2 of 3 items failed', async () => {
  const bundle = await chain('flaky', ['ok.yaml', 'will-fail-a.yaml', 'will-fail-b.yaml'], ['mock-a'], 1);
  const run = await runArenaJob('flaky', 'flaky', 2);
  let ended: ArenaJob;
  try {
    ended = await arena.waitFor<ArenaJob>('arenajobs', NS, 'flaky', 'Failed', (j) => ['Succeeded', 'Failed'].includes(j.status?.phase ?? ''),
      { timeoutMs: 300_000, intervalMs: 500 });
  } finally {
    run.stop();
  }
  expect(ended.status?.phase).toBe('Failed');
  expect(run.phases.filter((p) => p !== 'Pending')).toEqual(['Running', 'Failed']);
  expect(ended.status?.progress).toEqual({ total: 3, completed: 1, failed: 2, pending: 0 });
  expect(conditionOf(ended, 'Failed')).toMatchObject({ status: 'True', reason: 'JobFailed' });
  expect(conditionOf(ended, 'Failed')?.message).toMatch(/\(2 of 3 work items failed\)$/);
  // Retries per index, not a job-wide backoff limit: with `backoffLimit: 1` the Job would have
  // stopped at its second failure, before the second failing index had its retry.
  const worker = (await arena.workerJob(NS, 'flaky')) as TestBatchJob;
  expect(worker.spec.backoffLimitPerIndex).toBe(1);
  expect(worker.status).toMatchObject({ completedIndexes: '0', failedIndexes: '1,2' });

  // The worker Job has ended, so no pod is added: wait until every one has finished, then compare.
  const pods = await waitFor('every worker pod of flaky finished', async () => {
    const all = await workerPods('flaky');
    return all.every((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')) ? all : undefined;
  }, { timeoutMs: 60_000 });
  // workerPods: by index, then creation.
  expect(pods.map((p) => [p.metadata!.annotations![COMPLETION_INDEX], p.status?.phase])).toEqual([['0', 'Succeeded'], ['1', 'Failed'], ['1', 'Failed'], ['2', 'Failed'], ['2', 'Failed']]);
  const items = ['ok.yaml', 'will-fail-a.yaml', 'will-fail-b.yaml'].map((scenario) => ({ scenario, provider: 'mock-a' }));
  for (const pod of pods) {
    const index = Number(pod.metadata!.annotations![COMPLETION_INDEX]);
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(index === 0 ? 0 : 1);
    const logs = await kubectl('logs', '-n', NS, pod.metadata!.name!);
    const failure = index === 0 ? '' : `scenario ${items[index]!.scenario} fails, as its name says\n`;
    expect(logs).toBe(`${itemLine(index, 3, 'flaky', items[index]!, 'flaky-pack', bundle)}\n${WHO_LINE}\n${failure}`);
  }
  await arena.waitForEvent(NS, 'flaky', 'JobFailed');
}, 420_000);
