/**
 * Whether `promise` has settled once the callbacks already queued have run, with no (fake) timer
 * advanced: how a test under `jest.useFakeTimers()` tells "done at once" from "waits for a timer"
 * without measuring time.
 */
export async function settledWithoutTime(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
}
