import type { ArenaConfig, ArenaSource, Provider } from '../../../imports/omnia.altairalabs.ai';
import { DEFAULT_BUNDLE_KEY } from '../../api/arena-source';
import { ARENA_TYPES } from '../arena-chain-types';
import { lookUpBundle } from '../arena-source/reconciler';
import { Informer, keyOf, splitKey } from '../informer';
import { KubeObject } from '../kube-client';
import { Reconciler, ReconcileContext, ReconcileResult, WatchedType } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { decideConfig, ObservedProviderRef } from './decide';

function configs(primary: Informer<KubeObject>): ArenaConfig[] {
  return primary.list() as unknown as ArenaConfig[];
}

/** The namespace a provider reference of `config` points into. */
function providerNamespace(config: ArenaConfig, ref: { namespace?: string }): string {
  return ref.namespace ?? config.metadata.namespace ?? 'default';
}

/**
 * The ArenaConfig reconciler: Ready when its ArenaSource and every Provider it names are Ready.
 * It watches both kinds, so a config follows them without polling.
 */
export class ArenaConfigReconciler implements Reconciler {
  public readonly name = 'arenaconfig';
  public readonly primary = ARENA_TYPES.config;
  public readonly owned = [];
  public readonly watched: WatchedType[] = [
    {
      ...ARENA_TYPES.source,
      keysFor: (source, primary) => configs(primary)
        .filter((c) => c.metadata.namespace === source.metadata?.namespace && c.spec.sourceRef.name === source.metadata?.name)
        .map((c) => keyOf(c.metadata.namespace, c.metadata.name!)),
    },
    {
      ...ARENA_TYPES.provider,
      keysFor: (provider, primary) => configs(primary)
        .filter((c) => (c.spec.providers ?? []).some((p) => p.name === provider.metadata?.name
          && providerNamespace(c, p) === provider.metadata?.namespace))
        .map((c) => keyOf(c.metadata.namespace, c.metadata.name!)),
    },
  ];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const config = ctx.primary.get(namespace, name) as unknown as ArenaConfig | undefined;
    if (!config || config.metadata.deletionTimestamp) return {};
    const source = ctx.watched(ARENA_TYPES.source.kind).get(namespace, config.spec.sourceRef.name) as unknown as ArenaSource | undefined;
    const providers: ObservedProviderRef[] = (config.spec.providers ?? []).map((ref) => {
      const ns = providerNamespace(config, ref);
      return { name: ref.name, namespace: ns, provider: ctx.watched(ARENA_TYPES.provider.kind).get(ns, ref.name) as unknown as Provider | undefined };
    });
    let scenarioCount: number | undefined;
    const artifact = source?.status?.artifact;
    if (source?.spec.type === 'configmap' && source.spec.configMap && source.status?.phase === 'Ready' && artifact) {
      const bundle = await lookUpBundle(ctx, namespace!, source.spec.configMap.name, source.spec.configMap.key ?? DEFAULT_BUNDLE_KEY);
      // Counted only from the revision the source reported: a newer one is counted once the source has seen it.
      if (bundle.kind === 'found' && bundle.facts.revision === artifact.revision) scenarioCount = bundle.facts.scenarios?.length;
    }
    const status = decideConfig({ config, source, providers, scenarioCount, now: new Date().toISOString() });
    const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.config, config as never, status);
    if (updated !== (config as never) && config.status?.phase !== status.phase) {
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      void ctx.events.record(updated, status.phase === 'Ready' ? 'Normal' : 'Warning', ready?.reason ?? String(status.phase), ready?.message ?? '');
    }
    return {};
  }
}
