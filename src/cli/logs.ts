import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, ClusterFlags, kubeconfigOption, namespaceOption } from './cluster';
import { CliIo } from './io';
import { findJob } from './jobs';
import { JOB_KINDS, JobKind, JobObject } from './kinds';
import { UsageError } from './usage-error';

/** The fields of a pod `logs` reads. */
export interface LogPod {
  metadata: { name: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/**
 * The pod whose log `logs` shows: `<job>-<TYPE>-<RANK>` for `--replica TYPE-RANK`, else rank 0 of
 * the job's first replica type (GenericJob: the first in spec; AppWrapper: PyTorch's master, or the
 * Volcano task). Throws a message naming the pods there are, or why the chosen one has no log.
 */
export function choosePod(kind: JobKind, job: JobObject, pods: readonly LogPod[], replica: string | undefined): LogPod {
  const name = job.metadata.name;
  const wanted = replica ? `${name}-${replica}` : `${name}-${firstReplicaType(kind, job)}-0`;
  const pod = pods.find((p) => p.metadata.name === wanted);
  if (!pod) {
    const names = pods.map((p) => p.metadata.name).sort();
    throw new UsageError(`${kind.type} '${name}' has no pod ${wanted}: ${names.length === 0 ? 'it has no pods yet' : `its pods are ${names.join(', ')}`}; pick one with --replica TYPE-RANK, e.g. --replica worker-0`);
  }
  if (!pod.spec?.nodeName) {
    throw new Error(`pod ${wanted} is ${pod.status?.phase ?? 'Pending'} and not on a node yet, so it has no log: see why with 'kubejobs get ${name}'`);
  }
  return pod;
}

function firstReplicaType(kind: JobKind, job: JobObject): string {
  if (kind.type === 'genericjob') return job.spec?.replicaSpecs?.[0]?.type ?? 'worker';
  if (kind.type === 'appwrapperjob') {
    const inner = job.spec?.components?.[0]?.template;
    return inner?.kind === 'PyTorchJob' ? 'master' : inner?.spec?.tasks?.[0]?.name ?? 'worker';
  }
  return 'worker';
}

function parseTail(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a number of lines, 0 or more.');
  return n;
}

/** `kubejobs logs`. */
export function logsCommand(io: CliIo): Command {
  return new Command('logs')
    .description('Print the log of one pod of a job (rank 0 of its first replica type unless --replica).')
    .argument('<name>', 'the job')
    .addOption(new Option('--type <type>', 'kind of job').choices(JOB_KINDS.map((k) => k.type)))
    .option('--replica <TYPE-RANK>', 'the replica, e.g. worker-1 (pod <name>-<TYPE>-<RANK>)')
    .option('-f, --follow', 'stream the log until the container ends')
    .option('--tail <n>', 'only the last n lines', parseTail)
    .addOption(namespaceOption())
    .addOption(kubeconfigOption())
    .addHelpText('after', '\nExample:\n  kubejobs logs mnist --replica worker-1 --tail 100 -f')
    .action(async (name: string, flags: ClusterFlags & { type?: string; replica?: string; follow?: boolean; tail?: number }) => {
      const session = connect(flags);
      const { kind, job } = await findJob(session.client, session.namespace, name, flags.type);
      const selector = kind.podSelector(name);
      if (!selector) throw new Error(`logs of ${kind.type} jobs are not supported yet: find the pods with kubectl get pods`);
      const pods = (await session.client.list<LogPod>(`/api/v1/namespaces/${session.namespace}/pods`, { labelSelector: selector })).items;
      const pod = choosePod(kind, job, pods, flags.replica);
      try {
        await session.client.stream(`/api/v1/namespaces/${session.namespace}/pods/${pod.metadata.name}/log`,
          { follow: flags.follow ? 'true' : undefined, tailLines: flags.tail }, io.out);
      } catch (err) {
        throw new Error(`pod ${pod.metadata.name} on node ${pod.spec?.nodeName}: ${(err as Error).message}`);
      }
    });
}
