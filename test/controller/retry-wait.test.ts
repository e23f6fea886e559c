import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { retryWaitMs, sleep } from '../../src/controller/retry-after';
import { settledWithoutTime } from '../settled-without-time';

test('only a 429 or a 5xx that carries Retry-After in whole seconds is retried, after that many seconds', () => {
  expect(retryWaitMs(429, '1')).toBe(1_000);
  expect(retryWaitMs(429, ' 2 ')).toBe(2_000);
  expect(retryWaitMs(503, '0')).toBe(0);
  expect(retryWaitMs(504, '3')).toBe(3_000);
  expect(retryWaitMs(429, '3600')).toBe(3_600_000);
  // No wait asked: final.
  expect(retryWaitMs(429, undefined)).toBeUndefined();
  expect(retryWaitMs(503, undefined)).toBeUndefined();
  // An HTTP date or garbage is not a number of seconds client-go would honour.
  expect(retryWaitMs(429, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  expect(retryWaitMs(429, '1.5')).toBeUndefined();
  // Other codes are final whatever they carry.
  expect(retryWaitMs(409, '1')).toBeUndefined();
  expect(retryWaitMs(404, '1')).toBeUndefined();
  expect(retryWaitMs(200, '1')).toBeUndefined();
});

describe('the wait between retries', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('ends when its time has passed, not before', async () => {
    const wait = sleep(60_000);
    expect(await settledWithoutTime(wait)).toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(await settledWithoutTime(wait)).toBe(true);
  });

  test('ends at once when the signal aborts while waiting, and when it had aborted before (its event does not fire again)', async () => {
    const abort = new AbortController();
    const wait = sleep(3_600_000, abort.signal);
    expect(await settledWithoutTime(wait)).toBe(false);
    abort.abort();
    expect(await settledWithoutTime(wait)).toBe(true);
    expect(await settledWithoutTime(sleep(3_600_000, abort.signal))).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});

test('the wait keeps the process alive: a CLI with nothing else open does not exit while it waits to retry', async () => {
  // Jest keeps its own process alive, so this is asked of a process that has nothing else to do.
  const module = path.join(__dirname, '../../src/controller/retry-after');
  const stdout = await new Promise<string>((resolve, reject) => execFile(process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', `require(${JSON.stringify(module)}).sleep(200).then(() => process.stdout.write('woke'))`],
    { env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.json') }, timeout: 120_000 },
    (err, out) => (err ? reject(err) : resolve(out))));
  expect(stdout).toBe('woke');
});
