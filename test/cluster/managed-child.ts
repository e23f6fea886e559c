import * as fs from 'node:fs';
import { ManagedProcess } from './processes';

/**
 * What the tests' wrappers of a kubejobs child process (`kubejobs controller`, `kubejobs
 * job-scheduler`) share: its pid, its exit, stopping it gracefully or killing it, and its log.
 */
export abstract class ManagedChild {
  protected constructor(
    protected readonly process: ManagedProcess,
    /** Its log (JSON lines, plus anything else it prints). */
    public readonly logFile: string,
  ) {}

  /** The OS process id. */
  public get pid(): number {
    return this.process.pid as number;
  }

  /** Resolves with the exit status. */
  public get exited(): ManagedProcess['exited'] {
    return this.process.exited;
  }

  /** True once the process ended. */
  public get hasExited(): boolean {
    return this.process.exit !== undefined;
  }

  /** SIGTERM (graceful), then SIGKILL after `graceMs`; resolves with the exit status. */
  public stop(graceMs = 10_000): ReturnType<ManagedProcess['stop']> {
    return this.process.stop(graceMs);
  }

  /** SIGKILL (a crash: no cleanup) and waits for the exit. */
  public async kill(): Promise<void> {
    await this.process.kill();
  }

  /** The whole log. */
  public log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf-8') : '';
  }

  /** The last lines of the log, for failure messages. */
  public logTail(lines = 60): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }
}
