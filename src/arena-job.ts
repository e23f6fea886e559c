import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ARENA_JOB } from './api';
import { IArenaConfig, ScenarioFilter } from './arena-config';
import { cronProblem } from './cron-schedule';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { toGoDuration } from './duration-format';
import { isIntegerIn, requireProps } from './validation-helpers';
import type { ArenaJobSpec, OutputConfig } from '../imports/omnia.altairalabs.ai';

/** What an ArenaJob runs. */
export enum ArenaJobType {
  /** Prompt evaluation against test scenarios (the default). */
  EVALUATION = 'evaluation',
  /** Load testing against providers. */
  LOAD_TEST = 'loadtest',
  /** Synthetic data generation. */
  DATA_GEN = 'datagen',
}

/** Result formats of an evaluation. */
export enum ResultFormat {
  /** JUnit XML. */
  JUNIT = 'junit',
  /** JSON. */
  JSON = 'json',
  /** CSV. */
  CSV = 'csv',
}

/** Output formats of data generation. */
export enum DataGenFormat {
  /** One JSON document. */
  JSON = 'json',
  /** JSON lines (the default). */
  JSONL = 'jsonl',
  /** CSV. */
  CSV = 'csv',
}

/** What happens when a scheduled run is due while the previous one still runs (CronJob semantics). */
export enum ConcurrencyPolicy {
  /** Run both. */
  ALLOW = 'Allow',
  /** Skip the new run (the default). */
  FORBID = 'Forbid',
  /** Cancel the running one and start the new one. */
  REPLACE = 'Replace',
}

/** S3 output settings. */
export interface S3OutputOptions {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * Key prefix of the objects.
   *
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * AWS region.
   *
   * @default - the SDK's default
   */
  readonly region?: string;
  /**
   * Custom S3-compatible endpoint.
   *
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Secret (same namespace) with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
   *
   * @default - the pod's ambient credentials
   */
  readonly secretName?: string;
}

/** PersistentVolumeClaim output settings. */
export interface PvcOutputOptions {
  /** Claim name. */
  readonly claimName: string;
  /**
   * Subdirectory within the claim.
   *
   * @default - the claim root
   */
  readonly subPath?: string;
}

/** Where an ArenaJob stores its results. */
export class ArenaOutput {
  /** An S3 bucket. */
  public static s3(options: S3OutputOptions): ArenaOutput {
    if (options.bucket.trim() === '') throw new Error('\'output.s3.bucket\' is empty: name the bucket results are written to');
    const { secretName, ...s3 } = options;
    return new ArenaOutput({ type: 's3', s3: { ...s3, secretRef: secretName ? { name: secretName } : undefined } });
  }

  /** A PersistentVolumeClaim. */
  public static pvc(options: PvcOutputOptions): ArenaOutput {
    if (options.claimName.trim() === '') throw new Error('\'output.pvc.claimName\' is empty: name the PersistentVolumeClaim results are written to');
    return new ArenaOutput({ type: 'pvc', pvc: { claimName: options.claimName, subPath: options.subPath } });
  }

  private constructor(
    /** The wire `output` block. */
    public readonly config: OutputConfig,
  ) {}
}

/** Evaluation settings. */
export interface EvaluationOptions {
  /**
   * Result formats.
   *
   * @default - the runner's default
   */
  readonly outputFormats?: ResultFormat[];
}

/** Load test settings. */
export interface LoadTestOptions {
  /**
   * Time to ramp up to the target rate.
   *
   * @default Duration.seconds(30)
   */
  readonly rampUp?: Duration;
  /**
   * Total duration.
   *
   * @default Duration.minutes(5)
   */
  readonly duration?: Duration;
  /**
   * Target requests per second.
   *
   * @default - as fast as the workers go
   */
  readonly targetRps?: number;
}

/** Data generation settings. */
export interface DataGenOptions {
  /**
   * Items to generate.
   *
   * @default 100
   */
  readonly count?: number;
  /**
   * Output format.
   *
   * @default DataGenFormat.JSONL
   */
  readonly format?: DataGenFormat;
}

/** The worker pool. */
export interface WorkerOptions {
  /**
   * Worker replicas.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Lower bound of the autoscaling range.
   *
   * @default - no range
   */
  readonly minReplicas?: number;
  /**
   * Upper bound of the autoscaling range.
   *
   * @default - no range
   */
  readonly maxReplicas?: number;
}

/** Recurring execution. */
export interface ArenaScheduleOptions {
  /** Cron expression (five fields, or a macro such as `@daily`). */
  readonly cron: string;
  /**
   * IANA time zone of the cron expression.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the previous one still runs.
   *
   * @default ConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
}

/** Properties for `ArenaJob`. */
export interface ArenaJobProps extends CustomResourceProps {
  /** The ArenaConfig to run (same namespace). */
  readonly config: IArenaConfig;
  /**
   * What the job runs.
   *
   * @default ArenaJobType.EVALUATION
   */
  readonly type?: ArenaJobType;
  /**
   * Override of the config's scenario selection.
   *
   * @default - the ArenaConfig's selection
   */
  readonly scenarios?: ScenarioFilter;
  /**
   * Evaluation settings (type `EVALUATION` only).
   *
   * @default - defaults
   */
  readonly evaluation?: EvaluationOptions;
  /**
   * Load test settings (type `LOAD_TEST` only).
   *
   * @default - defaults
   */
  readonly loadTest?: LoadTestOptions;
  /**
   * Data generation settings (type `DATA_GEN` only).
   *
   * @default - defaults
   */
  readonly dataGen?: DataGenOptions;
  /**
   * Worker pool.
   *
   * @default - one worker
   */
  readonly workers?: WorkerOptions;
  /**
   * Where results go.
   *
   * @default - results stay in the job's status summary
   */
  readonly output?: ArenaOutput;
  /**
   * Run on a schedule.
   *
   * @default - run once
   */
  readonly schedule?: ArenaScheduleOptions;
  /**
   * How long a finished run is kept before cleanup (whole seconds).
   *
   * @default - kept until deleted
   */
  readonly ttlAfterFinished?: Duration;
}

const TYPE_BLOCKS: ReadonlyArray<[keyof ArenaJobProps, ArenaJobType]> = [
  ['evaluation', ArenaJobType.EVALUATION],
  ['loadTest', ArenaJobType.LOAD_TEST],
  ['dataGen', ArenaJobType.DATA_GEN],
];

const INT32_MAX = 2 ** 31 - 1;

/**
 * An Omnia `ArenaJob` (`omnia.altairalabs.ai/v1alpha1`): runs the scenarios of an ArenaConfig as
 * an evaluation, a load test or data generation, once or on a schedule, on a pool of workers.
 */
export class ArenaJob extends CustomResource {
  private readonly props: ArenaJobProps;

  public constructor(scope: Construct, id: string, props: ArenaJobProps) {
    super(scope, id, ARENA_JOB, requireProps('ArenaJob', props, {
      config: 'the ArenaConfig to run: an ArenaConfig construct, or ArenaConfig.fromConfigName(\'my-config\')',
    }));
    this.props = props;
    validateArenaJobProps(props);
  }

  protected renderSpec(): ArenaJobSpec {
    const p = this.props;
    return {
      configRef: { name: p.config.name },
      type: p.type,
      scenarios: p.scenarios,
      evaluation: p.evaluation,
      loadTest: p.loadTest && {
        rampUp: p.loadTest.rampUp && toGoDuration(p.loadTest.rampUp),
        duration: p.loadTest.duration && toGoDuration(p.loadTest.duration),
        targetRPS: p.loadTest.targetRps,
      },
      dataGen: p.dataGen,
      workers: p.workers,
      output: p.output?.config,
      schedule: p.schedule && { cron: p.schedule.cron, timezone: p.schedule.timeZone, concurrencyPolicy: p.schedule.concurrencyPolicy },
      ttlSecondsAfterFinished: p.ttlAfterFinished?.toSeconds(),
    };
  }
}

function validateArenaJobProps(p: ArenaJobProps): void {
  if (p.config.name.trim() === '') throw new Error('\'config\' has an empty name: pass an ArenaConfig or ArenaConfig.fromConfigName(\'<name>\')');
  const type = p.type ?? ArenaJobType.EVALUATION;
  for (const [block, blockType] of TYPE_BLOCKS) {
    if (p[block] !== undefined && type !== blockType) {
      throw new Error(`'${block}' is set but 'type' is '${type}': set type to '${blockType}' or remove '${block}'`);
    }
  }
  const positive = (prop: string, n: number | undefined): void => {
    if (n !== undefined && !isIntegerIn(n, 1, INT32_MAX)) throw new Error(`'${prop}' (${n}) must be a positive integer`);
  };
  positive('loadTest.targetRps', p.loadTest?.targetRps);
  positive('dataGen.count', p.dataGen?.count);
  positive('workers.replicas', p.workers?.replicas);
  positive('workers.minReplicas', p.workers?.minReplicas);
  positive('workers.maxReplicas', p.workers?.maxReplicas);
  const { replicas, minReplicas: min, maxReplicas: max } = p.workers ?? {};
  if (min !== undefined && max !== undefined && min > max) {
    throw new Error(`'workers.minReplicas' (${min}) must be less than or equal to 'workers.maxReplicas' (${max})`);
  }
  if (replicas !== undefined && ((min !== undefined && replicas < min) || (max !== undefined && replicas > max))) {
    throw new Error(`'workers.replicas' (${replicas}) must lie within 'workers.minReplicas' (${min ?? 'unset'}) and 'workers.maxReplicas' (${max ?? 'unset'})`);
  }
  if (p.schedule) {
    const problem = cronProblem(p.schedule.cron, p.schedule.timeZone ?? 'UTC');
    if (problem) throw new Error(`'schedule' ('${p.schedule.cron}' in '${p.schedule.timeZone ?? 'UTC'}') is invalid: ${problem}`);
  }
  if (p.ttlAfterFinished) {
    const ms = p.ttlAfterFinished.toMilliseconds();
    if (ms % 1000 !== 0 || ms / 1000 > INT32_MAX) {
      throw new Error(`'ttlAfterFinished' (${p.ttlAfterFinished.toHumanString()}) must be a whole number of seconds up to ${INT32_MAX}`);
    }
  }
}
