/**
 * The Arena chain against a real control plane: ArenaSource, Provider, ArenaConfig and ArenaJob
 * reconciled by `kubejobs controller` under the RBAC the construct emits. The upstream cases of
 * shared/reference/arena-genericjob.md §1.9 that apply (arenasource/provider/arenaconfig/arenajob
 * controller tests, HEAD-only ones included), each as its own test. Worker pods are not run here
 * (no scheduler): arena-job-run.cluster.test.ts runs them.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { createHash } from 'node:crypto';
import { ArenaApi, conditionOf, pack, TestBatchJob } from './arena-helpers';
import { useController } from './use-controller';
import type { ArenaConfig, ArenaJob, ArenaSource, Provider } from '../../imports/omnia.altairalabs.ai';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

jest.setTimeout(120_000);

const plane = useControlPlane();
const running = useController(plane, { extraArgs: ['--arena-worker-image=registry.example/arena-worker:1.2.3'] });
let arena: ArenaApi;
beforeAll(() => {
  arena = new ArenaApi(running().api.client);
});

const SCENARIOS = ['scenarios/billing.yaml', 'scenarios/auth.yaml', 'tests/unit.yaml'];

async function namespace(): Promise<string> {
  return freshNamespace(plane().kubeConfig);
}

/** A Ready chain: a ConfigMap source, a mock provider without a Secret, and a config naming them. */
async function readyChain(ns: string, config = 'cfg', extra: Partial<ArenaConfig['spec']> = {}): Promise<ArenaConfig> {
  await arena.configMap(ns, 'bundle', { 'pack.json': pack(SCENARIOS) });
  await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
  await arena.provider(ns, 'mock', { type: 'mock' });
  await arena.config(ns, config, { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }], ...extra });
  return arena.waitFor<ArenaConfig>('arenaconfigs', ns, config, 'Ready', (c) => c.status?.phase === 'Ready');
}

function envOf(job: TestBatchJob): Record<string, any> {
  const container = job.spec.template.spec.containers[0];
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('ArenaSource', () => {
  test('configmap: Ready, revision = content hash, scenarios counted by the config; a new bundle is a new revision', async () => {
    const ns = await namespace();
    const content = pack(SCENARIOS);
    await arena.configMap(ns, 'bundle', { 'pack.json': content });
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1s' });
    const hash = createHash('sha256').update(content).digest('hex');
    const ready = await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'Ready', (s) => s.status?.phase === 'Ready');
    expect(ready.status?.artifact).toMatchObject({ revision: `sha256:${hash}`, url: `configmap://${ns}/bundle/pack.json`, checksum: hash, size: Buffer.byteLength(content) });
    expect(conditionOf(ready, 'Ready')).toMatchObject({ status: 'True', reason: 'Resolved' });
    expect(conditionOf(ready, 'ArtifactAvailable')).toMatchObject({ status: 'True' });
    // Re-checked every interval: the ConfigMap is read, never watched.
    const changed = pack([...SCENARIOS, 'tests/integration.yaml']);
    await running().api.client.mergePatch(`/api/v1/namespaces/${ns}/configmaps/bundle`, { data: { 'pack.json': changed } });
    const next = `sha256:${createHash('sha256').update(changed).digest('hex')}`;
    await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'the new revision', (s) => s.status?.artifact?.revision === next);
  });

  test('configmap: a missing ConfigMap is Error with a message saying what to create, Ready once it exists', async () => {
    const ns = await namespace();
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'later', key: 'bundle.json' }, interval: '1s' });
    const error = await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'Error', (s) => s.status?.phase === 'Error');
    expect(conditionOf(error, 'Ready')).toMatchObject({
      status: 'False', reason: 'ConfigMapNotFound', message: `ConfigMap later not found in namespace ${ns}: create it with the bundle under key 'bundle.json'`,
    });
    await arena.configMap(ns, 'later', { 'other.json': '{}' });
    const keyMissing = await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'BundleKeyNotFound', (s) => conditionOf(s, 'Ready')?.reason === 'BundleKeyNotFound');
    expect(conditionOf(keyMissing, 'Ready')?.message).toBe('ConfigMap later has no key \'bundle.json\' (it has \'other.json\'): add the bundle under \'bundle.json\' or set spec.configMap.key');
    await running().api.client.mergePatch(`/api/v1/namespaces/${ns}/configmaps/later`, { data: { 'bundle.json': pack(['a.yaml']) } });
    await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'Ready', (s) => s.status?.phase === 'Ready');
  });

  test('git and oci: Ready with the URL and the revision the spec names; the workers fetch them', async () => {
    const ns = await namespace();
    await arena.source(ns, 'git', { type: 'git', git: { url: 'https://github.com/example/scenarios', ref: { tag: 'v1.2.0' }, path: 'arena' }, interval: '5m' });
    await arena.source(ns, 'oci', { type: 'oci', oci: { url: 'oci://ghcr.io/example/pack:2024-06' }, interval: '5m' });
    const git = await arena.waitFor<ArenaSource>('arenasources', ns, 'git', 'Ready', (s) => s.status?.phase === 'Ready');
    expect(git.status?.artifact).toMatchObject({ url: 'https://github.com/example/scenarios#arena', revision: 'v1.2.0' });
    const oci = await arena.waitFor<ArenaSource>('arenasources', ns, 'oci', 'Ready', (s) => s.status?.phase === 'Ready');
    expect(oci.status?.artifact).toMatchObject({ url: 'oci://ghcr.io/example/pack:2024-06', revision: '2024-06' });
  });

  test('suspend: Ready=False Suspended', async () => {
    const ns = await namespace();
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'none' }, interval: '1m', suspend: true });
    const s = await arena.waitFor<ArenaSource>('arenasources', ns, 'src', 'Suspended', (x) => conditionOf(x, 'Ready')?.reason === 'Suspended');
    expect(s.status?.phase).toBe('Pending');
  });
});

describe('Provider (upstream provider_controller_test)', () => {
  test('secret found under a default key: Ready, SecretFound', async () => {
    const ns = await namespace();
    await arena.secret(ns, 'anthropic', { ANTHROPIC_API_KEY: 'sk-test' });
    await arena.provider(ns, 'claude', { type: 'claude', model: 'claude-sonnet-4-20250514', secretRef: { name: 'anthropic' } });
    const p = await arena.waitFor<Provider>('providers', ns, 'claude', 'Ready', (x) => x.status?.phase === 'Ready');
    expect(conditionOf(p, 'SecretFound')).toMatchObject({ status: 'True', message: 'Secret anthropic holds the API key under \'ANTHROPIC_API_KEY\'' });
  });

  test('secret missing: Error SecretNotFound; Ready once the Secret is created', async () => {
    const ns = await namespace();
    await arena.provider(ns, 'openai', { type: 'openai', secretRef: { name: 'openai-key' } });
    const p = await arena.waitFor<Provider>('providers', ns, 'openai', 'Error', (x) => x.status?.phase === 'Error');
    expect(conditionOf(p, 'SecretFound')).toMatchObject({
      status: 'False', reason: 'SecretNotFound', message: `Secret openai-key not found in namespace ${ns}: create it with the API key, or fix spec.secretRef.name`,
    });
    await arena.secret(ns, 'openai-key', { OPENAI_API_KEY: 'sk' });
    await arena.waitFor<Provider>('providers', ns, 'openai', 'Ready', (x) => x.status?.phase === 'Ready');
  });

  test('secret without the key: Error KeyNotFound naming the keys', async () => {
    const ns = await namespace();
    await arena.secret(ns, 'wrong', { token: 'x' });
    await arena.provider(ns, 'claude', { type: 'claude', secretRef: { name: 'wrong' } });
    const p = await arena.waitFor<Provider>('providers', ns, 'claude', 'Error', (x) => x.status?.phase === 'Error');
    expect(conditionOf(p, 'SecretFound')).toMatchObject({
      status: 'False',
      reason: 'KeyNotFound',
      message: 'Secret wrong has none of the keys \'ANTHROPIC_API_KEY\', \'CLAUDE_API_KEY\', \'api-key\': add the API key under one of them, or name the key in spec.secretRef.key',
    });
  });

  test('custom key: Ready when the Secret holds it', async () => {
    const ns = await namespace();
    await arena.secret(ns, 'custom', { 'my-key': 'x' });
    await arena.provider(ns, 'gem', { type: 'gemini', secretRef: { name: 'custom', key: 'my-key' } });
    await arena.waitFor<Provider>('providers', ns, 'gem', 'Ready', (x) => x.status?.phase === 'Ready');
  });

  test('no secretRef: Ready', async () => {
    const ns = await namespace();
    await arena.provider(ns, 'local', { type: 'ollama', baseURL: 'http://ollama:11434' });
    const p = await arena.waitFor<Provider>('providers', ns, 'local', 'Ready', (x) => x.status?.phase === 'Ready');
    expect(conditionOf(p, 'SecretFound')).toMatchObject({ status: 'True', reason: 'NoSecretRequired' });
  });
});

describe('ArenaConfig (upstream arenaconfig_controller_test)', () => {
  test('all references resolve: Ready with resolvedSource (scenario count) and resolvedProviders (ns/name across namespaces)', async () => {
    const ns = await namespace();
    const other = await namespace();
    await arena.provider(other, 'shared', { type: 'mock' });
    const config = await readyChain(ns, 'cfg', { providers: [{ name: 'mock' }, { name: 'shared', namespace: other }] });
    expect(config.status?.resolvedSource).toMatchObject({ url: `configmap://${ns}/bundle/pack.json`, scenarioCount: 3 });
    expect(config.status?.resolvedSource?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(config.status?.resolvedProviders).toEqual(['mock', `${other}/shared`]);
    expect(config.status?.lastValidatedAt).toBeDefined();
    expect(conditionOf(config, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(conditionOf(config, 'SourceResolved')).toMatchObject({ status: 'True' });
  });

  test('missing source: Invalid, SourceResolved False', async () => {
    const ns = await namespace();
    await arena.provider(ns, 'mock', { type: 'mock' });
    await arena.config(ns, 'cfg', { sourceRef: { name: 'nope' }, providers: [{ name: 'mock' }] });
    const c = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Invalid', (x) => x.status?.phase === 'Invalid');
    expect(conditionOf(c, 'SourceResolved')).toMatchObject({
      status: 'False', reason: 'SourceNotFound', message: `ArenaSource nope not found in namespace ${ns}: create it or fix spec.sourceRef.name`,
    });
    expect(conditionOf(c, 'Ready')).toMatchObject({ status: 'False', reason: 'SourceNotFound' });
  });

  test('source not ready: Pending with SourceNotReady; Ready once the source is', async () => {
    const ns = await namespace();
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1s' });
    await arena.provider(ns, 'mock', { type: 'mock' });
    await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }] });
    const message = `ArenaSource src is not Ready yet (phase Error): ConfigMap bundle not found in namespace ${ns}: create it with the bundle under key 'pack.json'`;
    const c = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'SourceNotReady', (x) => conditionOf(x, 'SourceResolved')?.message === message);
    expect(c.status?.phase).toBe('Pending');
    expect(conditionOf(c, 'SourceResolved')).toMatchObject({ status: 'False', reason: 'SourceNotReady' });
    await arena.configMap(ns, 'bundle', { 'pack.json': pack(SCENARIOS) });
    await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Ready', (x) => x.status?.phase === 'Ready');
  });

  test('no providers: Invalid', async () => {
    const ns = await namespace();
    await arena.config(ns, 'cfg', { sourceRef: { name: 'src' } });
    await arena.configMap(ns, 'bundle', { 'pack.json': pack(SCENARIOS) });
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
    // Once the source resolved, the missing providers are what is left.
    const c = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'NoProviders with the source resolved',
      (x) => conditionOf(x, 'Ready')?.reason === 'NoProviders' && conditionOf(x, 'SourceResolved')?.status === 'True');
    expect(c.status?.phase).toBe('Invalid');
    expect(conditionOf(c, 'Ready')?.message).toBe('at least one provider is required: list a Provider in spec.providers');
  });

  test('provider missing, then provider in Error: Invalid naming it', async () => {
    const ns = await namespace();
    await arena.configMap(ns, 'bundle', { 'pack.json': pack(SCENARIOS) });
    await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
    await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, providers: [{ name: 'claude' }] });
    const missing = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'ProviderNotFound', (x) => conditionOf(x, 'ProvidersValid')?.reason === 'ProviderNotFound');
    expect(missing.status?.phase).toBe('Invalid');
    await arena.provider(ns, 'claude', { type: 'claude', secretRef: { name: 'absent' } });
    // Pending while the provider is unchecked, then Invalid once it is in Error.
    const broken = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Invalid: ProviderNotReady', (x) => x.status?.phase === 'Invalid' && conditionOf(x, 'ProvidersValid')?.reason === 'ProviderNotReady');
    expect(conditionOf(broken, 'ProvidersValid')?.message).toBe(`Provider ${ns}/claude is in phase Error: Secret absent not found in namespace ${ns}: create it with the API key, or fix spec.secretRef.name`);
  });

  test('suspend: Ready=False Suspended, resolution skipped', async () => {
    const ns = await namespace();
    await arena.config(ns, 'cfg', { sourceRef: { name: 'src' }, suspend: true });
    const c = await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'cfg', 'Suspended', (x) => conditionOf(x, 'Ready')?.reason === 'Suspended');
    expect(conditionOf(c, 'SourceResolved')).toBeUndefined();
  });
});

describe('ArenaJob (upstream arenajob_controller_test)', () => {
  test('2. missing ArenaConfig: Pending (not Failed), ConfigValid False; runs once the config exists and is Ready (HEAD: transient)', async () => {
    const ns = await namespace();
    await arena.job(ns, 'early', { configRef: { name: 'cfg' } });
    const pending = await arena.waitFor<ArenaJob>('arenajobs', ns, 'early', 'ConfigValid False', (j) => conditionOf(j, 'ConfigValid')?.status === 'False');
    expect(pending.status?.phase).toBe('Pending');
    expect(conditionOf(pending, 'ConfigValid')).toMatchObject({
      reason: 'ConfigNotFound', message: `ArenaConfig cfg not found in namespace ${ns}: create it; the job starts once it is Ready`,
    });
    expect(pending.status?.progress).toEqual({ total: 0, completed: 0, failed: 0, pending: 0 });
    await arena.waitForEvent(ns, 'early', 'ConfigNotReady');
    await readyChain(ns);
    const runningJob = await arena.waitFor<ArenaJob>('arenajobs', ns, 'early', 'Running', (j) => j.status?.phase === 'Running');
    expect(conditionOf(runningJob, 'ConfigValid')).toMatchObject({ status: 'True', reason: 'ConfigValid', message: 'ArenaConfig cfg is valid and ready' });
  });

  test('3-4. ArenaConfig Pending or Invalid: the job stays Pending with ConfigValid naming the config', async () => {
    const ns = await namespace();
    await arena.config(ns, 'cfg', { sourceRef: { name: 'nope' }, providers: [{ name: 'mock' }] });
    await arena.job(ns, 'waits', { configRef: { name: 'cfg' } });
    const message = `ArenaConfig cfg is not ready (phase: Invalid): ArenaSource nope not found in namespace ${ns}: create it or fix spec.sourceRef.name; the job starts once it is Ready`;
    const pending = await arena.waitFor<ArenaJob>('arenajobs', ns, 'waits', 'ConfigNotReady', (j) => conditionOf(j, 'ConfigValid')?.message === message);
    expect(pending.status?.phase).toBe('Pending');
    expect(conditionOf(pending, 'ConfigValid')).toMatchObject({ status: 'False', reason: 'ConfigNotReady' });
    expect(conditionOf(pending, 'Ready')).toMatchObject({ status: 'False', reason: 'ConfigNotReady' });
    expect(await arena.workerJob(ns, 'waits')).toBeUndefined();
  });

  test('5. valid job with workers.replicas=2: Running, startTime, ConfigValid/JobCreated True, worker Job per §1.5 (3 scenarios x 1 provider = 3 items)', async () => {
    const ns = await namespace();
    await readyChain(ns);
    const created = await arena.job(ns, 'eval', { configRef: { name: 'cfg' }, workers: { replicas: 2 } });
    const job = await arena.waitFor<ArenaJob>('arenajobs', ns, 'eval', 'Running', (j) => j.status?.phase === 'Running');
    expect(job.status?.startTime).toBeDefined();
    expect(conditionOf(job, 'JobCreated')).toMatchObject({ status: 'True', reason: 'JobCreated', observedGeneration: 1 });
    expect(conditionOf(job, 'Progressing')).toMatchObject({ status: 'True', reason: 'JobRunning' });
    expect(job.status?.progress).toEqual({ total: 3, completed: 0, failed: 0, pending: 3 });
    expect(job.status?.progressSummary).toBe('0/3');
    const worker = (await arena.workerJob(ns, 'eval'))!;
    expect(worker.spec).toMatchObject({ parallelism: 2, completions: 3, completionMode: 'Indexed', backoffLimitPerIndex: 3, ttlSecondsAfterFinished: 3600 });
    expect(worker.metadata?.labels).toMatchObject({
      'omnia.altairalabs.ai/job': 'eval',
      'arena.omnia.altairalabs.ai/job': 'eval',
      'app.kubernetes.io/name': 'arena-worker',
      'app.kubernetes.io/instance': 'eval',
      'app.kubernetes.io/component': 'worker',
    });
    expect(worker.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'ArenaJob', name: 'eval', uid: created.metadata.uid, controller: true })]);
    const pod = worker.spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['worker']);
    expect(pod.containers[0].image).toBe('registry.example/arena-worker:1.2.3');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'tmp', emptyDir: {} }]));
    const env = envOf(worker);
    expect(env).toMatchObject({
      ARENA_JOB_NAME: 'eval',
      ARENA_JOB_NAMESPACE: ns,
      ARENA_CONFIG_NAME: 'cfg',
      ARENA_JOB_TYPE: 'evaluation',
      ARENA_ARTIFACT_URL: 'file:///arena-bundle/bundle',
      ARENA_PROVIDERS: 'mock',
    });
    expect(env.ARENA_ARTIFACT_REVISION).toMatch(/^sha256:/);
    // Index i of the Indexed Job runs item i: scenario x provider, sorted.
    expect(JSON.parse(env.ARENA_WORK_ITEMS)).toEqual([
      { scenario: 'scenarios/auth.yaml', provider: 'mock' },
      { scenario: 'scenarios/billing.yaml', provider: 'mock' },
      { scenario: 'tests/unit.yaml', provider: 'mock' },
    ]);
    // No output: no output wiring (HEAD "should return empty slices when Output is nil").
    expect(env.ARENA_OUTPUT_CONFIG).toBeUndefined();
    expect(env.ARENA_OUTPUT_DIR).toBeUndefined();
    await arena.waitForEvent(ns, 'eval', 'JobCreated');
  });

  test('scenario filter: the job\'s include/exclude override the config\'s (upstream TestFilter semantics); no match fails with NoWorkItems', async () => {
    const ns = await namespace();
    await readyChain(ns, 'cfg', { scenarios: { include: ['tests/*.yaml'] } });
    await arena.job(ns, 'by-config', { configRef: { name: 'cfg' } });
    await arena.job(ns, 'by-job', { configRef: { name: 'cfg' }, scenarios: { include: ['scenarios/*.yaml'], exclude: ['auth.yaml'] } });
    await arena.job(ns, 'none', { configRef: { name: 'cfg' }, scenarios: { include: ['nothing/*.yaml'] } });
    const byConfig = await waitFor('worker Job', () => arena.workerJob(ns, 'by-config'));
    expect(JSON.parse(envOf(byConfig).ARENA_WORK_ITEMS)).toEqual([{ scenario: 'tests/unit.yaml', provider: 'mock' }]);
    const byJob = await waitFor('worker Job', () => arena.workerJob(ns, 'by-job'));
    expect(JSON.parse(envOf(byJob).ARENA_WORK_ITEMS)).toEqual([{ scenario: 'scenarios/billing.yaml', provider: 'mock' }]);
    const none = await arena.waitFor<ArenaJob>('arenajobs', ns, 'none', 'Failed', (j) => j.status?.phase === 'Failed');
    expect(conditionOf(none, 'Failed')).toMatchObject({
      reason: 'NoWorkItems', message: 'No work: 0 of 3 scenarios x 1 provider(s); check spec.scenarios of the ArenaJob and its ArenaConfig',
    });
    expect(await arena.workerJob(ns, 'none')).toBeUndefined();
  });

  test('a git source: upstream\'s one work item per worker, the URL and revision handed to the workers', async () => {
    const ns = await namespace();
    await arena.source(ns, 'git', { type: 'git', git: { url: 'https://github.com/example/scenarios', ref: { branch: 'main' } }, interval: '5m' });
    await arena.provider(ns, 'mock', { type: 'mock' });
    await arena.config(ns, 'cfg', { sourceRef: { name: 'git' }, providers: [{ name: 'mock' }] });
    await arena.job(ns, 'pool', { configRef: { name: 'cfg' }, workers: { replicas: 3 } });
    const worker = await waitFor('worker Job', () => arena.workerJob(ns, 'pool'));
    expect(worker.spec).toMatchObject({ completions: 3, parallelism: 3 });
    expect(envOf(worker)).toMatchObject({ ARENA_ARTIFACT_URL: 'https://github.com/example/scenarios', ARENA_ARTIFACT_REVISION: 'main', ARENA_WORK_ITEMS: '[{},{},{}]' });
  });

  test('6. a terminal phase (Succeeded, Failed, Cancelled) is left unchanged and no worker Job is created', async () => {
    const ns = await namespace();
    const phases = ['Succeeded', 'Failed', 'Cancelled'] as const;
    for (const phase of phases) {
      const name = `done-${phase.toLowerCase()}`;
      await arena.job(ns, name, { configRef: { name: 'cfg' } });
      const pending = await arena.waitFor<ArenaJob>('arenajobs', ns, name, 'Pending', (j) => j.status?.phase === 'Pending');
      await running().api.client.replace(`${arena.path('arenajobs', ns, name)}/status`, { ...pending, status: { ...pending.status, phase } });
    }
    // The config becomes Ready: a job still Pending would start now.
    await readyChain(ns);
    await arena.job(ns, 'marker', { configRef: { name: 'cfg' } });
    await arena.waitFor<ArenaJob>('arenajobs', ns, 'marker', 'Running', (j) => j.status?.phase === 'Running');
    for (const phase of phases) {
      const name = `done-${phase.toLowerCase()}`;
      expect((await arena.get<ArenaJob>('arenajobs', ns, name)).status?.phase).toBe(phase);
      expect(await arena.workerJob(ns, name)).toBeUndefined();
    }
  });

  test('7. ttlSecondsAfterFinished: 300 on the worker Job (loadtest)', async () => {
    const ns = await namespace();
    await readyChain(ns);
    await arena.job(ns, 'lt', { configRef: { name: 'cfg' }, type: 'loadtest', loadTest: { targetRPS: 10 }, ttlSecondsAfterFinished: 300 });
    const worker = await waitFor('worker Job', () => arena.workerJob(ns, 'lt'));
    expect(worker.spec.ttlSecondsAfterFinished).toBe(300);
    expect(envOf(worker).ARENA_JOB_TYPE).toBe('loadtest');
    expect(JSON.parse(envOf(worker).ARENA_JOB_SETTINGS)).toEqual({ rampUp: '30s', duration: '5m', targetRPS: 10 });
  });

  test('HEAD output: PVC mounted at /arena-output with subPath, ARENA_OUTPUT_DIR, ARENA_OUTPUT_CONFIG; result.url pvc://', async () => {
    const ns = await namespace();
    await readyChain(ns);
    const output = { type: 'pvc' as const, pvc: { claimName: 'generated-data', subPath: 'batch-001/' } };
    await arena.job(ns, 'gen', { configRef: { name: 'cfg' }, type: 'datagen', output });
    const worker = await waitFor('worker Job', () => arena.workerJob(ns, 'gen'));
    const pod = worker.spec.template.spec;
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'arena-output', persistentVolumeClaim: { claimName: 'generated-data' } }]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'arena-output', mountPath: '/arena-output', subPath: 'batch-001/' }]));
    expect(envOf(worker).ARENA_OUTPUT_DIR).toBe('/arena-output');
    expect(JSON.parse(envOf(worker).ARENA_OUTPUT_CONFIG)).toEqual(output);
    const job = await arena.waitFor<ArenaJob>('arenajobs', ns, 'gen', 'Running', (j) => j.status?.phase === 'Running');
    expect(job.status?.result?.url).toBe('pvc://generated-data/batch-001/');
  });

  test('HEAD output: S3 credentials only through secretKeyRef; none without secretRef; result.url s3://', async () => {
    const ns = await namespace();
    await readyChain(ns);
    const withSecret = { type: 's3' as const, s3: { bucket: 'arena-results', prefix: 'evals/parallel/', secretRef: { name: 's3-credentials' } } };
    await arena.job(ns, 'with-creds', { configRef: { name: 'cfg' }, output: withSecret });
    await arena.job(ns, 'no-creds', { configRef: { name: 'cfg' }, output: { type: 's3', s3: { bucket: 'arena-results' } } });
    const w1 = await waitFor('worker Job', () => arena.workerJob(ns, 'with-creds'));
    expect(envOf(w1)).toMatchObject({
      ARENA_S3_ACCESS_KEY_ID: { secretKeyRef: { name: 's3-credentials', key: 'AWS_ACCESS_KEY_ID', optional: true } },
      ARENA_S3_SECRET_ACCESS_KEY: { secretKeyRef: { name: 's3-credentials', key: 'AWS_SECRET_ACCESS_KEY', optional: true } },
    });
    expect(JSON.parse(envOf(w1).ARENA_OUTPUT_CONFIG)).toEqual(withSecret);
    const w2 = await waitFor('worker Job', () => arena.workerJob(ns, 'no-creds'));
    expect(Object.keys(envOf(w2))).not.toContain('ARENA_S3_ACCESS_KEY_ID');
    expect(JSON.parse(envOf(w2).ARENA_OUTPUT_CONFIG)).toEqual({ type: 's3', s3: { bucket: 'arena-results' } });
    const j1 = await arena.waitFor<ArenaJob>('arenajobs', ns, 'with-creds', 'Running', (j) => j.status?.phase === 'Running');
    expect(j1.status?.result?.url).toBe('s3://arena-results/evals/parallel/with-creds/');
    const j2 = await arena.waitFor<ArenaJob>('arenajobs', ns, 'no-creds', 'Running', (j) => j.status?.phase === 'Running');
    expect(j2.status?.result?.url).toBe('s3://arena-results/no-creds/');
  });

  test('HEAD cancel: spec.cancelled deletes the worker Job, phase Cancelled, and it stays Cancelled', async () => {
    const ns = await namespace();
    await readyChain(ns);
    await arena.job(ns, 'stop-me', { configRef: { name: 'cfg' }, workers: { replicas: 2 } });
    await arena.waitFor<ArenaJob>('arenajobs', ns, 'stop-me', 'Running', (j) => j.status?.phase === 'Running');
    await arena.patchSpec('arenajobs', ns, 'stop-me', { cancelled: true });
    const cancelled = await arena.waitFor<ArenaJob>('arenajobs', ns, 'stop-me', 'Cancelled', (j) => j.status?.phase === 'Cancelled');
    expect(conditionOf(cancelled, 'Ready')).toMatchObject({ status: 'False', reason: 'Cancelled' });
    expect(conditionOf(cancelled, 'Progressing')).toMatchObject({ status: 'False', reason: 'Cancelled' });
    expect(cancelled.status?.completionTime).toBeDefined();
    await waitFor('worker Job deleted', async () => (await arena.workerJob(ns, 'stop-me')) === undefined, { timeoutMs: 60_000 });
    // Un-cancelling a terminal job does not restart it.
    await arena.patchSpec('arenajobs', ns, 'stop-me', { cancelled: false });
    await arena.job(ns, 'marker', { configRef: { name: 'cfg' } });
    await arena.waitFor<ArenaJob>('arenajobs', ns, 'marker', 'Running', (j) => j.status?.phase === 'Running');
    expect((await arena.get<ArenaJob>('arenajobs', ns, 'stop-me')).status?.phase).toBe('Cancelled');
    expect(await arena.workerJob(ns, 'stop-me')).toBeUndefined();
  });

  test('a cron parent (spec.schedule) gets no worker Job of its own', async () => {
    const ns = await namespace();
    await readyChain(ns);
    await arena.job(ns, 'nightly', { configRef: { name: 'cfg' }, schedule: { cron: '0 2 * * *' } });
    await arena.job(ns, 'marker', { configRef: { name: 'cfg' } });
    await arena.waitFor<ArenaJob>('arenajobs', ns, 'marker', 'Running', (j) => j.status?.phase === 'Running');
    expect(await arena.workerJob(ns, 'nightly')).toBeUndefined();
  });
});
