import type { ArenaSource } from '../../../imports/omnia.altairalabs.ai';
import { DEFAULT_BUNDLE_KEY } from '../../api/arena-source';
import { ARENA_TYPES } from '../arena-chain-types';
import { objectPath, splitKey } from '../informer';
import { Reconciler, ReconcileContext, ReconcileResult } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { bundleContent, bundleFacts } from './bundle';
import { BundleLookup, decideSource } from './decide';
import { CONFIG_MAP } from '../resource-types';

/** A ConfigMap as the reconciler reads it. */
export interface ObservedConfigMap {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}


/** Reads a ConfigMap bundle: the ConfigMap is read (never watched: ConfigMaps are many) at each `interval`. */
export async function lookUpBundle(ctx: ReconcileContext, namespace: string, name: string, key: string): Promise<BundleLookup> {
  const cm = await ctx.client.get<ObservedConfigMap>(objectPath(CONFIG_MAP, namespace, name));
  if (!cm) return { kind: 'configMapMissing' };
  const content = bundleContent(cm, key);
  if (content === undefined) return { kind: 'keyMissing', keys: [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})].sort() };
  return { kind: 'found', facts: bundleFacts(content) };
}

/**
 * The ArenaSource reconciler: a `configmap` source is resolved here (revision = content hash);
 * `git` and `oci` sources are Ready with their URL and revision, and fetched by the workers.
 */
export class ArenaSourceReconciler implements Reconciler {
  public readonly name = 'arenasource';
  public readonly primary = ARENA_TYPES.source;
  public readonly owned = [];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const source = ctx.primary.get(namespace, name) as unknown as ArenaSource | undefined;
    if (!source || source.metadata.deletionTimestamp) return {};
    const cm = source.spec.type === 'configmap' && source.spec.configMap && !source.spec.suspend
      ? await lookUpBundle(ctx, namespace!, source.spec.configMap.name, source.spec.configMap.key ?? DEFAULT_BUNDLE_KEY)
      : { kind: 'remote' as const };
    const plan = decideSource({ source, bundle: cm, now: new Date().toISOString() });
    const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.source, source as never, plan.status);
    if (updated !== (source as never) && source.status?.phase !== plan.status.phase) {
      const ok = plan.status.phase === 'Ready';
      const ready = plan.status.conditions?.find((c) => c.type === 'Ready');
      void ctx.events.record(updated, ok ? 'Normal' : 'Warning', ready?.reason ?? String(plan.status.phase), ready?.message ?? '');
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }
}
