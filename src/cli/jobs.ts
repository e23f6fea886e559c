import { Command, Option } from 'commander';
import { ClusterFlags, connect, kubeconfigOption, namespaceOption } from './cluster';
import { EventObject, eventsTable } from './describe-events';
import { CliIo } from './io';
import { collectionPath, JOB_KINDS, JobKind, JobObject, kindOf, PodPhase, podSelector } from './kinds';
import { age, OUTPUT_FORMATS, OutputFormat, serialize, table } from './output';
import { parseBoolean, parseGoDurationMs } from './server-flags';
import { WAIT_STATES, WaitOutcome, waitOutcome, WaitState } from './wait-outcome';
import { PARENT_LABEL } from '../controller/arena-job/schedule-decide';
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClient, RequestOptions } from '../controller/kube-client';

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

/** The parts of a pod `get` shows. */
interface PodObject extends PodPhase {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

/**
 * The pods of every job of `kind` in `namespace` (every namespace when undefined), by
 * `<namespace>/<job>`: one list call whatever the number of jobs, for a kind whose progress
 * counts pods (an AppWrapper's status counts none).
 */
async function podsByJob(client: KubeClient, kind: JobKind, namespace: string | undefined): Promise<Map<string, PodObject[]>> {
  const label = kind.podLabel;
  const path = namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${namespace}/pods`;
  const byJob = new Map<string, PodObject[]>();
  for (const pod of (await client.list<PodObject>(path, { labelSelector: label })).items) {
    const key = `${pod.metadata.namespace}/${pod.metadata.labels?.[label]}`;
    byJob.set(key, [...(byJob.get(key) ?? []), pod]);
  }
  return byJob;
}

/** The table of one kind's jobs: name, type, status as Arena shows it, the kind's progress column, GPUs, age. */
interface JobTableOptions {
  readonly allNamespaces: boolean;
  readonly colour: boolean;
  /** The pods of each job (`<namespace>/<name>`), for a kind whose progress counts pods. */
  readonly pods?: Map<string, PodObject[]>;
}

function jobTable(kind: JobKind, jobs: readonly JobObject[], options: JobTableOptions): string {
  const header = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'TYPE', 'STATUS', kind.progressHeader, 'GPUS', 'AGE'];
  return table(header, jobs.map((job) => [
    ...(options.allNamespaces ? [job.metadata.namespace ?? ''] : []),
    job.metadata.name, kind.type, kind.status(job),
    kind.progress(job, options.pods?.get(`${job.metadata.namespace}/${job.metadata.name}`)),
    String(kind.gpus(job)), age(job.metadata.creationTimestamp),
  ]), options.colour ? ['STATUS'] : []);
}

/** `kubejobs list`. */
export function listCommand(io: CliIo): Command {
  return clusterOptions(new Command('list').alias('ls').description('List jobs, a table per kind: name, type, status (as Arena shows it), replicas, pods or progress, GPUs, age.'))
    .addOption(typeOption())
    .option('-A, --all-namespaces', 'list the jobs of every namespace')
    .addOption(new Option('-o, --output <format>', 'output format (wide is the table)').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText('after', '\nExample:\n  kubejobs list --type genericjob --all-namespaces')
    .action(async (flags: ReadFlags & { allNamespaces?: boolean }) => {
      const session = connect(flags);
      const namespace = flags.allNamespaces ? undefined : session.namespace;
      const found: Array<{ kind: JobKind; jobs: JobObject[] }> = [];
      for (const kind of flags.type ? [kindOf(flags.type)] : JOB_KINDS) {
        const jobs = await listKind(session.client, kind, namespace);
        if (jobs.length > 0) found.push({ kind, jobs });
      }
      if (flags.output === 'json' || flags.output === 'yaml') {
        io.out(serialize({ apiVersion: 'v1', kind: 'List', items: found.flatMap((f) => f.jobs) }, flags.output));
        return;
      }
      if (found.length === 0) {
        io.err(`No jobs found${namespace ? ` in namespace ${namespace}` : ''}.\n`);
        return;
      }
      const tables: string[] = [];
      for (const { kind, jobs } of found) {
        const pods = kind.progressFromPods ? await podsByJob(session.client, kind, namespace) : undefined;
        tables.push(jobTable(kind, jobs, { allNamespaces: namespace === undefined, colour: io.colour === true, pods }));
      }
      // As `kubectl get` prints several kinds: one table each, a blank line between them.
      io.out(tables.join('\n'));
    });
}

/** `kubejobs get`. */
export function getCommand(io: CliIo): Command {
  return clusterOptions(new Command('get').description('Show one job: status, replicas, pods or progress, GPUs and age; its pods and their nodes (a scheduled ArenaJob: its runs); its Events, as kubectl describe shows them.'))
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
      const colour = io.colour === true;
      const pods = (await session.client.list<PodObject>(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: podSelector(kind, name) })).items;
      let text = jobTable(kind, [job], { allNamespaces: false, colour, pods: new Map([[`${job.metadata.namespace}/${name}`, pods]]) });
      if (kind.type === 'arenajob' && job.spec?.schedule?.cron) {
        // A scheduled parent runs no pod itself: its runs are child ArenaJobs.
        const runs = (await session.client.list<JobObject>(collectionPath(kind, session.namespace), { labelSelector: `${PARENT_LABEL}=${name}` })).items;
        text += '\nRuns:\n';
        text += runs.length === 0 ? '  <none>\n' : indent(jobTable(kind, runs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)), { allNamespaces: false, colour }));
      }
      text += '\nPods:\n';
      text += pods.length === 0 ? '  <none>\n' : indent(table(['NAME', 'STATUS', 'NODE', 'AGE', ...(wide ? ['IP'] : [])],
        pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map((p) => [
          p.metadata.name, p.status?.phase ?? 'Unknown', p.spec?.nodeName ?? '<none>', age(p.metadata.creationTimestamp), ...(wide ? [p.status?.podIP ?? '<none>'] : []),
        ]), colour ? ['STATUS'] : []));
      const events = (await session.client.list<EventObject>(`/api/v1/namespaces/${session.namespace}/events`, {
        fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind.definition.kind}`,
      })).items.filter((e) => !job.metadata.uid || !e.involvedObject?.uid || e.involvedObject.uid === job.metadata.uid);
      // As kubectl describe: `Events:  <none>` on one line, else the table under the heading.
      text += events.length === 0 ? '\nEvents:  <none>\n' : `\nEvents:\n${indent(eventsTable(events, { colour }))}`;
      io.out(text);
    });
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l === '' ? l : `  ${l}`)).join('\n');
}

/**
 * Polls `until` every `intervalMs` until it returns a value or `timeoutMs` passes. `until` gets
 * the request options of what is left, so one slow API call cannot run past the timeout.
 */
async function poll<T>(timeoutMs: number, until: (left: RequestOptions) => Promise<T | undefined>, intervalMs = 500): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await until({ timeoutMs: Math.max(1, Math.min(DEFAULT_REQUEST_TIMEOUT_MS, deadline - Date.now())) });
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * `kubejobs wait`: exit 0 once the job reaches the state; 1 when it can no longer get there (see
 * {@link waitOutcome}) or the timeout passes.
 */
export function waitCommand(io: CliIo): Command {
  return clusterOptions(new Command('wait').description('Wait until a job is complete, failed or running.'))
    .argument('<name>', 'the job')
    .addOption(typeOption())
    .addOption(new Option('--for <state>', 'the state to wait for').choices(WAIT_STATES).makeOptionMandatory())
    .option('--timeout <duration>', 'give up after this long', parseGoDurationMs, 600_000)
    .addHelpText('after', '\nExample:\n  kubejobs wait mnist --for complete --timeout 30m')
    .action(async (name: string, flags: ClusterFlags & { type?: string; for: WaitState; timeout: number }) => {
      const session = connect(flags);
      const { kind } = await findJob(session.client, session.namespace, name, flags.type);
      const path = `${collectionPath(kind, session.namespace)}/${encodeURIComponent(name)}`;
      const tty = io.progress === true;
      let outcome: WaitOutcome;
      try {
        outcome = await poll(flags.timeout, async (left) => {
          const job = await session.client.get<JobObject>(path, left);
          if (!job) throw new Error(`${kind.type} '${name}' was deleted while waiting for it to be ${flags.for}`);
          if (tty) {
            // The job's own pods; the line is a nicety, so a failed read (e.g. no right to list pods) only leaves the count out.
            const pods = kind.progressFromPods
              ? await session.client.list<PodObject>(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: podSelector(kind, name) }, left)
                .then((l) => l.items, () => undefined)
              : undefined;
            // \x1b[K clears what a longer line before left.
            io.err(`\r${name}: ${kind.status(job)} ${kind.progressHeader.toLowerCase()} ${kind.progress(job, pods)}\x1b[K`);
          }
          return waitOutcome(kind, job, flags.for);
        });
      } finally {
        if (tty) io.err('\n');
      }
      if (outcome === undefined) throw new Error(`timed out after ${flags.timeout / 1000}s waiting for ${kind.type} '${name}' to be ${flags.for}: raise --timeout or check 'kubejobs get ${name}'`);
      if (!outcome.reached) throw new Error(outcome.why);
      io.out(`${kind.type}/${name} ${flags.for}\n`);
    });
}

/** `kubejobs delete`: deletes the job and, unless `--wait=false`, waits until it and its pods are gone. */
export function deleteCommand(io: CliIo): Command {
  return clusterOptions(new Command('delete').description('Delete a job; waits until it and its pods are gone unless --wait=false.'))
    .argument('<name>', 'the job')
    .addOption(typeOption())
    .option('--wait <bool>', 'wait for the job and its pods to be gone (--wait=false: do not)', parseBoolean, true)
    .option('--timeout <duration>', 'how long to wait', parseGoDurationMs, 300_000)
    .addHelpText('after', '\nExample:\n  kubejobs delete mnist --type genericjob')
    .action(async (name: string, flags: ClusterFlags & { type?: string; wait: boolean; timeout: number }) => {
      const session = connect(flags);
      const { kind, job } = await findJob(session.client, session.namespace, name, flags.type);
      const path = `${collectionPath(kind, session.namespace)}/${encodeURIComponent(name)}`;
      await session.client.delete(path, { uid: job.metadata.uid, propagationPolicy: 'Background' });
      if (flags.wait) {
        const selector = podSelector(kind, name);
        const gone = await poll(flags.timeout, async (left) => {
          const current = await session.client.get<JobObject>(path, left);
          if (current && current.metadata.uid === job.metadata.uid) return undefined;
          const pods = await session.client.list(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: selector }, left);
          return pods.items.length === 0 ? true : undefined;
        });
        if (!gone) throw new Error(`${kind.type} '${name}' or its pods are still there after ${flags.timeout / 1000}s: check 'kubejobs get ${name}' (a finalizer, or no garbage collector running)`);
      }
      io.out(`${kind.type}/${name} deleted\n`);
    });
}
