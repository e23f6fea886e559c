import * as fs from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';
import { FAILED_FLAG } from './failure-flag';
import { FILE_TEMP_DIRS } from './file-temp-dirs';

/** The parts of jest-circus's events and state read here. */
interface CircusEvent {
  readonly name: string;
  readonly test?: { readonly errors: readonly unknown[] };
}
interface CircusState {
  readonly unhandledErrors: readonly unknown[];
}

/**
 * Jest's node environment plus failure tracking, so `useControlPlane()` can
 * print the control-plane logs (and keep them on disk) only when a test of
 * the file failed. Jest offers hooks no other way to learn that. At the end
 * of the file it removes the helpers' temporary directories (see
 * file-temp-dirs.ts), or names them when a test failed.
 *
 * Select it per file with the docblock `@jest-environment ./test/cluster/environment.ts`.
 */
export default class ClusterTestEnvironment extends TestEnvironment {
  /**
   * Called by jest-circus for every test event, after its own handler (so `test_done` already
   * carries the errors it adds late, such as `expect.assertions`).
   */
  public handleTestEvent(event: CircusEvent, state: CircusState): void {
    const failed = event.name === 'test_fn_failure'
      || event.name === 'hook_failure'
      || event.name === 'error' // an uncaught exception or unhandled rejection
      || (event.name === 'test_done' && (event.test?.errors.length ?? 0) > 0)
      || (event.name === 'run_finish' && state.unhandledErrors.length > 0);
    if (failed) {
      this.global[FAILED_FLAG] = true;
    }
  }

  public async teardown(): Promise<void> {
    try {
      const dirs = (this.global[FILE_TEMP_DIRS] ?? []) as string[];
      if (this.global[FAILED_FLAG] === true) {
        if (dirs.length > 0) process.stderr.write(`\n--- a test failed: the helpers' files (logs, kubeconfigs) are kept in ${dirs.join(' ')} ---\n`);
      } else {
        for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      }
    } catch (err) {
      process.stderr.write(`\n--- could not remove the helpers' temporary directories: ${err instanceof Error ? err.message : String(err)} ---\n`);
    } finally {
      await super.teardown();
    }
  }
}
