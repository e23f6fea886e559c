import type { ArenaConfig, ArenaJob, ArenaSource, Provider } from '../../imports/omnia.altairalabs.ai';
import { decideConfig } from '../../src/controller/arena-config/decide';
import { decideArenaJob, ObservedWorkerJob, progressOf } from '../../src/controller/arena-job/decide';
import { resultUrl } from '../../src/controller/arena-job/render-worker-job';
import { bundleFacts } from '../../src/controller/arena-source/bundle';
import { decideSource, goDurationMs } from '../../src/controller/arena-source/decide';
import { decideProvider } from '../../src/controller/provider/decide';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:00:10.000Z';
const API = 'omnia.altairalabs.ai/v1alpha1' as const;

function job(spec: Partial<ArenaJob['spec']> = {}, status?: ArenaJob['status']): ArenaJob {
  return { apiVersion: API, kind: 'ArenaJob', metadata: { name: 'eval', namespace: 'arena', uid: 'uid-1', generation: 1 }, spec: { configRef: { name: 'cfg' }, ...spec }, status };
}

function readyConfig(): ArenaConfig {
  return {
    apiVersion: API,
    kind: 'ArenaConfig',
    metadata: { name: 'cfg', namespace: 'arena' },
    spec: { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }] },
    status: { phase: 'Ready', resolvedSource: { url: 'configmap://arena/bundle/pack.json', revision: 'sha256:abc' }, resolvedProviders: ['mock'] },
  };
}

function worker(spec: ObservedWorkerJob['spec'], status: ObservedWorkerJob['status'] = {}): ObservedWorkerJob {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'eval-worker', namespace: 'arena', creationTimestamp: NOW }, spec, status };
}

const cond = (s: { conditions?: Array<{ type: string; message?: string }> } | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

describe('progress from an Indexed Job', () => {
  test('upstream #10: completions 4, active 2, one done: total 4, completed 1, pending 3', () => {
    expect(progressOf(worker({ completions: 4 }, { active: 2, completedIndexes: '1' }))).toEqual({ total: 4, completed: 1, failed: 0, pending: 3 });
  });

  test('never negative: retried pods count once per index, and counts never pass the total', () => {
    const p = progressOf(worker({ completions: 2 }, { failed: 9, completedIndexes: '0-1', failedIndexes: '0-4' }));
    expect(p).toEqual({ total: 2, completed: 2, failed: 0, pending: 0 });
  });

  test('upstream #11: a Job without completions has one item', () => {
    expect(progressOf(worker({}, {})).total).toBe(1);
  });
});

describe('decideArenaJob', () => {
  const base = { workerImage: 'img', now: NOW };

  test('missing config: Pending with ConfigValid False, requeued, one ConfigNotReady event', () => {
    const plan = decideArenaJob({ ...base, job: job() });
    expect(plan.status.phase).toBe('Pending');
    expect(cond(plan.status, 'ConfigValid')).toMatchObject({ status: 'False', reason: 'ConfigNotFound', observedGeneration: 1 });
    expect(plan.status.progress).toEqual({ total: 0, completed: 0, failed: 0, pending: 0 });
    expect(plan.requeueAfterMs).toBe(30_000);
    expect(plan.events.map((e) => e.reason)).toEqual(['ConfigNotReady']);
    // The same reason again: no second event.
    expect(decideArenaJob({ ...base, job: job({}, plan.status) }).events).toEqual([]);
  });

  test('no work item selected: Failed NoWorkItems, no worker Job', () => {
    const plan = decideArenaJob({ ...base, job: job(), config: readyConfig(), items: [], itemsBasis: '0 of 5 scenarios x 1 provider(s)' });
    expect(plan.createWorkerJob).toBeUndefined();
    expect(plan.status.phase).toBe('Failed');
    expect(cond(plan.status, 'Failed')?.message).toBe('No work: 0 of 5 scenarios x 1 provider(s); check spec.scenarios of the ArenaJob and its ArenaConfig');
  });

  test('progress never goes backwards against the recorded one', () => {
    const plan = decideArenaJob({ ...base, job: job({}, { phase: 'Running', progress: { total: 4, completed: 3, failed: 0, pending: 1 } }), workerJob: worker({ completions: 4 }, { completedIndexes: '0' }) });
    expect(plan.status.progress).toEqual({ total: 4, completed: 3, failed: 0, pending: 1 });
  });

  test('config Ready: the worker Job is planned, Running with zero progress and result.url', () => {
    const plan = decideArenaJob({ ...base, job: job({ output: { type: 's3', s3: { bucket: 'b', prefix: 'p/' } } }), config: readyConfig(), items: [{ index: 0 }, { index: 1 }], initialParallelism: 2 });
    expect(plan.createWorkerJob?.metadata?.name).toBe('eval-worker');
    expect(plan.createWorkerJob?.spec).toMatchObject({ completions: 2, parallelism: 2, completionMode: 'Indexed' });
    expect(plan.status).toMatchObject({ phase: 'Running', startTime: NOW, progress: { total: 2, completed: 0, failed: 0, pending: 2 }, progressSummary: '0/2', result: { url: 's3://b/p/eval/' } });
    expect(cond(plan.status, 'JobCreated')).toMatchObject({ status: 'True' });
  });

  test('upstream #8: Complete => Succeeded, Complete/Ready True, progress full (lazy-initialised, #736)', () => {
    const plan = decideArenaJob({
      ...base,
      job: job({}, { phase: 'Running' }),
      config: readyConfig(),
      workerJob: worker({ completions: 2 }, {
        completedIndexes: '0-1', completionTime: LATER, conditions: [{ type: 'Complete', status: 'True' }],
      }),
    });
    expect(plan.status).toMatchObject({ phase: 'Succeeded', completionTime: LATER, progress: { total: 2, completed: 2, failed: 0, pending: 0 }, activeWorkers: 0 });
    expect(cond(plan.status, 'Complete')).toMatchObject({ status: 'True', reason: 'JobSucceeded' });
    expect(cond(plan.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(cond(plan.status, 'Progressing')).toMatchObject({ status: 'False', reason: 'JobSucceeded' });
  });

  test('upstream #9: Failed => Failed with the Job\'s reason, Failed condition True', () => {
    const plan = decideArenaJob({
      ...base,
      job: job({}, { phase: 'Running' }),
      workerJob: worker({ completions: 2 }, {
        completedIndexes: '0', failedIndexes: '1', conditions: [{ type: 'Failed', status: 'True', reason: 'FailedIndexes', message: 'Job has failed indexes' }],
      }),
      now: LATER,
    });
    expect(plan.status).toMatchObject({ phase: 'Failed', completionTime: LATER, progress: { total: 2, completed: 1, failed: 1, pending: 0 } });
    expect(cond(plan.status, 'Failed')).toMatchObject({ status: 'True', reason: 'JobFailed', message: 'Worker job failed: FailedIndexes: Job has failed indexes (1 of 2 work items failed)' });
    expect(cond(plan.status, 'Complete')).toMatchObject({ status: 'False' });
  });

  test('upstream #6: terminal phases are sticky', () => {
    for (const phase of ['Succeeded', 'Failed', 'Cancelled'] as const) {
      const plan = decideArenaJob({ ...base, job: job({ cancelled: true }, { phase }), config: readyConfig() });
      expect(plan).toEqual({ status: { phase }, events: [] });
    }
  });

  test('cancel: the worker Job is deleted, phase Cancelled', () => {
    const plan = decideArenaJob({ ...base, job: job({ cancelled: true }, { phase: 'Running' }), workerJob: worker({ completions: 3 }, { completedIndexes: '0' }) });
    expect(plan.deleteWorkerJob).toBe(true);
    expect(plan.status).toMatchObject({ phase: 'Cancelled', progress: { total: 3, completed: 1, failed: 0, pending: 2 } });
    expect(cond(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Cancelled' });
  });

  test('a worker Job deleted by someone else while running: Failed, WorkerJobDeleted', () => {
    const running = decideArenaJob({ ...base, job: job(), config: readyConfig() }).status;
    const plan = decideArenaJob({ ...base, job: job({}, running), config: readyConfig() });
    expect(plan.createWorkerJob).toBeUndefined();
    expect(plan.status.phase).toBe('Failed');
    expect(cond(plan.status, 'Failed')).toMatchObject({ reason: 'WorkerJobDeleted' });
  });

  test('scaling: a new parallelism is planned only when it differs', () => {
    const w = worker({ completions: 10, parallelism: 4 }, { active: 4, completedIndexes: '0-7' });
    const pool = { min: 1, max: 4, fixed: false };
    const plan = decideArenaJob({ ...base, job: job({}, { phase: 'Running' }), workerJob: w, pool });
    expect(plan.setParallelism).toBe(2);
    expect(plan.events.map((e) => e.message)).toEqual(['Scaled workers from 4 to 2: 2 work item(s) left']);
    const same = decideArenaJob({ ...base, job: job({}, { phase: 'Running' }), workerJob: w, pool: { min: 4, max: 4, fixed: true } });
    expect(same.setParallelism).toBeUndefined();
    expect(same.status).toMatchObject({ activeWorkers: 4, progressSummary: '8/10' });
  });

  test('result.url: s3 and pvc (§1.10.9)', () => {
    expect(resultUrl(job({ output: { type: 's3', s3: { bucket: 'arena-results', prefix: 'evals/nightly/' } } }))).toBe('s3://arena-results/evals/nightly/eval/');
    expect(resultUrl(job({ output: { type: 'pvc', pvc: { claimName: 'data', subPath: '/batch-001/' } } }))).toBe('pvc://data/batch-001/');
    expect(resultUrl(job({ output: { type: 'pvc', pvc: { claimName: 'data' } } }))).toBe('pvc://data/');
    expect(resultUrl(job())).toBeUndefined();
  });
});

describe('bundleFacts', () => {
  test.each([
    ['paths', { scenarios: ['a.yaml', 'b.yaml'] }, [{ path: 'a.yaml' }, { path: 'b.yaml' }]],
    ['objects', { scenarios: [{ path: 'a.yaml', id: 'alpha' }, { id: 'b' }, { name: 'c' }] }, [{ path: 'a.yaml', id: 'alpha' }, { path: 'b' }, { path: 'c' }]],
    ['a map', { scenarios: { x: {}, y: {} } }, [{ path: 'x' }, { path: 'y' }]],
  ])('scenarios as %s', (_what, packJson, expected) => {
    expect(bundleFacts(JSON.stringify(packJson)).scenarios).toEqual(expected);
  });

  test('not JSON, or no scenarios: revision only', () => {
    const facts = bundleFacts('name: not json');
    expect(facts.scenarios).toBeUndefined();
    expect(facts.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(facts.size).toBe(14);
  });
});

describe('decideSource', () => {
  const source = (spec: Partial<ArenaSource['spec']>, status?: ArenaSource['status']): ArenaSource => ({
    apiVersion: API, kind: 'ArenaSource', metadata: { name: 'src', namespace: 'arena', generation: 1 }, spec: { type: 'configmap', configMap: { name: 'cm' }, interval: '1m30s', ...spec }, status,
  });

  test('goDurationMs', () => {
    expect(goDurationMs('1h30m')).toBe(5_400_000);
    expect(goDurationMs('1.5s')).toBe(1_500);
    expect(goDurationMs('500ms')).toBe(500);
  });

  test('the fetch times move once per interval, not on every reconcile (no write loop)', () => {
    const facts = bundleFacts('{"scenarios":["a"]}');
    const first = decideSource({ source: source({}), bundle: { kind: 'found', facts }, now: NOW });
    expect(first.status).toMatchObject({ phase: 'Ready', lastFetchTime: NOW, nextFetchTime: '2026-01-01T00:01:30.000Z' });
    expect(first.requeueAfterMs).toBe(90_000);
    const again = decideSource({ source: source({}, first.status), bundle: { kind: 'found', facts }, now: LATER });
    expect(again.status).toEqual(first.status);
    expect(again.requeueAfterMs).toBe(80_000);
  });
});

describe('decideProvider', () => {
  const provider = (spec: Partial<Provider['spec']>): Provider => ({ apiVersion: API, kind: 'Provider', metadata: { name: 'p', namespace: 'arena' }, spec: { type: 'openai', ...spec } });

  test('validateCredentials is reported as not checked', () => {
    const plan = decideProvider({ provider: provider({ secretRef: { name: 's' }, validateCredentials: true }), secret: { found: true, keys: ['OPENAI_TOKEN'] }, now: NOW });
    expect(plan.status.phase).toBe('Ready');
    expect(cond(plan.status, 'CredentialsValid')).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  test('a missing Secret is checked again', () => {
    expect(decideProvider({ provider: provider({ secretRef: { name: 's' } }), secret: { found: false }, now: NOW }).requeueAfterMs).toBe(5_000);
  });
});

describe('decideConfig', () => {
  const config: ArenaConfig = { apiVersion: API, kind: 'ArenaConfig', metadata: { name: 'cfg', namespace: 'arena', generation: 2 }, spec: { sourceRef: { name: 'src' }, providers: [{ name: 'p' }] } };
  const source: ArenaSource = {
    apiVersion: API,
    kind: 'ArenaSource',
    metadata: { name: 'src', namespace: 'arena' },
    spec: { type: 'git', git: { url: 'https://x/y' }, interval: '5m' },
    status: { phase: 'Ready', artifact: { url: 'https://x/y', revision: 'main' } },
  };
  const provider = (phase?: 'Ready' | 'Error'): Provider => ({ apiVersion: API, kind: 'Provider', metadata: { name: 'p', namespace: 'arena' }, spec: { type: 'mock' }, status: phase && { phase } });

  test('a provider not checked yet keeps the config Pending; Error makes it Invalid', () => {
    expect(decideConfig({ config, source, providers: [{ name: 'p', namespace: 'arena', provider: provider() }], now: NOW }).phase).toBe('Pending');
    expect(decideConfig({ config, source, providers: [{ name: 'p', namespace: 'arena', provider: provider('Error') }], now: NOW }).phase).toBe('Invalid');
  });

  test('lastValidatedAt moves only when the resolution changes', () => {
    const providers = [{ name: 'p', namespace: 'arena', provider: provider('Ready') }];
    const first = decideConfig({ config, source, providers, now: NOW });
    expect(first).toMatchObject({ phase: 'Ready', lastValidatedAt: NOW, resolvedSource: { url: 'https://x/y', revision: 'main' }, resolvedProviders: ['p'], observedGeneration: 2 });
    expect(decideConfig({ config: { ...config, status: first }, source, providers, now: LATER })).toEqual(first);
  });
});
