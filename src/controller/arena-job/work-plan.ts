import { effectiveScenarioFilter, filterScenarios } from './scenario-filter';
import { WorkItem, workerItems, workItems } from './work-items';
import { desiredParallelism, workerPool } from './worker-scaling';
import type { ArenaConfig, ArenaJob } from '../../../imports/omnia.altairalabs.ai';
import { CONFIGMAP_URL_SCHEME } from '../arena-source/decide';
import { lookUpBundle } from '../arena-source/reconciler';
import { ReconcileContext } from '../reconciler';

/** The work of a new worker Job: its items and how many workers start. */
export interface WorkPlan {
  readonly items: WorkItem[];
  readonly initialParallelism: number;
  /** How the items were found, for the JobCreated event. */
  readonly basis: string;
}

/** Where a config's bundle lives when it is a ConfigMap the controller can read. */
function configMapOf(url: string | undefined): { namespace: string; name: string; key: string } | undefined {
  if (!url?.startsWith(CONFIGMAP_URL_SCHEME)) return undefined;
  const [namespace, name, ...key] = url.slice(CONFIGMAP_URL_SCHEME.length).split('/');
  return namespace && name && key.length > 0 ? { namespace, name, key: key.join('/') } : undefined;
}

/**
 * The work items of a new run. With a `configmap` source whose bundle lists its scenarios, one
 * item per selected scenario x resolved provider; otherwise upstream's one item per worker (the
 * workers read the bundle and share the work themselves).
 */
export async function planWork(ctx: ReconcileContext, job: ArenaJob, config: ArenaConfig): Promise<WorkPlan> {
  const pool = workerPool(job.spec.workers);
  const resolved = config.status?.resolvedSource;
  const cm = configMapOf(resolved?.url);
  // Only a bundle in the job's own namespace: the URL is read from a status, and the controller's
  // right to read ConfigMaps must not reach into a namespace the job's author cannot read.
  if (cm && cm.namespace === (job.metadata?.namespace ?? 'default')) {
    const bundle = await lookUpBundle(ctx, cm.namespace, cm.name, cm.key);
    // Only the revision the config resolved: a newer bundle runs once the config has seen it.
    if (bundle.kind === 'found' && bundle.facts.revision === resolved?.revision && bundle.facts.scenarios) {
      const filter = effectiveScenarioFilter(job.spec.scenarios, config.spec.scenarios);
      const selected = filterScenarios(bundle.facts.scenarios, filter);
      const items = workItems(selected.map((s) => s.path), config.status?.resolvedProviders ?? []);
      const start = items.length === 0 ? 0 : desiredParallelism(pool, { total: items.length, completed: 0, failed: 0, pending: items.length });
      return {
        items,
        initialParallelism: start,
        basis: `${selected.length} of ${bundle.facts.scenarios.length} scenarios x ${(config.status?.resolvedProviders ?? []).length} provider(s)`,
      };
    }
  }
  const items = workerItems(pool.fixed ? pool.max : pool.min);
  return { items, initialParallelism: items.length, basis: 'one per worker: the workers share the scenarios' };
}
