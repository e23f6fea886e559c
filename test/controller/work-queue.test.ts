import { WorkQueue } from '../../src/controller/work-queue';

test('a key waits once however often it is added, and is never processed twice at once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('a');
  q.add('b');
  expect(q.length).toBe(2);
  const first = await q.get();
  expect(first).toBe('a');
  q.add('a'); // while processing: replayed after done
  expect(q.length).toBe(1);
  expect(await q.get()).toBe('b');
  q.done('a');
  expect(await q.get()).toBe('a');
});

test('rate-limited requeue grows exponentially per key up to the cap, and forget resets it', () => {
  const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
  expect([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')]).toEqual([10, 20, 40, 50]);
  expect(q.addRateLimited('other')).toBe(10);
  q.forget('k');
  expect(q.addRateLimited('k')).toBe(10);
  q.shutDown();
});

test('shutDown wakes waiting workers with undefined', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.shutDown();
  expect(await waiting).toBeUndefined();
});
