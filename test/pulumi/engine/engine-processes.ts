import { spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The Automation API runs `pulumi` as a child of the jest worker (in the worker's own process
// group, so no group kill is possible), and `pulumi` starts the provider plugin. When a test times
// out or fails mid-operation, those can outlive it; these find and stop them by PID.

/** The parent PID of every process visible in /proc. */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process exited while we listed.
    }
  }
  return parents;
}

function executableOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/**
 * The PIDs of the descendants of `ancestor` (default: this process) whose executable lies under
 * `root` (the engine's root: `bin/pulumi`, `bin/pulumi-resource-kubernetes`). Only processes this
 * process started, directly or through its children, are ever returned.
 */
export function engineProcesses(root: string, ancestor: number = process.pid): number[] {
  const parents = parentsByPid();
  const prefix = path.resolve(root) + path.sep;
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) {
      if (p === ancestor) return true;
    }
    return false;
  };
  return [...parents.keys()].filter((pid) => isDescendant(pid) && (executableOf(pid) ?? '').startsWith(prefix));
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return fs.existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * Stops the engine processes this process started ({@link engineProcesses}): SIGTERM, then
 * SIGKILL for those still alive after `graceMs`. The whole tree is listed before anything is
 * signalled (a plugin whose `pulumi` dies is re-parented and would no longer be found). Returns the
 * PIDs it signalled.
 */
export async function killEngineProcesses(root: string, graceMs = 5_000): Promise<number[]> {
  const pids = engineProcesses(root);
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  pids.forEach((pid) => signal(pid, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  pids.filter(isAlive).forEach((pid) => signal(pid, 'SIGKILL'));
  return pids;
}

/**
 * Kills the process group of a child started with `detached: true` (its own group): the child and
 * whatever it started (a driver's `pulumi` and its plugin), after the child exited or timed out.
 */
export function killProcessGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is empty: nothing left behind.
  }
}

/** What {@link runInOwnProcessGroup} saw. */
export interface GroupRun {
  /** Exit code; null when a signal ended it (e.g. the timeout's). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` in a process group of its own (a driver that runs `pulumi`, which runs the
 * provider plugin) and, when it exits or `timeoutMs` passes, kills that whole group, so nothing it
 * started outlives it: not on success, not on failure, not on timeout.
 */
export async function runInOwnProcessGroup(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs: number },
): Promise<GroupRun> {
  const { timeoutMs, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => killProcessGroup(child.pid), timeoutMs);
  try {
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve([code, sig]));
    });
    return { status, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
    killProcessGroup(child.pid);
  }
}
