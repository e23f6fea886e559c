import { countIndexes, initialProgress, mergeProgress, progressFromJob, workerItems, workItems } from '../../src/controller/arena-job/work-items';

describe('workItems', () => {
  test('scenario x provider, scenario-major, indexes 0..n-1', () => {
    expect(workItems(['s/b.yaml', 's/a.yaml'], ['openai', 'claude'])).toEqual([
      { index: 0, scenario: 's/a.yaml', provider: 'claude' },
      { index: 1, scenario: 's/a.yaml', provider: 'openai' },
      { index: 2, scenario: 's/b.yaml', provider: 'claude' },
      { index: 3, scenario: 's/b.yaml', provider: 'openai' },
    ]);
  });

  test('the order does not depend on the input order, and duplicates count once', () => {
    const a = workItems(['x', 'y', 'z'], ['p', 'ns/q']);
    const b = workItems(['z', 'x', 'y', 'x'], ['ns/q', 'p', 'p']);
    expect(b).toEqual(a);
    expect(a).toHaveLength(6);
  });

  test('no scenario or no provider: no items', () => {
    expect(workItems([], ['p'])).toEqual([]);
    expect(workItems(['s'], [])).toEqual([]);
  });

  test('fallback: one item per worker, at least one', () => {
    expect(workerItems(3)).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
    expect(workerItems(0)).toEqual([{ index: 0 }]);
  });
});

describe('countIndexes', () => {
  test.each([
    [undefined, 10, 0],
    ['', 10, 0],
    ['1', 10, 1],
    ['1,3-5', 10, 4],
    ['0-2,2-3', 10, 4],
    ['3-5,8-12', 10, 5],
    ['12', 10, 0],
    ['x,2', 10, 1],
  ])('%s below %d: %d', (list, limit, expected) => {
    expect(countIndexes(list, limit)).toBe(expected);
  });
});

describe('progressFromJob', () => {
  test('no Job yet: everything pending, all counters present', () => {
    expect(progressFromJob(4, undefined)).toEqual({ total: 4, completed: 0, failed: 0, pending: 4 });
    expect(initialProgress(4)).toEqual({ total: 4, completed: 0, failed: 0, pending: 4 });
  });

  test('Indexed Job: each item counted once from the index lists, whatever the pod retries', () => {
    const job = {
      spec: { completionMode: 'Indexed', completions: 6 },
      status: { completedIndexes: '0,2-3', failedIndexes: '5', succeeded: 3, failed: 7, active: 1 },
    };
    expect(progressFromJob(6, job)).toEqual({ total: 6, completed: 3, failed: 1, pending: 2 });
  });

  test('upstream case: running, completions 4, active 2, succeeded 1', () => {
    expect(progressFromJob(4, { spec: { completions: 4 }, status: { active: 2, succeeded: 1 } }))
      .toEqual({ total: 4, completed: 1, failed: 0, pending: 3 });
  });

  test('upstream case: Job Complete, completions 2, succeeded 2', () => {
    const job = { status: { succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] } };
    expect(progressFromJob(2, job)).toEqual({ total: 2, completed: 2, failed: 0, pending: 0 });
  });

  test('upstream case: Job Failed (BackoffLimitExceeded), failed 2: what did not complete failed', () => {
    const job = { status: { failed: 2, conditions: [{ type: 'Failed', status: 'True' }] } };
    expect(progressFromJob(2, job)).toEqual({ total: 2, completed: 0, failed: 2, pending: 0 });
  });

  test('pod failures of a non-indexed Job never push pending below zero (upstream bug)', () => {
    expect(progressFromJob(2, { status: { failed: 9, succeeded: 1, active: 1 } })).toEqual({ total: 2, completed: 1, failed: 0, pending: 1 });
  });

  test('never backwards: a Job recreated from zero keeps the previous counts', () => {
    const previous = { total: 6, completed: 3, failed: 1, pending: 2 };
    expect(progressFromJob(6, { spec: { completionMode: 'Indexed' }, status: {} }, previous)).toEqual(previous);
    expect(progressFromJob(6, { spec: { completionMode: 'Indexed' }, status: { completedIndexes: '0-4' } }, previous))
      .toEqual({ total: 6, completed: 5, failed: 1, pending: 0 });
  });

  test('a failure seen earlier gives way to a later completion of the same item', () => {
    const previous = { total: 2, completed: 1, failed: 1, pending: 0 };
    expect(progressFromJob(2, { status: { completedIndexes: '0-1' } }, previous)).toEqual({ total: 2, completed: 2, failed: 0, pending: 0 });
  });
});

describe('mergeProgress', () => {
  test('counters never negative, never above the total', () => {
    expect(mergeProgress(undefined, { total: 3, completed: -1, failed: 7, pending: -5 })).toEqual({ total: 3, completed: 0, failed: 3, pending: 0 });
    expect(mergeProgress({ total: 3, completed: 5, failed: 0, pending: 0 }, { total: 3, completed: 0, failed: 0, pending: 3 }))
      .toEqual({ total: 3, completed: 3, failed: 0, pending: 0 });
  });

  test('monotonic over any sequence of observations', () => {
    const observations = ['', '0', '0-1', '1', '', '0-2', '0-3'];
    let p = initialProgress(4);
    for (const completedIndexes of observations) {
      const next = progressFromJob(4, { status: { completedIndexes } }, p);
      expect(next.completed).toBeGreaterThanOrEqual(p.completed);
      expect(next.completed + next.failed + next.pending).toBe(4);
      p = next;
    }
    expect(p).toEqual({ total: 4, completed: 4, failed: 0, pending: 0 });
  });
});
