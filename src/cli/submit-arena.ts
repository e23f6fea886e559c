import { Command, InvalidArgumentError, Option } from 'commander';
import { ArenaConfig } from '../arena-config';
import { ArenaJob, ArenaJobProps, ArenaJobType, ArenaOutput, ConcurrencyPolicy } from '../arena-job';
import { kubeconfigOption, namespaceOption } from './cluster';
import { integerAtLeast, parseGoDuration } from './flags';
import { CliIo } from './io';
import { explainWithFlags, submitConstruct } from './submit-construct';
import { UsageError } from './usage-error';

const FLAG_OF_PROP: Record<string, string> = {
  'metadata.name': '--name',
  'config': '--config',
  'type': '--type',
  'workers': '--workers, --min-workers, --max-workers',
  'output': '--output',
  'schedule': '--schedule, --time-zone, --concurrency-policy',
  'ttlAfterFinished': '--ttl-after-finished',
};

/** The flags of `kubejobs submit arenajob`, as commander parses them. */
export interface ArenaJobFlags {
  name: string;
  config: string;
  namespace?: string;
  kubeconfig?: string;
  dryRun?: boolean;
  type?: ArenaJobType;
  workers?: number;
  minWorkers?: number;
  maxWorkers?: number;
  output?: { kind: 's3'; bucket: string; prefix?: string } | { kind: 'pvc'; claimName: string; subPath?: string };
  outputSecret?: string;
  outputRegion?: string;
  outputEndpoint?: string;
  schedule?: string;
  timeZone?: string;
  concurrencyPolicy?: ConcurrencyPolicy;
  ttlAfterFinished?: ReturnType<typeof parseGoDuration>;
}

/** `s3://BUCKET[/PREFIX]` or `pvc://CLAIM[/SUBPATH]`. */
function parseOutput(value: string): ArenaJobFlags['output'] {
  const match = /^(s3|pvc):\/\/([^/]+)(?:\/(.+))?$/.exec(value);
  if (!match) throw new InvalidArgumentError('Expected s3://BUCKET[/PREFIX] or pvc://CLAIM[/SUBPATH], e.g. s3://results/arena.');
  return match[1] === 's3' ? { kind: 's3', bucket: match[2]!, prefix: match[3] } : { kind: 'pvc', claimName: match[2]!, subPath: match[3] };
}

/** What a refining flag needs: whether the flags have it, how to name it, and how to add it. */
interface Needed {
  readonly has: (flags: ArenaJobFlags) => boolean;
  readonly name: string;
  readonly add: string;
}

const S3_OUTPUT: Needed = { has: (f) => f.output?.kind === 's3', name: 'an s3:// --output', add: '--output s3://BUCKET[/PREFIX]' };
const SCHEDULE: Needed = { has: (f) => f.schedule !== undefined, name: '--schedule', add: '--schedule CRON' };

/**
 * Flags that only refine another flag, and would be dropped without it: each is refused alone
 * rather than ignored, so that e.g. `--time-zone Europe/Oslo` without a schedule is not a job that
 * quietly runs once.
 */
const REFINING_FLAGS: ReadonlyArray<{ readonly prop: keyof ArenaJobFlags; readonly flag: string; readonly why: string; readonly needs: Needed }> = [
  { prop: 'outputSecret', flag: '--output-secret', why: 'it is the Secret with the credentials of the S3 output', needs: S3_OUTPUT },
  { prop: 'outputRegion', flag: '--output-region', why: 'it is the region of the S3 output', needs: S3_OUTPUT },
  { prop: 'outputEndpoint', flag: '--output-endpoint', why: 'it is the endpoint of the S3-compatible store of the output', needs: S3_OUTPUT },
  { prop: 'timeZone', flag: '--time-zone', why: 'it is the time zone of the schedule', needs: SCHEDULE },
  { prop: 'concurrencyPolicy', flag: '--concurrency-policy', why: 'it decides what happens to a scheduled run due while the previous one still runs', needs: SCHEDULE },
];

/** Refuses a flag of {@link REFINING_FLAGS} given without the flag it refines. */
function checkRefiningFlags(flags: ArenaJobFlags): void {
  for (const { prop, flag, why, needs } of REFINING_FLAGS) {
    if (flags[prop] === undefined || needs.has(flags)) continue;
    const o = flags.output;
    // A pvc:// output is there, but of the wrong kind: name it, the fix replaces it.
    const instead = needs === S3_OUTPUT && o?.kind === 'pvc' ? `, not pvc://${o.claimName}${o.subPath ? `/${o.subPath}` : ''}` : '';
    const fix = instead ? `use ${needs.add} instead` : `add ${needs.add}`;
    throw new UsageError(`${flag} needs ${needs.name}${instead} (${why}): ${fix} or remove ${flag}`);
  }
}

/** Turns the flags into ArenaJob props; only flags given on the command line become props. */
export function arenaJobPropsFromFlags(flags: ArenaJobFlags): ArenaJobProps {
  checkRefiningFlags(flags);
  const o = flags.output;
  const workers = flags.workers ?? flags.minWorkers ?? flags.maxWorkers;
  return {
    metadata: { name: flags.name },
    config: ArenaConfig.fromConfigName(flags.config),
    type: flags.type,
    workers: workers === undefined ? undefined : { replicas: flags.workers, minReplicas: flags.minWorkers, maxReplicas: flags.maxWorkers },
    output: o === undefined ? undefined : o.kind === 's3'
      ? ArenaOutput.s3({
        bucket: o.bucket, prefix: o.prefix, secretName: flags.outputSecret, region: flags.outputRegion, endpoint: flags.outputEndpoint,
      })
      : ArenaOutput.pvc({ claimName: o.claimName, subPath: o.subPath }),
    schedule: flags.schedule === undefined
      ? undefined
      : { cron: flags.schedule, timeZone: flags.timeZone, concurrencyPolicy: flags.concurrencyPolicy },
    ttlAfterFinished: flags.ttlAfterFinished,
  };
}

/** `kubejobs submit arenajob`. */
export function arenaJobCommand(io: CliIo): Command {
  return new Command('arenajob')
    .alias('aj')
    .description('Submit an ArenaJob (Omnia): run the scenarios of an ArenaConfig as an evaluation, a load test or data generation, once or on a schedule.')
    .requiredOption('--name <name>', 'name of the ArenaJob')
    .requiredOption('--config <name>', 'the ArenaConfig to run (same namespace)')
    .addOption(namespaceOption())
    .addOption(kubeconfigOption())
    .option('--dry-run', 'print the YAML that would be applied, without contacting the cluster')
    .addOption(new Option('--type <type>', 'what the job runs (default: evaluation)').choices(Object.values(ArenaJobType)))
    .option('--workers <n>', 'worker replicas (default: 1)', integerAtLeast(1))
    .option('--min-workers <n>', 'lower bound of the autoscaling range', integerAtLeast(1))
    .option('--max-workers <n>', 'upper bound of the autoscaling range', integerAtLeast(1))
    .option('--output <url>', 'where results go: s3://BUCKET[/PREFIX] or pvc://CLAIM[/SUBPATH]', parseOutput)
    .option('--output-secret <name>', 'S3: Secret with the credentials')
    .option('--output-region <region>', 'S3: region')
    .option('--output-endpoint <url>', 'S3: endpoint of an S3-compatible store')
    .option('--schedule <cron>', 'run on this cron schedule (five fields or a macro such as @daily)')
    .option('--time-zone <tz>', 'IANA time zone of --schedule (default: UTC)')
    .addOption(new Option('--concurrency-policy <policy>', 'a run due while the previous one runs (default: Forbid)').choices(Object.values(ConcurrencyPolicy)))
    .option('--ttl-after-finished <duration>', 'delete the job this long after it finished', parseGoDuration)
    .addHelpText('after', `
Example:
  # A nightly load test of the ArenaConfig 'chatbot', results to S3
  kubejobs submit arenajob --name nightly --config chatbot --type loadtest --workers 4 \\
    --output s3://results/chatbot --schedule "0 2 * * *" --time-zone Europe/Oslo`)
    .action(async (flags: ArenaJobFlags) => {
      const props = arenaJobPropsFromFlags(flags);
      await submitConstruct(io, flags, (chart) => new ArenaJob(chart, flags.name, props), (m) => explainWithFlags(m, FLAG_OF_PROP));
    });
}
