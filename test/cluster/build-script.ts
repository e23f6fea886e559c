import { spawn } from 'node:child_process';

/** Options of {@link runBuildScript}. */
export interface BuildScriptOptions {
  /** The build is killed (its whole process group) after this long. */
  readonly timeoutMs: number;
  /** Aborting kills the build (its whole process group), e.g. when the caller's `beforeAll` gave up. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one of the harness's `build-*.sh` scripts, forwarding its progress (stderr) to this
 * process's stderr, and resolves with its stdout. The script runs in its own process group, killed
 * with every `go build` under it on timeout, on abort, or when this process exits, so no build
 * outlives the test that started it.
 */
export function runBuildScript(script: string, args: readonly string[], options: BuildScriptOptions): Promise<string> {
  const what = [script, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped: string | undefined;
    const killGroup = (why: string): void => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      stopped = why;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    const onExit = (): void => killGroup('this process exited');
    const onAbort = (): void => killGroup('aborted by the caller');
    const timer = setTimeout(() => killGroup(`it ran longer than ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
    process.once('exit', onExit);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      options.signal?.removeEventListener('abort', onAbort);
      if (code !== 0) {
        const why = stopped !== undefined ? `killed: ${stopped}` : `exit code ${code ?? `signal ${signal}`}`;
        reject(new Error(`${what} failed (${why}):\n${stderr.split('\n').slice(-40).join('\n')}`));
        return;
      }
      resolve(stdout);
    });
  });
}
