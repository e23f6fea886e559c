import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ControlPlane, ensureBinaries } from '../control-plane';

const exec = promisify(execFile);

/** How long one kubectl call may take (rollouts wait with their own `--timeout`, shorter than this). */
const KUBECTL_TIMEOUT_MS = 300_000;

/**
 * `kubectl <args>` against `plane`, with the kubectl built next to its API server: resolves with
 * stdout, rejects with kubectl's stderr. Bounded, so a stuck call ends before the test's timeout.
 */
export function kubectlFor(plane: () => ControlPlane): (...args: string[]) => Promise<string> {
  return async (...args) => {
    const bin = path.join(await ensureBinaries(), 'kubectl');
    const { stdout } = await exec(bin, args, {
      env: { ...process.env, KUBECONFIG: plane().kubeconfigPath }, encoding: 'utf-8', timeout: KUBECTL_TIMEOUT_MS,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`kubectl ${args.join(' ')}: ${err.message}${err.stderr ? `\n${err.stderr}` : ''}`);
    });
    return stdout;
  };
}
