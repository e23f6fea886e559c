import { setupSettled, stopEach, stopWhenSettled } from './setup-settled';
import { settledWithoutTime } from '../settled-without-time';

describe('setupSettled', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('waits for a setup still going, and says it settled when it fails as when it succeeds', async () => {
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const running = setupSettled(new Promise<void>((resolve) => { finish = resolve; }), 60_000);
    const failing = setupSettled(new Promise<void>((_resolve, reject) => { fail = reject; }), 60_000);
    expect(await settledWithoutTime(running)).toBe(false);
    expect(await settledWithoutTime(failing)).toBe(false);
    finish();
    fail(new Error('start failed'));
    expect(await running).toBe(true);
    expect(await failing).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('gives up on a setup that never settles after its bound, and says so; no setup: settled at once', async () => {
    const stuck = setupSettled(new Promise<void>(() => undefined), 60_000);
    jest.advanceTimersByTime(59_999);
    expect(await settledWithoutTime(stuck)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await stuck).toBe(false);
    expect(await setupSettled(undefined)).toBe(true);
  });
});

test('stopWhenSettled stops again once the late setup and afterAll\'s own stop have both ended, never beside them', async () => {
  const events: string[] = [];
  let finishSetup!: () => void;
  let finishOwnStop!: () => void;
  const setup = new Promise<void>((resolve) => { finishSetup = resolve; });
  const ownStop = new Promise<void>((resolve) => { finishOwnStop = resolve; });
  const stopped = new Promise<void>((resolve) => stopWhenSettled(setup, ownStop, async () => {
    events.push('stop');
    resolve();
  }));
  finishSetup();
  expect(await settledWithoutTime(stopped)).toBe(false);
  expect(events).toEqual([]);
  finishOwnStop();
  await stopped;
  expect(events).toEqual(['stop']);
});

test('stopEach runs every stop in order even when one fails, then throws the first failure', async () => {
  const ran: string[] = [];
  const stops = [
    async () => { ran.push('node'); throw new Error('node would not stop'); },
    () => undefined, // a part that never started
    async () => { ran.push('scheduling'); throw new Error('scheduling would not stop'); },
    async () => { ran.push('plane'); },
  ];
  await expect(stopEach(stops)).rejects.toThrow('node would not stop');
  expect(ran).toEqual(['node', 'scheduling', 'plane']);
  await expect(stopEach([async () => { ran.push('again'); }])).resolves.toBeUndefined();
});
