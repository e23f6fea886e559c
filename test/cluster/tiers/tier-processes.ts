import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManagedProcess, startWatchdog } from '../processes';

/**
 * The processes a tier starts next to a control plane: each logs to `<logsDir>/<name>.log`, is
 * listed in a PID file a detached watchdog kills from if this jest worker dies, and is stopped by
 * PID (SIGTERM, then SIGKILL) in reverse start order.
 */
export class TierProcesses {
  private readonly processes: ManagedProcess[] = [];
  private readonly pidFile: string;
  private readonly watchdog: ChildProcess;

  public constructor(private readonly logsDir: string, stateDir: string) {
    this.pidFile = path.join(stateDir, 'tier-pids');
    this.watchdog = startWatchdog(this.pidFile, []);
  }

  /** Spawns `binary args...` as component `name`. */
  public launch(name: string, binary: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ManagedProcess {
    const proc = new ManagedProcess(name, binary, args, path.join(this.logsDir, `${name}.log`), env);
    this.processes.push(proc);
    if (proc.pid !== undefined) fs.appendFileSync(this.pidFile, `${proc.pid}\n`);
    return proc;
  }

  /** Every process started so far, in start order. */
  public get all(): readonly ManagedProcess[] {
    return this.processes;
  }

  /** Stops every process, last started first, then the watchdog. */
  public async stop(): Promise<void> {
    for (const proc of [...this.processes].reverse()) await proc.stop();
    if (this.watchdog.pid !== undefined) {
      try {
        process.kill(this.watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** The last `lines` lines of each process's log. */
  public dumpLogs(lines = 60): string {
    return this.processes.map((p) => {
      const text = fs.existsSync(p.logFile) ? fs.readFileSync(p.logFile, 'utf8') : '(no log)';
      const all = text.trimEnd().split('\n');
      return `===== ${p.name} (${p.logFile}) =====\n${all.slice(Math.max(0, all.length - lines)).join('\n')}`;
    }).join('\n');
  }
}
