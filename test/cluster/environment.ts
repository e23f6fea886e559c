import * as fs from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';
import { FAILED_FLAG } from './failure-flag';
import { FILE_TEMP_DIRS } from './file-temp-dirs';

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
  /** Called by jest-circus for every test event. */
  public handleTestEvent(event: { name: string }): void {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      this.global[FAILED_FLAG] = true;
    }
  }

  public async teardown(): Promise<void> {
    const dirs = (this.global[FILE_TEMP_DIRS] ?? []) as string[];
    if (this.global[FAILED_FLAG] === true) {
      if (dirs.length > 0) process.stderr.write(`\n--- a test failed: the helpers' logs are kept in ${dirs.join(' ')} ---\n`);
    } else {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
    await super.teardown();
  }
}
