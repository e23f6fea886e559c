/**
 * The seed's five complete ArenaJob examples (shared/seeds/000), applied as written to a cluster
 * with only kubejobs installed, next to the ArenaSource, Provider and ArenaConfigs they name. The
 * four runs go to `Succeeded` with their worker pods really scheduled and run (scheduling tier); the
 * scheduled one becomes a parent waiting for its next tick.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { ArenaApi, conditionOf, pack } from './arena-helpers';
import { TestPod } from './helpers';
import { useController } from './use-controller';
import type { ArenaConfig, ArenaJob, ArenaJobSpec } from '../../imports/omnia.altairalabs.ai';
import { DEFAULT_CONTROLLERS } from '../cluster/control-plane';
import { waitFor } from '../cluster/kube-helpers';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(240_000);

// The PV binder binds the synthetic-data example's claim to a PersistentVolume made here.
const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }], plane: { controllers: [...DEFAULT_CONTROLLERS, 'persistentvolume-binder'] } });
const running = useController(() => cluster().plane);

const NS = 'arena';

/** The seed's examples, field for field. */
const SEED: Record<string, ArenaJobSpec> = {
  'basic-eval': { configRef: { name: 'my-config' } },
  'parallel-eval': {
    configRef: { name: 'provider-comparison' },
    type: 'evaluation',
    evaluation: { outputFormats: ['junit', 'json'] },
    workers: { replicas: 10 },
    output: { type: 's3', s3: { bucket: 'arena-results', prefix: 'evals/parallel/' } },
  },
  'nightly-eval': {
    configRef: { name: 'production-tests' },
    type: 'evaluation',
    workers: { replicas: 5 },
    output: { type: 's3', s3: { bucket: 'arena-results', prefix: 'evals/nightly/' } },
    schedule: { cron: '0 2 * * *', timezone: 'UTC' },
    ttlSecondsAfterFinished: 604800,
  },
  'provider-loadtest': {
    configRef: { name: 'load-test-config' },
    type: 'loadtest',
    loadTest: { rampUp: '2m', duration: '30m', targetRPS: 500 },
    workers: { minReplicas: 5, maxReplicas: 50 },
    output: { type: 's3', s3: { bucket: 'loadtest-results', prefix: 'loadtests/' } },
  },
  'synthetic-data': {
    configRef: { name: 'datagen-config' },
    type: 'datagen',
    dataGen: { count: 10000, format: 'jsonl' },
    workers: { replicas: 4 },
    output: { type: 'pvc', pvc: { claimName: 'generated-data', subPath: 'batch-001/' } },
  },
};

test('the seed\'s five examples: four runs Succeeded with every work item done, the nightly one a parent with its next tick', async () => {
  const arena = new ArenaApi(running().api.client);
  const client = running().api.client;
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await waitFor('ServiceAccount arena/default', () => client.get(`/api/v1/namespaces/${NS}/serviceaccounts/default`));
  await client.create('/api/v1/persistentvolumes', {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'generated-data' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/generated-data' } },
  });
  await client.create(`/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'generated-data' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: 'generated-data', resources: { requests: { storage: '1Gi' } } },
  });
  await arena.configMap(NS, 'scenarios', { 'pack.json': pack(['scenarios/greeting.yaml', 'scenarios/refund.yaml', 'scenarios/escalation.yaml']) });
  await arena.source(NS, 'support-bot-scenarios', { type: 'configmap', configMap: { name: 'scenarios' }, interval: '5m' });
  await arena.provider(NS, 'mock', { type: 'mock', model: 'mock-model' });
  for (const config of ['my-config', 'provider-comparison', 'production-tests', 'load-test-config', 'datagen-config']) {
    await arena.config(NS, config, { sourceRef: { name: 'support-bot-scenarios' }, providers: [{ name: 'mock' }] });
    await arena.waitFor<ArenaConfig>('arenaconfigs', NS, config, 'Ready', (c) => c.status?.phase === 'Ready');
  }
  for (const [name, spec] of Object.entries(SEED)) await arena.job(NS, name, spec);

  const runs = Object.keys(SEED).filter((n) => n !== 'nightly-eval');
  // Each worker pod runs until released; release every one that runs, until all four runs finish.
  const finished = await waitFor('the four runs to finish', async () => {
    const pods = (await client.list<TestPod>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: 'app.kubernetes.io/component=worker' })).items;
    for (const pod of pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.annotations?.['kwok.kubejobs.test/exit-code'])) {
      await running().api.scriptPod(NS, pod.metadata!.name!, { exitCode: 0 });
    }
    const jobs = await Promise.all(runs.map((n) => arena.get<ArenaJob>('arenajobs', NS, n)));
    return jobs.every((j) => j.status?.phase === 'Succeeded' || j.status?.phase === 'Failed') ? jobs : undefined;
  }, { timeoutMs: 180_000, intervalMs: 250 });
  const byName = Object.fromEntries(finished.map((j) => [j.metadata.name, j]));
  for (const name of runs) {
    expect({ name, phase: byName[name]!.status?.phase, progress: byName[name]!.status?.progress }).toEqual({
      name, phase: 'Succeeded', progress: { total: 3, completed: 3, failed: 0, pending: 0 },
    });
    expect(conditionOf(byName[name], 'Complete')?.status).toBe('True');
  }
  expect(byName['parallel-eval']!.status?.result?.url).toBe('s3://arena-results/evals/parallel/parallel-eval/');
  expect(byName['provider-loadtest']!.status?.result?.url).toBe('s3://loadtest-results/loadtests/provider-loadtest/');
  expect(byName['synthetic-data']!.status?.result?.url).toBe('pvc://generated-data/batch-001/');

  const nightly = await arena.waitFor<ArenaJob>('arenajobs', NS, 'nightly-eval', 'a next tick', (j) => j.status?.nextScheduleTime !== undefined);
  expect(new Date(nightly.status!.nextScheduleTime!).getUTCHours()).toBe(2);
  expect(await arena.workerJob(NS, 'nightly-eval')).toBeUndefined();
});
