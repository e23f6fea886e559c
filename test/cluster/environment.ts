import { TestEnvironment } from 'jest-environment-node';
import { FAILED_FLAG } from './failure-flag';

/**
 * Jest's node environment plus failure tracking, so `useControlPlane()` can
 * print the control-plane logs (and keep them on disk) only when a test of
 * the file failed. Jest offers hooks no other way to learn that.
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
}
