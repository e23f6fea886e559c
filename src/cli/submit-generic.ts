import * as kplus from 'cdk8s-plus-28';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CleanUpPolicy, FinishRule, GenericJob, GenericJobProps, ReplicaRestartPolicy, ReplicaSpecProps } from '../generic-job';
import { ReplicaPodProps } from '../pod-template-renderer';
import { kubeconfigOption, namespaceOption } from './cluster';
import { integerAtLeast, keyValue, parseCpu, parseSize } from './flags';
import { CliIo } from './io';
import { explainWithFlags, submitConstruct } from './submit-construct';
import { UsageError } from './usage-error';

const FLAG_OF_PROP: Record<string, string> = {
  'metadata.name': '--name',
  'replicaSpecs': '--replica',
  // Set by one flag for every replica.
  'replicaSpecs[].containers[].image': '--image',
  'replicaSpecs[].gpusPerPod': '--gpus',
  'successRules': '--success-rule',
  'failureRules': '--failure-rule',
  'servicePorts': '--port',
  'cleanUpPolicy': '--cleanup-policy',
};

/** The flags of `kubejobs submit genericjob`, as commander parses them. */
export interface GenericJobFlags {
  name: string;
  image?: string;
  namespace?: string;
  kubeconfig?: string;
  dryRun?: boolean;
  replica: Record<string, number>;
  restartPolicy?: Record<string, ReplicaRestartPolicy>;
  successRule?: FinishRule[];
  failureRule?: FinishRule[];
  port?: Array<{ name?: string; port: number }>;
  env?: Record<string, string>;
  annotation?: Record<string, string>;
  label?: Record<string, string>;
  cpu?: kplus.Cpu;
  memory?: ReturnType<typeof parseSize>;
  gpus: number;
  workingDir?: string;
  shell: string;
  cleanupPolicy?: CleanUpPolicy;
  user?: number;
  runAsRoot?: boolean;
}

/** `TYPE=COUNT`, repeatable; the first one given replaces the default `worker=1`. */
function parseReplica(value: string, previous: Record<string, number> | undefined, isDefault: () => boolean): Record<string, number> {
  const match = /^([^=]+)=(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('Expected TYPE=COUNT, e.g. master=1 or worker=4; repeat the flag for more types.');
  return { ...(isDefault() ? {} : previous), [match[1]!]: Number(match[2]) };
}

/** `TYPE=Never`, `TYPE=OnFailure:LIMIT` or `TYPE=Always:LIMIT`, repeatable. */
function parseRestartPolicy(value: string, previous: Record<string, ReplicaRestartPolicy> | undefined): Record<string, ReplicaRestartPolicy> {
  const match = /^([^=]+)=(Never|OnFailure|Always)(?::(\d+))?$/.exec(value);
  if (!match || (match[2] === 'Never' && match[3] !== undefined)) {
    throw new InvalidArgumentError('Expected TYPE=Never, TYPE=OnFailure:LIMIT or TYPE=Always:LIMIT, e.g. worker=OnFailure:3.');
  }
  const limit = Number(match[3] ?? 0);
  const policy = match[2] === 'Never' ? ReplicaRestartPolicy.never() : match[2] === 'OnFailure' ? ReplicaRestartPolicy.onFailure(limit) : ReplicaRestartPolicy.always(limit);
  return { ...previous, [match[1]!]: policy };
}

/** `TYPE=RANK[,RANK...][;TYPE=RANK...]`: one rule (all the ranks named), repeatable for more rules (any one holds). */
function parseRule(value: string, previous: FinishRule[] | undefined): FinishRule[] {
  const ranks: Record<string, number[]> = {};
  for (const part of value.split(';')) {
    const match = /^([^=;]+)=(\d+(?:,\d+)*)$/.exec(part);
    if (!match) throw new InvalidArgumentError('Expected TYPE=RANK[,RANK...] with more types separated by ;, e.g. master=0 or \'master=0;worker=0,1\'.');
    ranks[match[1]!] = match[2]!.split(',').map(Number);
  }
  return [...(previous ?? []), FinishRule.of(ranks)];
}

/** `PORT` or `NAME=PORT`, repeatable. */
function parseServicePort(value: string, previous: Array<{ name?: string; port: number }> | undefined): Array<{ name?: string; port: number }> {
  const match = /^(?:([^=]+)=)?(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new InvalidArgumentError('Expected PORT or NAME=PORT with a port from 1 to 65535, e.g. 2222 or ps=2222.');
  return [...(previous ?? []), match[1] ? { name: match[1], port } : { port }];
}

/**
 * Turns the flags into GenericJob props: every replica type runs the same container (image,
 * command, env, resources); only flags given on the command line become props.
 */
export function genericJobPropsFromFlags(flags: GenericJobFlags, commandArgs: readonly string[]): GenericJobProps {
  if (flags.image === undefined) throw new UsageError('required option \'--image <image>\' not specified: give the container image of every pod, e.g. --image python:3.12');
  if (commandArgs.length === 0) throw new UsageError('no command given: put the command the pods run after the flags, e.g. kubejobs submit genericjob --name x --image python:3.12 "python train.py"');
  const unknown = Object.keys(flags.restartPolicy ?? {}).filter((t) => !(t in flags.replica));
  if (unknown.length > 0) {
    throw new UsageError(`--restart-policy names replica type '${unknown[0]}', which no --replica declares (${Object.keys(flags.replica).join(', ')}): add --replica ${unknown[0]}=COUNT or fix the type`);
  }
  if (flags.user !== undefined && flags.runAsRoot) {
    throw new UsageError(`--user ${flags.user} and --run-as-root contradict each other: give one (--user runs a root image as that UID and stays Pod Security restricted)`);
  }
  const securityContext = flags.user !== undefined ? { user: flags.user } : flags.runAsRoot ? { ensureNonRoot: false } : undefined;
  const resources = flags.cpu || flags.memory ? {
    cpu: flags.cpu ? { request: flags.cpu, limit: flags.cpu } : undefined,
    memory: flags.memory ? { request: flags.memory, limit: flags.memory } : undefined,
  } : undefined;
  const pod: ReplicaPodProps = {
    securityContext,
    podMetadata: flags.annotation || flags.label ? { annotations: flags.annotation, labels: flags.label } : undefined,
    containers: [{
      name: 'main',
      image: flags.image!,
      command: [flags.shell, '-c', commandArgs.join(' ')],
      workingDir: flags.workingDir,
      envVariables: flags.env ? Object.fromEntries(Object.entries(flags.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])) : undefined,
      resources,
    }],
    gpusPerPod: flags.gpus > 0 ? flags.gpus : undefined,
  };
  return {
    metadata: { name: flags.name },
    replicaSpecs: Object.entries(flags.replica).map(([type, replicas]): ReplicaSpecProps => ({
      type,
      replicas,
      restartPolicy: flags.restartPolicy?.[type],
      ...pod,
    })),
    successRules: flags.successRule,
    failureRules: flags.failureRule,
    servicePorts: flags.port,
    cleanUpPolicy: flags.cleanupPolicy,
  };
}

/** `kubejobs submit genericjob`. */
export function genericJobCommand(io: CliIo): Command {
  const cmd: Command = new Command('genericjob')
    .alias('gj')
    .description('Submit a GenericJob (T9k): replica types of the same container, success and failure rules, per-replica Services; `kubejobs controller` runs it.')
    .argument('[command...]', 'the command every replica runs, joined and run with `<shell> -c`')
    .requiredOption('--name <name>', 'name of the GenericJob')
    .option('--image <image>', 'container image of every replica (required)')
    .addOption(namespaceOption())
    .addOption(kubeconfigOption())
    .option('--dry-run', 'print the YAML that would be applied, without contacting the cluster')
    .addOption(new Option('--replica <TYPE=COUNT>', 'a replica type and its pod count (repeatable)')
      .argParser((v: string, prev: Record<string, number>) => parseReplica(v, prev, () => cmd.getOptionValueSource('replica') === 'default'))
      .default({ worker: 1 }, 'worker=1'))
    .option('--restart-policy <TYPE=POLICY>', 'restarts of a type: Never, OnFailure:LIMIT or Always:LIMIT (default OnFailure:0; repeatable)', parseRestartPolicy)
    .option('--success-rule <RULE>', 'the job succeeds when these replicas succeed: TYPE=RANK[,RANK][;TYPE=RANK...] (repeatable; default: all replicas)', parseRule)
    .option('--failure-rule <RULE>', 'the job fails when these replicas fail, same syntax (repeatable; default: any replica out of restarts)', parseRule)
    .option('--port <[NAME=]PORT>', 'port of the per-replica headless Services <name>-<type>-<rank> (repeatable)', parseServicePort)
    .option('--env <KEY=VALUE>', 'environment variable of the container (repeatable)', keyValue)
    .option('--annotation <KEY=VALUE>', 'annotation of every pod (repeatable)', keyValue)
    .option('--label <KEY=VALUE>', 'label of every pod (repeatable)', keyValue)
    .option('--cpu <cores>', 'CPU per pod (request and limit), e.g. 4 or 500m', parseCpu)
    .option('--memory <size>', 'memory per pod (request and limit), e.g. 16Gi', parseSize)
    .option('--gpus <n>', 'NVIDIA GPUs per pod (the nvidia.com/gpu request and limit); 0 for none', integerAtLeast(0), 0)
    .option('--working-dir <dir>', 'working directory of the container (default: the image\'s)')
    .option('--shell <shell>', 'shell that runs the command', 'sh')
    .option('--user <uid>', 'UID the containers run as (pods run as non-root by default; an image that runs as root, e.g. python:3.12, needs this or --run-as-root)', integerAtLeast(1))
    .option('--run-as-root', 'let the image run as root (not admitted where Pod Security restricted is enforced)')
    .addOption(new Option('--cleanup-policy <policy>', 'replicas deleted when the job finishes (default: None)').choices(Object.values(CleanUpPolicy)))
    .addHelpText('after', `
Example:
  # A master and 2 workers; the job succeeds when the master succeeds
  kubejobs submit genericjob --name mnist --image python:3.12 --user 1000 --replica master=1 --replica worker=2 \\
    --success-rule master=0 --port 2222 "python train.py"`)
    .action(async (commandArgs: string[], flags: GenericJobFlags) => {
      const props = genericJobPropsFromFlags(flags, commandArgs);
      await submitConstruct(io, flags, (chart) => new GenericJob(chart, flags.name, props), (m) => explainWithFlags(m, FLAG_OF_PROP));
    });
  return cmd;
}
