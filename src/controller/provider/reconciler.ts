import type { Provider } from '../../../imports/omnia.altairalabs.ai';
import { ARENA_TYPES } from '../arena-chain-types';
import { objectPath, splitKey } from '../informer';
import { Reconciler, ReconcileContext, ReconcileResult } from '../reconciler';
import { writeStatusIfChanged } from '../write-status';
import { decideProvider, SecretLookup } from './decide';
import { SECRET } from '../resource-types';


/**
 * The Provider reconciler: checks that the Secret a Provider names holds its API key. The Secret
 * is read (never listed or watched: only the one named), and only its key names are kept.
 */
export class ProviderReconciler implements Reconciler {
  public readonly name = 'provider';
  public readonly primary = ARENA_TYPES.provider;
  public readonly owned = [];

  public async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const provider = ctx.primary.get(namespace, name) as unknown as Provider | undefined;
    if (!provider || provider.metadata.deletionTimestamp) return {};
    let secret: SecretLookup | undefined;
    const ref = provider.spec.secretRef;
    if (ref) {
      const s = await ctx.client.get<{ data?: Record<string, string> }>(objectPath(SECRET, namespace!, ref.name));
      secret = s ? { found: true, keys: Object.keys(s.data ?? {}) } : { found: false };
    }
    const plan = decideProvider({ provider, secret, now: new Date().toISOString() });
    const updated = await writeStatusIfChanged(ctx, ARENA_TYPES.provider, provider as never, plan.status);
    if (updated !== (provider as never) && provider.status?.phase !== plan.status.phase) {
      const ready = plan.status.conditions?.find((c) => c.type === 'Ready');
      void ctx.events.record(updated, plan.status.phase === 'Ready' ? 'Normal' : 'Warning', ready?.reason ?? String(plan.status.phase), ready?.message ?? '');
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  }
}
