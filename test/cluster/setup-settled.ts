/**
 * How a test file's cluster hooks end cleanly. Jest runs `afterAll` when `beforeAll` has timed out
 * without stopping it: what it is still starting would come up after the stop and outlive the test
 * file (and take the next file's ports or lock). So `afterAll` first waits for the setup to settle,
 * with a bound, then stops what is there, every part even when one fails.
 */

/** How long `afterAll` waits for a setup still running (a control plane start is well under it). */
export const SETUP_SETTLE_MS = 90_000;

/** Resolves when `setup` has settled (either way) or after `boundMs`, whichever comes first. */
export async function setupSettled(setup: Promise<unknown> | undefined, boundMs = SETUP_SETTLE_MS): Promise<void> {
  if (setup === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, boundMs);
  });
  await Promise.race([setup.then(() => undefined, () => undefined), bound]);
  clearTimeout(timer);
}

/** Runs every stop in order, even when one fails; then throws the first failure. */
export async function stopEach(stops: ReadonlyArray<() => Promise<void> | undefined>): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stops) {
    try {
      await stop();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}
