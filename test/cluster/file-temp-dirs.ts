import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Name of the test-context global listing the directories made by {@link fileTempDir}; the cluster
 * test environment (environment.ts) removes them when the file ends.
 */
export const FILE_TEMP_DIRS = '__KUBEJOBS_FILE_TEMP_DIRS__';

/**
 * A new directory under the OS temp dir for files a test helper writes (a child process's log, a
 * kubeconfig with a token) that must outlive the helper's call but not the test file. The cluster test
 * environment removes it after the file's last hook, unless a test of the file failed: then it is
 * kept for its logs. Outside that environment (e.g. the benchmarks) it is left in place.
 */
export function fileTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const context = globalThis as Record<string, unknown>;
  const dirs = (context[FILE_TEMP_DIRS] ??= []) as string[];
  dirs.push(dir);
  return dir;
}
