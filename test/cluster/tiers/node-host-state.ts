import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * What the node tier changes on the host outside its own directory, recorded before it starts and
 * put back at stop. The record is also written to {@link NODE_HOST_RECORD}, so a node tier whose
 * jest was killed (SIGKILL: no afterAll) is cleaned up by the next node tier on the machine
 * before it starts ({@link recoverKilledNodeTier}).
 */
export interface NodeHostRecord {
  /** The tier's directory (containerd's root and state, the kubelet's, the netns mounts, the CNI cache). */
  readonly dir: string;
  /** {@link RECORDED_SYSCTLS} before the kubelet started. */
  readonly sysctls: Readonly<Record<string, string>>;
  /** {@link FIXED_HOST_PATHS} that existed before. */
  readonly preexistingPaths: readonly string[];
  /** `kubepods` cgroup directories that existed before. */
  readonly cgroups: readonly string[];
  /** `iptables -t <table> -S` and `ip6tables -t <table> -S` before, keyed `<command>/<table>`. */
  readonly iptables: Readonly<Record<string, readonly string[]>>;
  /** {@link CONNTRACK_SYSCTLS} before (for tests: nothing restores them, as nothing should change them). */
  readonly conntrack?: Readonly<Record<string, string>>;
}

/**
 * Where the node tier keeps its lock and its record: root's own directory under /run (mode 0700),
 * not the shared temporary directory, where anyone could plant a symlink or a record that a root
 * process would then act on.
 */
export const NODE_TIER_STATE_DIR = '/run/kubejobs-node-tier';
/** Where the record of the running node tier is kept (one node tier per machine: see the lock in node-tier.ts). */
export const NODE_HOST_RECORD = path.join(NODE_TIER_STATE_DIR, 'host-record.json');
/** The lock one node tier per machine holds. */
export const NODE_LOCK_FILE = path.join(NODE_TIER_STATE_DIR, 'lock');
/** Every node tier's directory is `<tmpdir>/kj-node-XXXXXX` (mkdtemp): a record naming anything else is refused. */
export const NODE_DIR_PREFIX = path.join(os.tmpdir(), 'kj-node-');

/**
 * The kernel settings the node changes, with the value it sets: the kubelet's (pkg/kubelet/cm
 * `setupKernelTunables`: `vm.overcommit_memory=1`, `vm.panic_on_oom=0`, `kernel.panic=10`,
 * `kernel.panic_on_oops=1` and the root keyring quotas; its only other choice,
 * `protectKernelDefaults: true`, refuses to start unless they already hold those values, and a
 * test must not make this machine panic on an oops) and the CNI bridge plugin's (`isGateway`
 * turns on IPv4 forwarding). stop() puts back a recorded value where the setting still holds the
 * node's value (one changed since by someone else is left alone).
 */
export const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
  'net/ipv4/ip_forward': '1',
  // kube-proxy's, for NodePorts on localhost: configured off (node-tier.ts), recorded in case.
  'net/ipv4/conf/all/route_localnet': '1',
};
/** The settings recorded and put back. */
export const RECORDED_SYSCTLS = Object.keys(NODE_SYSCTLS);

/**
 * Paths kubelet, containerd and its CNI write regardless of their flags (a kubelet's
 * /var/log/containers symlinks and device-plugin socket, the shims' sockets and runc state under
 * /run/containerd, libcni's result cache). Removed at stop when they did not exist at start;
 * libcni's results of our network are removed either way.
 */
export const FIXED_HOST_PATHS = ['/var/log/containers', '/var/log/pods', '/var/lib/kubelet', '/run/containerd', '/var/lib/cni', '/usr/libexec/kubernetes'];

/** The tables the stack writes: the kubelet's canary chains (both families), the CNI plugins' NAT chains, the tier's DNAT rules. */
const IPTABLES = ['iptables', 'ip6tables'] as const;
const IPTABLES_TABLES = ['nat', 'filter', 'mangle'] as const;

/**
 * What the node's stack adds to iptables: kubelet's and kube-proxy's `KUBE-*` chains, the CNI
 * plugins' `CNI-*` chains and rules (commented with the network's name), and the tier's own rules
 * (on the bridge, to the API server's `kubernetes` address, DNATs to 127.0.0.1). A new rule that
 * matches none of these is someone else's and is left alone.
 */
const OUR_RULE = /KUBE-|CNI-|kjbr0|10\.244\.0\.|10\.0\.0\.1\/32|--to-destination 127\.0\.0\.1:/;

/** Creates {@link NODE_TIER_STATE_DIR} (root only), or checks that it is root's own real directory. */
export function ensureStateDir(): void {
  fs.mkdirSync(NODE_TIER_STATE_DIR, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(NODE_TIER_STATE_DIR);
  // The permission bits, as an octal string: group and others must have none.
  const mode = (stat.mode % 0o1000).toString(8).padStart(3, '0');
  if (!stat.isDirectory() || stat.uid !== 0 || !mode.endsWith('00')) {
    throw new Error(`${NODE_TIER_STATE_DIR} must be a directory owned by root with mode 0700 (it holds the node tier's lock and host record); found uid ${stat.uid}, mode ${mode}${stat.isSymbolicLink() ? ', a symlink' : ''}`);
  }
}

/** The kernel settings, as `/proc/sys` prints them. */
export function readSysctls(): Record<string, string> {
  return Object.fromEntries(RECORDED_SYSCTLS.map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf-8').trim()]));
}

/**
 * kube-proxy's conntrack settings: it is configured to leave them as they are (node-tier.ts), and
 * the tests check that it did (there is no single value of its to restore from).
 */
export const CONNTRACK_SYSCTLS = [
  'net/netfilter/nf_conntrack_max',
  'net/netfilter/nf_conntrack_tcp_timeout_established',
  'net/netfilter/nf_conntrack_tcp_timeout_close_wait',
  'net/netfilter/nf_conntrack_tcp_be_liberal',
  'net/netfilter/nf_conntrack_udp_timeout',
  'net/netfilter/nf_conntrack_udp_timeout_stream',
] as const;

/** {@link CONNTRACK_SYSCTLS} this kernel has (they appear once nf_conntrack is loaded). */
export function readConntrackSysctls(): Record<string, string> {
  return Object.fromEntries(CONNTRACK_SYSCTLS.filter((k) => fs.existsSync(`/proc/sys/${k}`))
    .map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf-8').trim()]));
}

/**
 * The host as stop() left it, read right after putting it back and before the node tier lock is
 * released: a test's afterAll compares it with {@link NodeHostRecord} without racing the next node
 * tier on the machine (which may start, and change the host, as soon as the lock is free).
 */
export interface NodeHostAfterStop {
  readonly sysctls: Readonly<Record<string, string>>;
  /** The stack's rules and chains still in iptables or ip6tables (`<command>/<table>: <line>`). */
  readonly leftRules: readonly string[];
  readonly cgroups: readonly string[];
  readonly recordFileExists: boolean;
  readonly dirExists: boolean;
  readonly bridgeExists: boolean;
  /** Mount points still under the tier's directory. */
  readonly mountsUnderDir: readonly string[];
}

/** Reads {@link NodeHostAfterStop} for the tier that recorded `record`. */
export function readHostAfterStop(record: NodeHostRecord, bridge: string): NodeHostAfterStop {
  return {
    sysctls: readSysctls(),
    leftRules: stackRulesLeft(record.iptables),
    cgroups: kubeletCgroups(),
    recordFileExists: fs.existsSync(NODE_HOST_RECORD),
    dirExists: fs.existsSync(record.dir),
    bridgeExists: fs.existsSync(`/sys/class/net/${bridge}`),
    mountsUnderDir: fs.readFileSync('/proc/self/mounts', 'utf-8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${record.dir}/`)),
  };
}

/** Records the host as it is now, in memory and in {@link NODE_HOST_RECORD}. */
export function recordHost(dir: string): NodeHostRecord {
  const record: NodeHostRecord = {
    dir,
    sysctls: readSysctls(),
    preexistingPaths: FIXED_HOST_PATHS.filter((p) => fs.existsSync(p)),
    cgroups: kubeletCgroups(),
    iptables: iptablesState(),
    conntrack: readConntrackSysctls(),
  };
  ensureStateDir();
  fs.writeFileSync(NODE_HOST_RECORD, JSON.stringify(record, null, 2), { mode: 0o600 });
  return record;
}

/**
 * Puts the host back as `record` found it: the pods' processes killed through their cgroups and
 * every process still running from the tier's directory (containerd shims re-parent to PID 1)
 * killed by PID, then the kernel settings restored (first: a machine set to panic on an oops must
 * not stay so because a later step failed), mounts under the directory unmounted, the bridge, the
 * directory and the fixed host paths the stack created removed, the stack's new iptables rules and
 * chains and `kubepods` cgroups removed. Each step runs even when one before failed; the failures
 * are thrown together at the end. Then the record file goes.
 */
export async function restoreHost(record: NodeHostRecord, bridge: string, cniNetwork: string): Promise<void> {
  const errors: string[] = [];
  const step = async (what: string, action: () => unknown): Promise<void> => {
    try {
      await action();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step('kill the pods\' processes', () => killCgroupProcesses(record.cgroups));
  await step(`kill the processes under ${record.dir}`, () => killProcessesUnder(record.dir));
  await step('restore the kernel settings', () => restoreSysctls(record.sysctls));
  await step(`unmount under ${record.dir}`, () => unmountUnder(record.dir));
  await step(`delete ${bridge}`, () => {
    if (fs.existsSync(`/sys/class/net/${bridge}`)) execFileSync('ip', ['link', 'del', bridge], { stdio: 'pipe' });
  });
  await step(`remove ${record.dir}`, () => fs.rmSync(record.dir, { recursive: true, force: true }));
  for (const p of FIXED_HOST_PATHS) {
    if (!record.preexistingPaths.includes(p)) await step(`remove ${p}`, () => fs.rmSync(p, { recursive: true, force: true }));
  }
  await step('remove the CNI results', () => {
    const results = '/var/lib/cni/results';
    if (!fs.existsSync(results)) return;
    for (const f of fs.readdirSync(results)) if (f.startsWith(`${cniNetwork}-`)) fs.rmSync(path.join(results, f), { force: true });
  });
  await step('remove the new iptables rules', () => removeNewIptables(record.iptables));
  await step('remove the kubepods cgroups', async () => {
    // A cgroup goes once its last process has exited: the pods' were killed just now.
    const until = Date.now() + 10_000;
    for (;;) {
      removeNewCgroups(record.cgroups);
      const left = kubeletCgroups().filter((d) => !record.cgroups.includes(d));
      if (left.length === 0) return;
      if (Date.now() > until) throw new Error(`still there after 10 s: ${left.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  // Kept when a step failed: the next node tier tries again before it starts.
  if (errors.length > 0) throw new Error(`the host was not fully put back (${NODE_HOST_RECORD} kept for the next node tier):\n${errors.join('\n')}`);
  fs.rmSync(NODE_HOST_RECORD, { force: true });
}

/**
 * When a node tier's jest was killed, its record is still there: the host is put back as that
 * tier found it. Call with the node tier lock held (so no other node tier runs). A record that is
 * not one a node tier writes is refused and removed, never acted on.
 */
export async function recoverKilledNodeTier(bridge: string, cniNetwork: string): Promise<boolean> {
  ensureStateDir();
  if (!fs.existsSync(NODE_HOST_RECORD)) return false;
  let record: NodeHostRecord;
  try {
    record = checkedRecord(JSON.parse(fs.readFileSync(NODE_HOST_RECORD, 'utf-8')));
  } catch (err) {
    // Set aside, not acted on; kept for whoever wants to know where it came from.
    fs.renameSync(NODE_HOST_RECORD, `${NODE_HOST_RECORD}.rejected`);
    process.stderr.write(`kubejobs-cluster: node tier: ignored ${NODE_HOST_RECORD} (moved to .rejected): ${(err as Error).message}\n`);
    return false;
  }
  await restoreHost(record, bridge, cniNetwork);
  return true;
}

/** `value` as a {@link NodeHostRecord}, or an error naming what is not as a node tier writes it. */
export function checkedRecord(value: unknown): NodeHostRecord {
  const r = value as Partial<NodeHostRecord> | null;
  if (!r || typeof r !== 'object') throw new Error('not an object');
  if (typeof r.dir !== 'string' || !r.dir.startsWith(NODE_DIR_PREFIX) || !/^[A-Za-z0-9]{6}$/.test(r.dir.slice(NODE_DIR_PREFIX.length))) {
    throw new Error(`dir ${JSON.stringify(r.dir)} is not a node tier directory (${NODE_DIR_PREFIX}XXXXXX)`);
  }
  const sysctls = r.sysctls as Record<string, unknown> | undefined;
  if (!sysctls || typeof sysctls !== 'object') throw new Error('no sysctls');
  for (const [k, v] of Object.entries(sysctls)) {
    if (!RECORDED_SYSCTLS.includes(k)) throw new Error(`sysctl ${JSON.stringify(k)} is not one the node tier records`);
    if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new Error(`sysctl ${k} = ${JSON.stringify(v)} is not an integer`);
  }
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (!strings(r.preexistingPaths) || !(r.preexistingPaths as string[]).every((p) => FIXED_HOST_PATHS.includes(p))) throw new Error('bad preexistingPaths');
  if (!strings(r.cgroups) || !(r.cgroups as string[]).every((c) => /^\/sys\/fs\/cgroup\/[^/]+\/kubepods$/.test(c))) throw new Error('bad cgroups');
  const tables = r.iptables as Record<string, unknown> | undefined;
  for (const command of IPTABLES) {
    for (const table of IPTABLES_TABLES) {
      const lines = tables?.[`${command}/${table}`];
      // A table always lists its built-in chains' policies (`-P ...`): an empty one was not read.
      if (!strings(lines) || !(lines as string[]).some((l) => l.startsWith('-P '))) throw new Error(`${command} ${table} rules missing`);
    }
  }
  return r as NodeHostRecord;
}

/** Puts back each recorded setting that still holds the node's value. */
function restoreSysctls(recorded: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(recorded)) {
    const now = fs.readFileSync(`/proc/sys/${key}`, 'utf-8').trim();
    if (now !== value && now === NODE_SYSCTLS[key]) fs.writeFileSync(`/proc/sys/${key}`, value);
  }
}

/**
 * SIGKILLs every process in the `kubepods` cgroups that were not there before (the pods'
 * containers: killing a containerd shim does not stop its container, whose first process moves to
 * PID 1 and whose command line does not name the tier's directory), then waits until they are empty.
 */
async function killCgroupProcesses(before: readonly string[]): Promise<void> {
  const procs = (): number[] => kubeletCgroups().filter((d) => !before.includes(d)).flatMap((d) => pidsUnder(d));
  const until = Date.now() + 10_000;
  for (let pids = procs(); pids.length > 0; pids = procs()) {
    if (Date.now() > until) throw new Error(`processes left in the pods' cgroups after 10 s: ${pids.join(' ')}`);
    for (const pid of pids) killPid(pid);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The PIDs in `dir` and every cgroup below it (cgroup v1: `cgroup.procs` in each). */
function pidsUnder(dir: string): number[] {
  const pids: number[] = [];
  const visit = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
      pids.push(...fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf-8').split('\n').filter(Boolean).map(Number));
    } catch {
      return; // removed meanwhile
    }
    for (const e of entries) if (e.isDirectory()) visit(path.join(d, e.name));
  };
  visit(dir);
  return [...new Set(pids)];
}

/**
 * SIGKILLs every process whose executable or arguments lie under `dir/` (containerd, its shims,
 * the kubelet started from the tier's directory), found by PID through /proc, and waits until
 * they are gone. The lock's processes live elsewhere, so they are not among them.
 */
async function killProcessesUnder(dir: string): Promise<void> {
  const under = (): number[] => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf-8').split('\0').some((arg) => arg.startsWith(`${dir}/`) || arg.includes(`=${dir}/`));
    } catch {
      return false;
    }
  });
  const until = Date.now() + 10_000;
  for (let pids = under(); pids.length > 0; pids = under()) {
    if (Date.now() > until) throw new Error(`processes still running after 10 s: ${pids.join(' ')}`);
    for (const pid of pids) killPid(pid);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** Lazily unmounts everything mounted under `dir` (overlay rootfs, shm, netns), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf-8').split('\n').map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`)).reverse();
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** The cgroup directories the kubelet makes for pods (`kubepods` in every hierarchy). */
function kubeletCgroups(): string[] {
  if (!fs.existsSync('/sys/fs/cgroup')) return [];
  return fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, 'kubepods')).filter((d) => fs.existsSync(d));
}

/** Removes the `kubepods` cgroups that were not there before (children first; a cgroup is removed with rmdir). */
function removeNewCgroups(before: readonly string[]): void {
  const rmdirTree = (d: string): void => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return; // already gone
    }
    for (const entry of entries) if (entry.isDirectory()) rmdirTree(path.join(d, entry.name));
    try {
      fs.rmdirSync(d);
    } catch {
      // still in use: retried by the caller until its deadline
    }
  };
  for (const d of kubeletCgroups()) if (!before.includes(d)) rmdirTree(d);
}

/** `iptables -S` and `ip6tables -S` of each table (`-w`: waits for the xtables lock instead of failing). */
export function iptablesState(): Record<string, string[]> {
  return Object.fromEntries(IPTABLES.flatMap((command) => IPTABLES_TABLES.map((t) =>
    [`${command}/${t}`, execFileSync(command, ['-w', '-t', t, '-S'], { encoding: 'utf-8' }).trim().split('\n')])));
}

/**
 * The rules and chains of `after` that `before` did not have and that the node's stack makes
 * ({@link OUR_RULE}), as `-A`/`-N` lines: compared as multisets, so a second copy of a rule that
 * was already there counts as new.
 */
export function newRules(before: readonly string[], after: readonly string[]): { rules: string[]; chains: string[] } {
  const left = new Map<string, number>();
  for (const l of before) left.set(l, (left.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of after) {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    else added.push(l);
  }
  const ours = added.filter((l) => OUR_RULE.test(l));
  return { rules: ours.filter((l) => l.startsWith('-A ')), chains: ours.filter((l) => l.startsWith('-N ')) };
}

/** Deletes the stack's rules, then its chains, that were not there before; throws if any is left. */
function removeNewIptables(before: Readonly<Record<string, readonly string[]>>): void {
  const failures: string[] = [];
  const run = (command: string, args: string[]) => {
    try {
      execFileSync(command, ['-w', ...args], { stdio: 'pipe' });
    } catch (err) {
      failures.push(`${command} ${args.join(' ')}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`);
    }
  };
  for (const [key, lines] of Object.entries(iptablesState())) {
    const [command, table] = key.split('/') as [string, string];
    const { rules, chains } = newRules(before[key] ?? [], lines);
    for (const rule of rules) run(command, ['-t', table, ...splitRule(rule.replace(/^-A /, '-D '))]);
    for (const chain of chains) run(command, ['-t', table, '-F', chain.slice(3)]);
    for (const chain of chains) run(command, ['-t', table, '-X', chain.slice(3)]);
  }
  const left = stackRulesLeft(before);
  if (left.length > 0) throw new Error(`left in iptables:\n${left.join('\n')}${failures.length ? `\n${failures.join('\n')}` : ''}`);
}

/** The stack's rules and chains in iptables and ip6tables now that `before` did not have (`<command>/<table>: <line>`). */
function stackRulesLeft(before: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(iptablesState()).flatMap(([key, lines]) => {
    const { rules, chains } = newRules(before[key] ?? [], lines);
    return [...rules, ...chains].map((l) => `${key}: ${l}`);
  });
}

/** An `iptables -S` line as arguments (quoted comments kept whole). */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}
