/**
 * How a test file's cluster hooks end cleanly. Jest runs `afterAll` when `beforeAll` has timed out
 * without stopping it: what it is still starting would come up after the stop and outlive the test
 * file (and take the next file's ports or lock). So `afterAll` first waits for the setup to settle,
 * with a bound, then stops what is there, every part even when one fails; when the bound ran out,
 * what the setup still brings up is stopped once it has settled ({@link stopWhenSettled}).
 */

/** How long `afterAll` waits for a setup still running before it stops what is there. */
export const SETUP_SETTLE_MS = 90_000;

/** Resolves true when `setup` has settled (either way), false when `boundMs` passed first. */
export async function setupSettled(setup: Promise<unknown> | undefined, boundMs = SETUP_SETTLE_MS): Promise<boolean> {
  if (setup === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), boundMs);
  });
  const settled = await Promise.race([setup.then(() => true, () => true), bound]);
  clearTimeout(timer);
  return settled;
}

/**
 * For a setup that outlived `afterAll`'s wait: once it and `afterAll`'s own stop have both ended
 * (one after the other, never two stops at once), stops everything again, which stops what came
 * up late. No test is left to fail then, so a failure is written to stderr.
 */
export function stopWhenSettled(setup: Promise<unknown>, ownStop: Promise<unknown>, stopAll: () => Promise<void>): void {
  void Promise.allSettled([setup, ownStop]).then(() => stopAll()).catch((err: unknown) => {
    process.stderr.write(`kubejobs-cluster: a part started after afterAll could not be stopped: ${(err as Error)?.message ?? String(err)}\n`);
  });
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
