/**
 * Whether `promise` has settled once every callback already queued has run, with no (fake) timer
 * advanced: how a test under `jest.useFakeTimers()` tells "done at once" from "waits for a timer"
 * without measuring time. The queue is drained with the real `setImmediate`, which runs only after
 * all pending promise callbacks, however many turns they take.
 */
export async function settledWithoutTime(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => { settled = true; }, () => { settled = true; });
  const { setImmediate: realSetImmediate } = jest.requireActual<typeof import('timers')>('timers');
  await new Promise<void>((resolve) => realSetImmediate(resolve));
  return settled;
}
