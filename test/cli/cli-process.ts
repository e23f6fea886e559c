import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from '../cluster/kube-helpers';
import { productionBundle } from '../controller/production-bundle';

/** What one `kubejobs` run printed and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The command line and environment of `kubejobs` as a user runs it: the production bundle's
 * `lib/cli.js` with `kubeconfigPath`. The bundle (the container image) has no peer dependencies;
 * a user's `npm install kubejobs` has them, which NODE_PATH gives here (the checkout's
 * node_modules, looked up only after the bundle's own).
 */
function command(kubeconfigPath: string, args: readonly string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  return {
    argv: [path.join(productionBundle(), 'lib', 'cli.js'), ...args],
    env: {
      ...process.env,
      KUBECONFIG: kubeconfigPath,
      NODE_OPTIONS: '--no-warnings',
      NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'),
    },
  };
}

/** Runs `kubejobs <args>` to its end (bounded at 150 s). */
export function runKubejobs(kubeconfigPath: string, ...args: string[]): Promise<CliRun> {
  const { argv, env } = command(kubeconfigPath, args);
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { env, timeout: 150_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

const started = new Set<ChildProcess>();

/** Kills (by PID) every {@link RunningKubejobs} still running: for `afterEach`, so a failed test leaves none. */
export function killRunningKubejobs(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** A `kubejobs` process still running (e.g. `logs -f`), whose output is read as it comes. */
export class RunningKubejobs {
  public stdout = '';
  public stderr = '';
  /** Settles when the process has exited. */
  public readonly exited: Promise<CliRun>;
  private readonly child: ChildProcess;

  constructor(kubeconfigPath: string, args: readonly string[]) {
    const { argv, env } = command(kubeconfigPath, args);
    this.child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    started.add(this.child);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => {
      started.delete(this.child);
      resolve({ code, stdout: this.stdout, stderr: this.stderr });
    }));
  }

  /** Waits until what it printed satisfies `test`; the timeout message shows the output so far. */
  public async waitForOutput(what: string, test: (out: { stdout: string; stderr: string }) => boolean, timeoutMs = 90_000): Promise<void> {
    try {
      await waitFor(what, async () => test(this) || (this.child.exitCode !== null || this.child.signalCode !== null ? Promise.reject(new Error('the process exited')) : false),
        { timeoutMs, intervalMs: 100 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstdout: ${JSON.stringify(this.stdout)}\nstderr: ${JSON.stringify(this.stderr)}`);
    }
  }

  /** Waits for the exit, killing the process (by its PID) if it has not exited within `timeoutMs`. */
  public async exit(timeoutMs = 60_000): Promise<CliRun> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
