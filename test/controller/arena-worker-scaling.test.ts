import { activeWorkers, desiredParallelism, parallelismUpdate, workerPool } from '../../src/controller/arena-job/worker-scaling';

const progress = (total: number, completed: number, failed = 0) => ({ total, completed, failed, pending: total - completed - failed });

describe('workerPool', () => {
  test.each([
    ['no workers block: one fixed worker', undefined, { min: 1, max: 1, fixed: true }],
    ['replicas alone: fixed pool', { replicas: 10 }, { min: 10, max: 10, fixed: true }],
    ['min and max (replicas defaulted to 1 by the API server)', { replicas: 1, minReplicas: 5, maxReplicas: 50 }, { min: 5, max: 50, fixed: false }],
    ['max alone: from 1', { replicas: 1, maxReplicas: 8 }, { min: 1, max: 8, fixed: false }],
    ['min alone: up to replicas', { replicas: 6, minReplicas: 2 }, { min: 2, max: 6, fixed: false }],
    ['min alone above replicas: a pool of min', { replicas: 1, minReplicas: 3 }, { min: 3, max: 3, fixed: false }],
    ['max below min (refused by the CRD): never below min', { minReplicas: 4, maxReplicas: 2 }, { min: 4, max: 4, fixed: false }],
  ])('%s', (_name, workers, expected) => {
    expect(workerPool(workers)).toEqual(expected);
  });
});

describe('desiredParallelism', () => {
  const scaling = workerPool({ minReplicas: 2, maxReplicas: 5 });
  test.each([
    ['lots pending: max', progress(20, 0), 5],
    ['4 pending: 4', progress(20, 16), 4],
    ['1 pending: min', progress(20, 19), 2],
    ['3 left after failures: 3', progress(20, 10, 7), 3],
    ['nothing pending: 0', progress(20, 19, 1), 0],
  ])('range 2-5, %s', (_name, p, expected) => {
    expect(desiredParallelism(scaling, p)).toBe(expected);
  });

  test('a fixed pool keeps its size while work is left', () => {
    expect(desiredParallelism(workerPool({ replicas: 3 }), progress(100, 99))).toBe(3);
    expect(desiredParallelism(workerPool({ replicas: 3 }), progress(100, 0))).toBe(3);
  });
});

describe('parallelismUpdate', () => {
  const pool = workerPool({ minReplicas: 1, maxReplicas: 4 });
  test('scales down as work finishes', () => {
    expect(parallelismUpdate(pool, progress(10, 8), 4, false)).toBe(2);
  });
  test('nothing to write when it already matches', () => {
    expect(parallelismUpdate(pool, progress(10, 0), 4, false)).toBeUndefined();
  });
  test('a finished Job, or one running its last items, is left alone', () => {
    expect(parallelismUpdate(pool, progress(10, 8), 4, true)).toBeUndefined();
    expect(parallelismUpdate(pool, progress(10, 10), 1, false)).toBeUndefined();
  });
});

describe('activeWorkers', () => {
  test('the Job\'s active pods, 0 without a Job or count', () => {
    expect(activeWorkers({ status: { active: 3 } })).toBe(3);
    expect(activeWorkers({ status: {} })).toBe(0);
    expect(activeWorkers(undefined)).toBe(0);
    expect(activeWorkers({ status: { active: -1 } })).toBe(0);
  });
});
