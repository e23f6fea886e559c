import { Command, InvalidArgumentError, Option } from 'commander';
import { ClusterFlags, connect, kubeconfigOption, namespaceOption } from './cluster';
import { CliIo } from './io';
import { ArenaStatus, collectionPath, jobFinished, JOB_KINDS, JobKind, JobObject, kindOf } from './kinds';
import { age, OUTPUT_FORMATS, OutputFormat, serialize, table } from './output';
import { parseBoolean, parseGoDurationMs } from './server-flags';
import { KubeClient } from '../controller/kube-client';

interface ReadFlags extends ClusterFlags { type?: string; output: OutputFormat }

function clusterOptions(cmd: Command): Command {
  return cmd.addOption(namespaceOption()).addOption(kubeconfigOption());
}

const typeOption = () => new Option('--type <type>', 'kind of job (default: every kind; a name found in several is ambiguous)').choices(JOB_KINDS.map((k) => k.type));

/** The job `name` of `--type`, or of whichever kind has one by that name. */
export async function findJob(
  client: KubeClient, namespace: string, name: string, type: string | undefined,
): Promise<{ kind: JobKind; job: JobObject }> {
  const kinds = type ? [kindOf(type)] : JOB_KINDS;
  const found: Array<{ kind: JobKind; job: JobObject }> = [];
  for (const kind of kinds) {
    // A kind whose CRD is not installed reads as 404: no job of that kind.
    const job = await client.get<JobObject>(`${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`);
    if (job) found.push({ kind, job });
  }
  if (found.length === 0) throw new Error(`no ${type ?? 'job'} named '${name}' in namespace '${namespace}': check the name with 'kubejobs list${type ? ` --type ${type}` : ''}' or pass --namespace`);
  if (found.length > 1) throw new Error(`'${name}' names a job of several kinds (${found.map((f) => f.kind.type).join(', ')}): pass --type`);
  return found[0]!;
}

async function listKind(client: KubeClient, kind: JobKind, namespace: string | undefined): Promise<JobObject[]> {
  try {
    return (await client.list<JobObject>(collectionPath(kind, namespace))).items;
  } catch (err) {
    // A kind whose CRD is not installed has no jobs.
    if ((err as { code?: number }).code === 404) return [];
    throw err;
  }
}

/** `kubejobs list`. */
export function listCommand(io: CliIo): Command {
  return clusterOptions(new Command('list').alias('ls').description('List jobs: name, type, status (as Arena shows it), replicas or progress, GPUs, age.'))
    .addOption(typeOption())
    .option('-A, --all-namespaces', 'list the jobs of every namespace')
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExample:\n  kubejobs list --type genericjob --all-namespaces')
    .action(async (flags: ReadFlags & { allNamespaces?: boolean }) => {
      const session = connect(flags);
      const namespace = flags.allNamespaces ? undefined : session.namespace;
      const rows: Array<{ kind: JobKind; job: JobObject }> = [];
      for (const kind of flags.type ? [kindOf(flags.type)] : JOB_KINDS) {
        for (const job of await listKind(session.client, kind, namespace)) rows.push({ kind, job });
      }
      if (flags.output === 'json' || flags.output === 'yaml') {
        io.out(serialize({ apiVersion: 'v1', kind: 'List', items: rows.map((r) => r.job) }, flags.output));
        return;
      }
      if (rows.length === 0) {
        io.err(`No jobs found${namespace ? ` in namespace ${namespace}` : ''}.\n`);
        return;
      }
      const header = [...(namespace ? [] : ['NAMESPACE']), 'NAME', 'TYPE', 'STATUS', 'REPLICAS', 'GPUS', 'AGE'];
      io.out(table(header, rows.map(({ kind, job }) => [
        ...(namespace ? [] : [job.metadata.namespace ?? '']),
        job.metadata.name, kind.type, kind.status(job), kind.progress(job), String(kind.gpus(job)), age(job.metadata.creationTimestamp),
      ]), io.colour ? ['STATUS'] : []));
    });
}

interface PodObject {
  metadata: { name: string; creationTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}
interface EventObject {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  metadata: { creationTimestamp?: string };
  involvedObject?: { uid?: string };
}

/** `kubejobs get`. */
export function getCommand(io: CliIo): Command {
  return clusterOptions(new Command('get').description('Show one job: status, replicas or progress, GPUs and age; its pods and their nodes; its Events, as kubectl describe shows them.'))
    .argument('<name>', 'the job')
    .addOption(typeOption())
    .addOption(new Option('-o, --output <format>', 'output format (wide adds pod IPs)').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExample:\n  kubejobs get mnist --type genericjob\n  kubejobs get mnist -o yaml')
    .action(async (name: string, flags: ReadFlags) => {
      const session = connect(flags);
      const { kind, job } = await findJob(session.client, session.namespace, name, flags.type);
      if (flags.output === 'json' || flags.output === 'yaml') {
        io.out(serialize(job, flags.output));
        return;
      }
      const wide = flags.output === 'wide';
      let text = table(['NAME', 'TYPE', 'STATUS', 'REPLICAS', 'GPUS', 'AGE'],
        [[job.metadata.name, kind.type, kind.status(job), kind.progress(job), String(kind.gpus(job)), age(job.metadata.creationTimestamp)]], io.colour ? ['STATUS'] : []);
      const pods = (await session.client.list<PodObject>(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: kind.podSelector(name) })).items;
      text += '\nPods:\n';
      text += pods.length === 0 ? '  <none>\n' : indent(table(['NAME', 'STATUS', 'NODE', 'AGE', ...(wide ? ['IP'] : [])],
        pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map((p) => [
          p.metadata.name, p.status?.phase ?? 'Unknown', p.spec?.nodeName ?? '<none>', age(p.metadata.creationTimestamp), ...(wide ? [p.status?.podIP ?? '<none>'] : []),
        ]), io.colour ? ['STATUS'] : []));
      const events = (await session.client.list<EventObject>(`/api/v1/namespaces/${session.namespace}/events`, {
        fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind.definition.kind}`,
      })).items.filter((e) => !job.metadata.uid || !e.involvedObject?.uid || e.involvedObject.uid === job.metadata.uid);
      const when = (e: EventObject) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
      text += '\nEvents:\n';
      text += events.length === 0 ? '  <none>\n' : indent(table(['TYPE', 'REASON', 'AGE', 'MESSAGE'],
        events.sort((a, b) => Date.parse(when(a) ?? '') - Date.parse(when(b) ?? '')).map((e) => [e.type ?? '', e.reason ?? '', age(when(e)), e.message ?? '']), io.colour ? ['TYPE'] : []));
      io.out(text);
    });
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l === '' ? l : `  ${l}`)).join('\n');
}

const WAIT_TARGETS: Record<string, ArenaStatus[]> = { complete: ['SUCCEEDED'], failed: ['FAILED'], running: ['RUNNING'] };

/** Polls `until` every `intervalMs` until it returns a value or `timeoutMs` passes. */
async function poll<T>(timeoutMs: number, until: () => Promise<T | undefined>, intervalMs = 500): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await until();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function parseTimeout(value: string): number {
  try {
    return parseGoDurationMs(value);
  } catch {
    throw new InvalidArgumentError('Expected a Go duration such as 30s, 10m or 1h.');
  }
}

/**
 * `kubejobs wait`: exit 0 once the job reaches the state; 1 when it reaches a final state that
 * is not the one waited for (it can no longer get there) or the timeout passes.
 */
export function waitCommand(io: CliIo): Command {
  return clusterOptions(new Command('wait').description('Wait until a job is complete, failed or running.'))
    .argument('<name>', 'the job')
    .addOption(typeOption())
    .addOption(new Option('--for <state>', 'the state to wait for').choices(Object.keys(WAIT_TARGETS)).makeOptionMandatory())
    .option('--timeout <duration>', 'give up after this long', parseTimeout, 600_000)
    .addHelpText('after', '\nExample:\n  kubejobs wait mnist --for complete --timeout 30m')
    .action(async (name: string, flags: ClusterFlags & { type?: string; for: string; timeout: number }) => {
      const session = connect(flags);
      const { kind } = await findJob(session.client, session.namespace, name, flags.type);
      const path = `${collectionPath(kind, session.namespace)}/${encodeURIComponent(name)}`;
      const wanted = WAIT_TARGETS[flags.for]!;
      const tty = io.progress === true;
      let status: ArenaStatus | undefined;
      try {
        status = await poll(flags.timeout, async () => {
          const job = await session.client.get<JobObject>(path);
          if (!job) throw new Error(`${kind.type} '${name}' was deleted while waiting for it to be ${flags.for}`);
          const s = kind.status(job);
          // \x1b[K clears what a longer line before left.
          if (tty) io.err(`\r${name}: ${s} ${kind.progress(job)}\x1b[K`);
          return wanted.includes(s) || jobFinished(job) ? s : undefined;
        });
      } finally {
        if (tty) io.err('\n');
      }
      if (status === undefined) throw new Error(`timed out after ${flags.timeout / 1000}s waiting for ${kind.type} '${name}' to be ${flags.for}: raise --timeout or check 'kubejobs get ${name}'`);
      if (!wanted.includes(status)) throw new Error(`${kind.type} '${name}' is ${status}, so it will never be ${flags.for}`);
      io.out(`${kind.type}/${name} ${flags.for}\n`);
    });
}

/** `kubejobs delete`: deletes the job and, unless `--wait=false`, waits until it and its pods are gone. */
export function deleteCommand(io: CliIo): Command {
  return clusterOptions(new Command('delete').description('Delete a job; waits until it and its pods are gone unless --wait=false.'))
    .argument('<name>', 'the job')
    .addOption(typeOption())
    .option('--wait <bool>', 'wait for the job and its pods to be gone', parseBoolean, true)
    .option('--timeout <duration>', 'how long to wait', parseTimeout, 300_000)
    .addHelpText('after', '\nExample:\n  kubejobs delete mnist --type genericjob')
    .action(async (name: string, flags: ClusterFlags & { type?: string; wait: boolean; timeout: number }) => {
      const session = connect(flags);
      const { kind, job } = await findJob(session.client, session.namespace, name, flags.type);
      const path = `${collectionPath(kind, session.namespace)}/${encodeURIComponent(name)}`;
      await session.client.delete(path, { uid: job.metadata.uid, propagationPolicy: 'Background' });
      if (flags.wait) {
        const selector = kind.podSelector(name);
        const gone = await poll(flags.timeout, async () => {
          const current = await session.client.get<JobObject>(path);
          if (current && current.metadata.uid === job.metadata.uid) return undefined;
          const pods = await session.client.list(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: selector });
          return pods.items.length === 0 ? true : undefined;
        });
        if (!gone) throw new Error(`${kind.type} '${name}' or its pods are still there after ${flags.timeout / 1000}s: check 'kubejobs get ${name}' (a finalizer, or no garbage collector running)`);
      }
      io.out(`${kind.type}/${name} deleted\n`);
    });
}
