import type { ArenaConfig, ArenaConfigStatus, ArenaSource, Provider } from '../../../imports/omnia.altairalabs.ai';
import { Condition, ConditionUpdate, findCondition, setConditions } from '../conditions';

/** A provider the config names, and what the cache holds under that name. */
export interface ObservedProviderRef {
  readonly name: string;
  /** The namespace it was looked up in (the config's when the reference names none). */
  readonly namespace: string;
  readonly provider?: Provider;
}

/** Everything the decision looks at. */
export interface ObservedConfig {
  readonly config: ArenaConfig;
  /** The ArenaSource `spec.sourceRef` names, if it exists. */
  readonly source?: ArenaSource;
  readonly providers: readonly ObservedProviderRef[];
  /** Scenarios in the source's bundle, when the controller read it (a `configmap` source). */
  readonly scenarioCount?: number;
  readonly now: string;
}

type Phase = 'Pending' | 'Ready' | 'Invalid';

interface Verdict {
  readonly phase: Phase;
  readonly reason: string;
  readonly message: string;
}

/**
 * Decides an ArenaConfig's status: `Ready` once its source is Ready and every provider it names
 * is Ready, with `resolvedSource` and `resolvedProviders` filled; `Pending` while one of them has
 * not resolved yet (it may); `Invalid` when one is missing or broken, with a condition naming it.
 * Pure: the transition times come from `now`.
 */
export function decideConfig(observed: ObservedConfig): ArenaConfigStatus {
  const { config, source, now } = observed;
  const prev = config.status ?? {};
  const generation = config.metadata.generation as number | undefined;
  const conditions = prev.conditions as Condition[] | undefined;
  if (config.spec.suspend) {
    return {
      ...prev,
      phase: prev.phase ?? 'Pending',
      observedGeneration: generation,
      conditions: setConditions(conditions, [{ type: 'Ready', status: 'False', reason: 'Suspended', message: 'ArenaConfig is suspended: set spec.suspend to false to validate it again' }], generation, now),
    };
  }
  const sourceVerdict = judgeSource(config, source);
  const providersVerdict = judgeProviders(observed.providers);
  const updates: ConditionUpdate[] = [
    { type: 'SourceResolved', status: sourceVerdict.phase === 'Ready' ? 'True' : 'False', reason: sourceVerdict.reason, message: sourceVerdict.message },
    { type: 'ProvidersValid', status: providersVerdict.phase === 'Ready' ? 'True' : 'False', reason: providersVerdict.reason, message: providersVerdict.message },
  ];
  // Invalid wins over Pending: a user must act on it, while a Pending one may resolve by itself.
  const blocking = [sourceVerdict, providersVerdict].find((v) => v.phase === 'Invalid') ?? [sourceVerdict, providersVerdict].find((v) => v.phase === 'Pending');
  if (blocking) {
    updates.push({ type: 'Ready', status: 'False', reason: blocking.reason, message: blocking.message });
    return {
      phase: blocking.phase,
      observedGeneration: generation,
      conditions: setConditions(conditions, updates, generation, now),
      ...(prev.lastValidatedAt ? { lastValidatedAt: prev.lastValidatedAt } : {}),
    };
  }
  const artifact = source!.status!.artifact!;
  const resolvedSource = {
    revision: artifact.revision,
    url: artifact.url,
    ...(observed.scenarioCount !== undefined ? { scenarioCount: observed.scenarioCount } : {}),
  };
  const resolvedProviders = observed.providers.map((p) => (p.namespace === config.metadata.namespace ? p.name : `${p.namespace}/${p.name}`));
  updates.push({ type: 'Ready', status: 'True', reason: 'Ready', message: `Source ${source!.metadata.name} at ${artifact.revision} and ${resolvedProviders.length} provider(s) resolved` });
  const unchanged = prev.phase === 'Ready' && JSON.stringify(prev.resolvedSource) === JSON.stringify(resolvedSource)
    && JSON.stringify(prev.resolvedProviders) === JSON.stringify(resolvedProviders) && prev.observedGeneration === generation;
  return {
    phase: 'Ready',
    observedGeneration: generation,
    conditions: setConditions(conditions, updates, generation, now),
    resolvedSource,
    resolvedProviders,
    // Moves when the resolution does, not on every reconcile (no status write loop).
    lastValidatedAt: unchanged && prev.lastValidatedAt ? prev.lastValidatedAt : now,
  };
}

function judgeSource(config: ArenaConfig, source: ArenaSource | undefined): Verdict {
  const name = config.spec.sourceRef.name;
  const namespace = config.metadata.namespace ?? 'default';
  if (!source) {
    return { phase: 'Invalid', reason: 'SourceNotFound', message: `ArenaSource ${name} not found in namespace ${namespace}: create it or fix spec.sourceRef.name` };
  }
  const phase = source.status?.phase;
  if (phase === 'Ready' && source.status?.artifact?.url) {
    return { phase: 'Ready', reason: 'SourceResolved', message: `ArenaSource ${name} resolved to ${source.status.artifact.revision ?? source.status.artifact.url}` };
  }
  const why = findCondition(source.status?.conditions as Condition[] | undefined, 'Ready')?.message;
  const said = why ? `: ${why}` : '';
  // Not Ready yet, whatever its phase: a source in Error (a ConfigMap not created yet) may recover by itself.
  return { phase: 'Pending', reason: 'SourceNotReady', message: `ArenaSource ${name} is not Ready yet (phase ${phase ?? 'none'})${said}` };
}

function judgeProviders(providers: readonly ObservedProviderRef[]): Verdict {
  if (providers.length === 0) {
    return { phase: 'Invalid', reason: 'NoProviders', message: 'at least one provider is required: list a Provider in spec.providers' };
  }
  for (const p of providers) {
    if (!p.provider) {
      return { phase: 'Invalid', reason: 'ProviderNotFound', message: `Provider ${p.name} not found in namespace ${p.namespace}: create it or fix spec.providers` };
    }
  }
  for (const p of providers) {
    const phase = p.provider!.status?.phase;
    if (phase === 'Error') {
      const why = findCondition(p.provider!.status?.conditions as Condition[] | undefined, 'Ready')?.message;
      return { phase: 'Invalid', reason: 'ProviderNotReady', message: `Provider ${p.namespace}/${p.name} is in phase Error${why ? `: ${why}` : ''}` };
    }
  }
  const waiting = providers.find((p) => p.provider!.status?.phase !== 'Ready');
  if (waiting) return { phase: 'Pending', reason: 'ProviderNotReady', message: `Provider ${waiting.namespace}/${waiting.name} has not been checked yet` };
  return { phase: 'Ready', reason: 'ProvidersValid', message: `${providers.length} provider(s) Ready` };
}
