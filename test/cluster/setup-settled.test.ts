import { setupSettled, stopEach } from './setup-settled';
import { settledWithoutTime } from '../settled-without-time';

describe('setupSettled', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('waits for a setup still going, and is done when it fails as when it succeeds', async () => {
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const running = setupSettled(new Promise<void>((resolve) => { finish = resolve; }), 60_000);
    const failing = setupSettled(new Promise<void>((_resolve, reject) => { fail = reject; }), 60_000);
    expect(await settledWithoutTime(running)).toBe(false);
    expect(await settledWithoutTime(failing)).toBe(false);
    finish();
    fail(new Error('start failed'));
    expect(await settledWithoutTime(running)).toBe(true);
    expect(await settledWithoutTime(failing)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('gives up on a setup that never settles after its bound; no setup: done at once', async () => {
    const stuck = setupSettled(new Promise<void>(() => undefined), 60_000);
    jest.advanceTimersByTime(59_999);
    expect(await settledWithoutTime(stuck)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settledWithoutTime(stuck)).toBe(true);
    expect(await settledWithoutTime(setupSettled(undefined))).toBe(true);
  });
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
