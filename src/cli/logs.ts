import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, ClusterFlags, kubeconfigOption, namespaceOption } from './cluster';
import { CliIo } from './io';
import { findJob } from './jobs';
import { collectionPath, JOB_KINDS, JobKind, JobObject, podSelector } from './kinds';
import { checkReplica, chooseContainer, choosePod, defaultReplica, hasEnded, LogPod, nextFollowStep } from './log-pods';
import { parseGoDurationMs } from './server-flags';
import { UsageError } from './usage-error';
import { KubeClient } from '../controller/kube-client';

/** How often `logs -f` looks at the job and its pods. */
const POLL_MS = 1000;
/**
 * How long a followed log may stay silent once its pod is over. A kubelet ends the stream when the
 * container exits; a stream of an ended pod that brings nothing for this long is one its node will
 * not end (a lost node), and is closed. A stream still bringing bytes is never cut.
 */
const ENDED_POD_IDLE_MS = 5000;
/** Consecutive failed reads of the job or its pods `logs -f` rides out before it gives up. */
const MAX_READ_FAILURES = 10;

function parseTail(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a number of lines, 0 or more.');
  return n;
}

interface LogsFlags extends ClusterFlags {
  type?: string;
  replica?: string;
  container?: string;
  follow?: boolean;
  tail?: number;
  podRunningTimeout: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `kubejobs logs`. */
export function logsCommand(io: CliIo): Command {
  return new Command('logs')
    .description('Print the log of one replica of a job (rank 0 of its first replica type unless --replica); -f follows it, across restarts, until the replica or the job is done.')
    .argument('<name>', 'the job')
    .addOption(new Option('--type <type>', 'kind of job').choices(JOB_KINDS.map((k) => k.type)))
    .option('--replica <TYPE-RANK>', 'the replica, e.g. worker-1 (GenericJob and AppWrapper: pod <name>-<TYPE>-<RANK>; ArenaJob: item-N, work item N)')
    .option('-c, --container <name>', 'the container (default: the pod\'s kubectl.kubernetes.io/default-container, else its first)')
    .option('-f, --follow', 'stream the log; when the replica restarts, go on with its new run; end when the replica succeeded or the job is over')
    .option('--tail <n>', 'only the last n lines (of the first run shown)', parseTail)
    .option('--pod-running-timeout <duration>', 'with -f: how long to wait in one go for the replica to start (queued, unschedulable, between runs) before giving up; 0: as long as the job goes on', parseGoDurationMs, 0)
    .addOption(namespaceOption())
    .addOption(kubeconfigOption())
    .addHelpText('after', '\nExample:\n  kubejobs logs mnist --replica worker-1 --tail 100 -f')
    .action(async (name: string, flags: LogsFlags) => {
      // Only a follow waits for a replica to start; without -f the flag would silently do nothing.
      if (flags.podRunningTimeout > 0 && !flags.follow) throw new UsageError('--pod-running-timeout bounds how long -f waits for the replica to start: add -f, or drop it');
      const session = connect(flags);
      const { kind, job } = await findJob(session.client, session.namespace, name, flags.type);
      const logs = new JobLogs(session.client, session.namespace, kind, job, io);
      if (flags.replica !== undefined) checkReplica(kind, job, flags.replica);
      if (flags.follow) {
        await logs.follow(flags.replica ?? defaultReplica(kind, job), flags.container, flags.tail, flags.podRunningTimeout);
      } else {
        const pod = choosePod(kind, job, await logs.pods(), flags.replica);
        await logs.stream(pod, chooseContainer(pod, flags.container), { tailLines: flags.tail });
      }
    });
}

/** Reads the logs of one job's pods. */
class JobLogs {
  private readonly podsPath: string;
  private readonly jobPath: string;

  constructor(
    private readonly client: KubeClient, namespace: string, private readonly kind: JobKind,
    private readonly job: JobObject, private readonly io: CliIo,
  ) {
    this.podsPath = `/api/v1/namespaces/${namespace}/pods`;
    this.jobPath = `${collectionPath(kind, namespace)}/${encodeURIComponent(job.metadata.name)}`;
  }

  public async pods(): Promise<LogPod[]> {
    return (await this.client.list<LogPod>(this.podsPath, { labelSelector: podSelector(this.kind, this.job.metadata.name) })).items;
  }

  /**
   * Streams the replica's log until the replica succeeded or the job is over: each run the
   * replica has had since (a restart makes a new pod, or a new container in the same pod), in
   * turn, each until its container ends.
   */
  public async follow(replica: string, container: string | undefined, tail: number | undefined, waitLimitMs = 0): Promise<void> {
    const streamed = new Set<string>();
    let waitingFor = '';
    let waitingSince: number | undefined;
    let failures = 0;
    for (;;) {
      let job: JobObject | undefined;
      let pods: LogPod[];
      try {
        job = await this.client.get<JobObject>(this.jobPath);
        pods = await this.pods();
        failures = 0;
      } catch (err) {
        // A follow may last hours: an API server restart or a dropped connection is ridden out.
        if (++failures >= MAX_READ_FAILURES) throw err;
        this.io.err(`reading ${this.kind.type} '${this.job.metadata.name}' failed (${(err as Error).message}); retrying\n`);
        await sleep(POLL_MS * failures);
        continue;
      }
      const current = job && job.metadata.uid === this.job.metadata.uid ? job : undefined;
      const step = nextFollowStep(this.kind, current, pods, replica, container, streamed);
      if (step.action === 'done') {
        if (step.reason !== undefined && streamed.size === 0) throw new Error(step.reason);
        return;
      }
      if (step.action === 'wait') {
        // Said once per thing waited for, on stderr: the log on stdout stays the log.
        if (step.reason !== waitingFor) this.io.err(`waiting for ${step.reason}\n`);
        waitingFor = step.reason;
        waitingSince ??= Date.now();
        if (waitLimitMs > 0 && Date.now() - waitingSince >= waitLimitMs) {
          throw new Error(`gave up after ${waitLimitMs / 1000}s waiting for ${step.reason}: raise --pod-running-timeout (now ${waitLimitMs / 1000}s), or see why with 'kubejobs get ${this.job.metadata.name}'`);
        }
        await sleep(POLL_MS);
        continue;
      }
      waitingFor = '';
      waitingSince = undefined;
      if (streamed.size > 0) this.io.err(`${this.kind.type} '${this.job.metadata.name}' ${replica} restarted: following pod ${step.pod.metadata.name}\n`);
      streamed.add(step.key);
      const chosen = chooseContainer(step.pod, container);
      try {
        await this.followPod(step.pod, chosen, streamed.size === 1 ? tail : undefined);
      } catch (err) {
        // The pod went away, or the connection dropped: the next step says what now.
        this.io.err(`${(err as Error).message}; going on\n`);
      }
    }
  }

  /**
   * Follows one pod's log until the node ends it (the container exited), the pod is deleted or
   * replaced (a deleted pod's log is gone), or the pod is over and the stream has been silent for
   * {@link ENDED_POD_IDLE_MS}. A pod already over is read without `follow`: its log is complete.
   */
  private async followPod(pod: LogPod, container: string | undefined, tail: number | undefined): Promise<void> {
    if (hasEnded(pod)) return this.stream(pod, container, { tailLines: tail });
    const stop = new AbortController();
    let lastChunk = Date.now();
    const watching = (async () => {
      while (!stop.signal.aborted) {
        await sleep(POLL_MS);
        if (stop.signal.aborted) return;
        const now = await this.client.get<LogPod>(`${this.podsPath}/${encodeURIComponent(pod.metadata.name)}`).catch(() => pod);
        if (!now || now.metadata.uid !== pod.metadata.uid) return stop.abort();
        if (hasEnded(now) && Date.now() - lastChunk >= ENDED_POD_IDLE_MS) return stop.abort();
      }
    })();
    try {
      await this.stream(pod, container, { follow: 'true', tailLines: tail }, stop.signal, () => (lastChunk = Date.now()));
    } finally {
      stop.abort();
      await watching;
    }
  }

  /** Writes the pod's log (what the kubelet has, or, with `follow`, until it ends) to stdout. */
  public async stream(
    pod: LogPod, container: string | undefined, query: Record<string, string | number | undefined>, signal?: AbortSignal, onChunk?: () => void,
  ): Promise<void> {
    try {
      await this.client.stream(`${this.podsPath}/${encodeURIComponent(pod.metadata.name)}/log`, { container, ...query }, (chunk) => {
        onChunk?.();
        this.io.out(chunk);
      }, signal);
    } catch (err) {
      if (signal?.aborted) return;
      throw new Error(`pod ${pod.metadata.name} on node ${pod.spec?.nodeName}: ${(err as Error).message}`);
    }
  }
}
