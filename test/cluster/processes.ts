import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** How a managed process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Every child this module started and has not yet seen exit. A process 'exit'
 * handler SIGKILLs them by PID so a crashing jest worker leaks nothing; 'exit'
 * handlers must be synchronous, which `process.kill` is.
 */
const live = new Set<ChildProcess>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) {
    return;
  }
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

/**
 * A long-running server process (etcd, kube-apiserver, ...) whose stdout and
 * stderr go to a log file, stopped by PID only.
 */
export class ManagedProcess {
  /** Resolves when the process has exited, for whatever reason. */
  public readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;

  /**
   * Spawns `binary args...` with output appended to `logFile`.
   *
   * @param name short component name used in messages.
   */
  public constructor(
    public readonly name: string,
    binary: string,
    args: readonly string[],
    public readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    installExitHandler();
    const fd = fs.openSync(logFile, 'a');
    try {
      fs.writeSync(fd, `# ${binary} ${args.join(' ')}\n`);
      this.child = spawn(binary, [...args], { stdio: ['ignore', fd, fd], env });
    } finally {
      // The child holds its own copy of the descriptor.
      fs.closeSync(fd);
    }
    live.add(this.child);
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo): void => {
        if (this.exitInfo === undefined) {
          this.exitInfo = info;
          live.delete(this.child);
          resolve(info);
        }
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      // 'error' (e.g. ENOENT, EACCES) is emitted instead of 'exit' when spawn fails.
      this.child.once('error', (err) => {
        fs.appendFileSync(logFile, `# spawn failed: ${err.message}\n`);
        done({ code: -1, signal: null });
      });
    });
  }

  /** The operating-system process id (undefined if spawn failed). */
  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Exit status if the process has ended, otherwise undefined. */
  public get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /**
   * Sends SIGTERM, waits up to `graceMs`, then SIGKILLs and waits for the exit.
   * Safe to call more than once and on a process that already exited.
   */
  public async stop(graceMs = 5_000): Promise<ExitInfo> {
    if (this.exitInfo !== undefined || this.child.pid === undefined) {
      return this.exited;
    }
    this.signal('SIGTERM');
    const timedOut = Symbol('timeout');
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      this.exited,
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (first !== timedOut) {
      return first;
    }
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGKILL (a crash: no graceful shutdown) and waits for the exit. Safe on an exited process. */
  public async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || this.exitInfo !== undefined) {
      return;
    }
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // exited between the check and the kill
    }
  }
}

/**
 * Starts a detached `sh` watchdog that, once the current Node process is gone
 * (even by SIGKILL, when no 'exit' handler runs), SIGKILLs the PIDs listed in
 * `pidFile` and removes `dirs`. This keeps tmpfs data and servers from leaking
 * when jest kills a worker. Returns the watchdog, which must be stopped (by
 * PID) on a normal shutdown.
 */
export function startWatchdog(pidFile: string, dirs: readonly string[]): ChildProcess {
  const script = [
    'parent=$1; pidfile=$2; shift 2',
    'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
    'if [ -f "$pidfile" ]; then kill -9 $(cat "$pidfile") 2>/dev/null; fi',
    'rm -rf -- "$@"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, 'kubejobs-watchdog', String(process.pid), pidFile, ...dirs], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}
