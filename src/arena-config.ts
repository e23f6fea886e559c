import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ARENA_CONFIG } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { toGoDuration } from './duration-format';
import { DNS_LABEL, isIntegerIn, requireProps } from './validation-helpers';
import type { ArenaConfigSpec } from '../imports/omnia.altairalabs.ai';

/** An ArenaConfig an ArenaJob can run: one defined in this app, or an existing one by name. */
export interface IArenaConfig {
  /** Name of the ArenaConfig (same namespace as the job). */
  readonly name: string;
}

/** Scenario selection by glob patterns. */
export interface ScenarioFilter {
  /**
   * Globs of scenarios to include.
   *
   * @default - all scenarios
   */
  readonly include?: string[];
  /**
   * Globs of scenarios to exclude, applied after `include`.
   *
   * @default - none
   */
  readonly exclude?: string[];
}

/** A reference to a Provider or tool registry, possibly in another namespace. */
export interface ArenaReference {
  /** Name of the object. */
  readonly name: string;
  /**
   * Namespace of the object.
   *
   * @default - the ArenaConfig's namespace
   */
  readonly namespace?: string;
}

/** Self-play settings. */
export interface SelfPlayOptions {
  /**
   * Whether self-play is on.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Rounds of self-play.
   *
   * @default 1
   */
  readonly rounds?: number;
  /**
   * Swap roles between rounds.
   *
   * @default false
   */
  readonly swapRoles?: boolean;
}

/** Evaluation settings of an ArenaConfig. */
export interface ArenaEvaluationOptions {
  /**
   * Metrics to compute.
   *
   * @default - the runner's defaults
   */
  readonly metrics?: string[];
  /**
   * Timeout of one scenario run.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Retries of a failed scenario, 0 to 10.
   *
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Scenarios run at once, 1 to 100.
   *
   * @default 1
   */
  readonly concurrency?: number;
}

/** Properties for `ArenaConfig`. */
export interface ArenaConfigProps extends CustomResourceProps {
  /** Name of the ArenaSource (same namespace) that provides the scenario bundle. */
  readonly sourceName: string;
  /**
   * Scenario selection.
   *
   * @default - all scenarios of the source
   */
  readonly scenarios?: ScenarioFilter;
  /**
   * LLM providers to run the scenarios against (at least one when set).
   *
   * @default - none; the config is not Ready until it has one
   */
  readonly providers?: ArenaReference[];
  /**
   * Tool registries available to the scenarios.
   *
   * @default - none
   */
  readonly toolRegistries?: ArenaReference[];
  /**
   * Self-play settings.
   *
   * @default - no self-play
   */
  readonly selfPlay?: SelfPlayOptions;
  /**
   * Evaluation settings.
   *
   * @default - the CRD defaults (5m timeout, 3 retries, concurrency 1)
   */
  readonly evaluation?: ArenaEvaluationOptions;
  /**
   * Suspend the config.
   *
   * @default false
   */
  readonly suspend?: boolean;
}

/**
 * An Omnia `ArenaConfig` (`omnia.altairalabs.ai/v1alpha1`): the scenarios, providers and
 * evaluation settings that ArenaJobs run.
 */
export class ArenaConfig extends CustomResource implements IArenaConfig {
  /** An ArenaConfig that exists already, by name. */
  public static fromConfigName(name: string): IArenaConfig {
    return { name };
  }

  private readonly props: ArenaConfigProps;

  public constructor(scope: Construct, id: string, props: ArenaConfigProps) {
    super(scope, id, ARENA_CONFIG, requireProps('ArenaConfig', props, {
      sourceName: 'the name of the ArenaSource that provides the scenario bundle, e.g. \'support-bot-scenarios\'',
    }));
    this.props = props;
    if (props.sourceName.trim() === '') {
      throw new Error('\'sourceName\' is empty: name the ArenaSource that provides the scenario bundle');
    }
    if (props.providers && props.providers.length === 0) {
      throw new Error('\'providers\' is empty: list at least one provider, or leave \'providers\' unset');
    }
    const e = props.evaluation;
    if (e?.maxRetries !== undefined && !isIntegerIn(e.maxRetries, 0, 10)) {
      throw new Error(`'evaluation.maxRetries' (${e.maxRetries}) must be an integer from 0 to 10`);
    }
    if (e?.concurrency !== undefined && !isIntegerIn(e.concurrency, 1, 100)) {
      throw new Error(`'evaluation.concurrency' (${e.concurrency}) must be an integer from 1 to 100`);
    }
    if (props.selfPlay?.rounds !== undefined && !isIntegerIn(props.selfPlay.rounds, 1, 2 ** 31 - 1)) {
      throw new Error(`'selfPlay.rounds' (${props.selfPlay.rounds}) must be a positive integer`);
    }
    if (e?.timeout !== undefined && e.timeout.toMilliseconds() <= 0) {
      throw new Error(`'evaluation.timeout' (${e.timeout.toHumanString()}) must be longer than zero`);
    }
    validateReferences('providers', props.providers ?? []);
    validateReferences('toolRegistries', props.toolRegistries ?? []);
    for (const field of ['include', 'exclude'] as const) {
      (props.scenarios?.[field] ?? []).forEach((pattern, i) => {
        if (pattern.trim() === '') throw new Error(`'scenarios.${field}[${i}]' is an empty pattern: give a glob such as 'scenarios/*.yaml' or remove it`);
      });
    }
  }

  protected renderSpec(): ArenaConfigSpec {
    const p = this.props;
    return {
      sourceRef: { name: p.sourceName },
      scenarios: p.scenarios,
      providers: p.providers,
      toolRegistries: p.toolRegistries,
      selfPlay: p.selfPlay && { enabled: p.selfPlay.enabled ?? true, rounds: p.selfPlay.rounds, swapRoles: p.selfPlay.swapRoles },
      evaluation: p.evaluation && {
        metrics: p.evaluation.metrics,
        timeout: p.evaluation.timeout && toGoDuration(p.evaluation.timeout),
        maxRetries: p.evaluation.maxRetries,
        concurrency: p.evaluation.concurrency,
      },
      suspend: p.suspend,
    };
  }
}

function validateReferences(prop: string, refs: readonly ArenaReference[]): void {
  refs.forEach((ref, i) => {
    if (ref.name.trim() === '') throw new Error(`'${prop}[${i}].name' is empty: name the object to reference`);
    if (ref.namespace !== undefined && !DNS_LABEL.test(ref.namespace)) {
      throw new Error(`'${prop}[${i}].namespace' ('${ref.namespace}') must be a DNS-1123 label, or be left unset for the ArenaConfig's namespace`);
    }
  });
}
