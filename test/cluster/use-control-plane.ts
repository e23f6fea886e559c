import { ControlPlane, ensureBinaries, startControlPlane, StartOptions } from './control-plane';
import { FAILED_FLAG } from './failure-flag';
import { SETUP_SETTLE_MS, setupSettled, stopWhenSettled } from './setup-settled';

/**
 * Time allowed for `beforeAll`: a cold build of the binaries (about 4-5 min
 * on 2 cores with an empty Go cache, more when modules must be downloaded)
 * plus the start itself. A warm run needs a few seconds of it.
 */
export const CONTROL_PLANE_SETUP_TIMEOUT_MS = 30 * 60_000;

/**
 * Registers `beforeAll`/`afterAll` hooks that start one control plane for the
 * calling test file and stop it afterwards, and returns an accessor for it.
 *
 * A start failure fails every test of the file (it is never skipped). When a
 * test failed (see environment.ts), the tail of the component logs is
 * printed and the logs directory is kept.
 *
 * @example
 *   const plane = useControlPlane();
 *   test('x', async () => { const kc = plane().kubeConfig; ... });
 */
export function useControlPlane(options: StartOptions = {}): () => ControlPlane {
  let plane: ControlPlane | undefined;
  let setup: Promise<void> | undefined;
  beforeAll(() => setup = (async () => {
    const binDir = options.binDir ?? await ensureBinaries();
    plane = await startControlPlane({ ...options, binDir });
  })(), CONTROL_PLANE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    // A start still going (beforeAll timed out) would bring the plane up after this hook.
    const settled = await setupSettled(setup);
    const running = plane;
    const failed = (globalThis as Record<string, unknown>)[FAILED_FLAG] === true;
    if (failed && running !== undefined) {
      process.stderr.write(`\n--- control plane logs (a test failed; kept in ${running.logsDir}) ---\n` +
        `${running.dumpLogs(80)}\n`);
    }
    const ownStop = running === undefined ? Promise.resolve() : running.stop(failed ? { keepLogs: true } : {});
    if (!settled) stopWhenSettled(setup!, ownStop, async () => plane?.stop({ keepLogs: true }));
    await ownStop;
  }, 60_000 + SETUP_SETTLE_MS);
  return () => {
    if (plane === undefined) {
      throw new Error('the control plane is not running (did beforeAll fail?)');
    }
    return plane;
  };
}
