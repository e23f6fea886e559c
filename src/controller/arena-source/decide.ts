import type { ArenaSource, ArenaSourceStatus } from '../../../imports/omnia.altairalabs.ai';
import { DEFAULT_BUNDLE_KEY } from '../../api/arena-source';
import { Condition, ConditionUpdate, setConditions } from '../conditions';
import { BundleFacts } from './bundle';

/** What the reconciler found where a `configmap` source points (nothing to look at for git and oci). */
export type BundleLookup =
  | { readonly kind: 'remote' }
  | { readonly kind: 'configMapMissing' }
  | { readonly kind: 'keyMissing'; readonly keys: readonly string[] }
  | { readonly kind: 'found'; readonly facts: BundleFacts };

/** Everything the decision looks at. */
export interface ObservedSource {
  readonly source: ArenaSource;
  readonly bundle: BundleLookup;
  /** Now, ISO 8601. */
  readonly now: string;
}

/** What the reconciler writes and when it looks again. */
export interface SourcePlan {
  readonly status: ArenaSourceStatus;
  /** Check the source again after this long (its `interval`); undefined while suspended. */
  readonly requeueAfterMs?: number;
}

/** The URL scheme of a bundle in a ConfigMap: `configmap://<namespace>/<name>/<key>`. */
export const CONFIGMAP_URL_SCHEME = 'configmap://';

/** Milliseconds of a Go duration such as `1h30m` or `500ms` (upstream's `interval` pattern). */
export function goDurationMs(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

/** Shortest pause between two checks, whatever `interval` says (`0s` would spin). */
const MIN_INTERVAL_MS = 1_000;

interface Resolution {
  readonly phase: 'Ready' | 'Error';
  readonly reason: string;
  readonly message: string;
  readonly artifact?: NonNullable<ArenaSourceStatus['artifact']>;
}

/**
 * Decides an ArenaSource's status. Git and OCI sources are not fetched by the controller: they are
 * Ready with their URL and the revision the spec names, and the workers fetch them. A ConfigMap
 * source is read: its revision is the content hash, so a changed bundle is a new revision.
 */
export function decideSource(observed: ObservedSource): SourcePlan {
  const { source, now } = observed;
  const prev = source.status ?? {};
  const generation = source.metadata.generation as number | undefined;
  const conditions = prev.conditions as Condition[] | undefined;
  if (source.spec.suspend) {
    const status: ArenaSourceStatus = {
      ...prev,
      phase: prev.phase ?? 'Pending',
      observedGeneration: generation,
      conditions: setConditions(conditions, [{ type: 'Ready', status: 'False', reason: 'Suspended', message: 'ArenaSource is suspended: set spec.suspend to false to check it again' }], generation, now),
    };
    return { status };
  }
  const r = resolve(observed);
  const intervalMs = Math.max(MIN_INTERVAL_MS, goDurationMs(source.spec.interval));
  const updates: ConditionUpdate[] = [
    { type: 'Ready', status: r.phase === 'Ready' ? 'True' : 'False', reason: r.reason, message: r.message },
    { type: 'ArtifactAvailable', status: r.artifact ? 'True' : 'False', reason: r.reason, message: r.message },
  ];
  const artifact = r.artifact && {
    ...r.artifact,
    lastUpdateTime: prev.artifact?.revision === r.artifact.revision && prev.artifact?.lastUpdateTime ? prev.artifact.lastUpdateTime : now,
  };
  const core: ArenaSourceStatus = {
    phase: r.phase,
    observedGeneration: generation,
    conditions: setConditions(conditions, updates, generation, now),
    ...(artifact ? { artifact } : {}),
  };
  // The fetch times move once per interval, not on every reconcile: otherwise each status write
  // would trigger the next one.
  const nowMs = Date.parse(now);
  const nextMs = prev.nextFetchTime ? Date.parse(prev.nextFetchTime) : NaN;
  const changed = prev.phase !== core.phase || prev.observedGeneration !== generation || prev.artifact?.revision !== artifact?.revision
    || JSON.stringify(prev.conditions) !== JSON.stringify(core.conditions);
  if (!changed && nextMs > nowMs) {
    return { status: { ...core, lastFetchTime: prev.lastFetchTime, nextFetchTime: prev.nextFetchTime }, requeueAfterMs: nextMs - nowMs };
  }
  return {
    status: { ...core, lastFetchTime: now, nextFetchTime: new Date(nowMs + intervalMs).toISOString() },
    requeueAfterMs: intervalMs,
  };
}

function resolve(observed: ObservedSource): Resolution {
  const { source, bundle } = observed;
  const spec = source.spec;
  const namespace = source.metadata.namespace ?? 'default';
  switch (spec.type) {
    case 'git': {
      const git = spec.git!;
      const revision = git.ref?.commit ?? git.ref?.tag ?? git.ref?.branch ?? 'HEAD';
      return {
        phase: 'Ready',
        reason: 'Resolved',
        message: `Git repository ${git.url} at ${revision}: workers clone it themselves`,
        artifact: { url: git.path ? `${git.url}#${git.path}` : git.url, revision },
      };
    }
    case 'oci': {
      const oci = spec.oci!;
      return {
        phase: 'Ready',
        reason: 'Resolved',
        message: `OCI artifact ${oci.url}: workers pull it themselves`,
        artifact: { url: oci.url, revision: ociRevision(oci.url) },
      };
    }
    default: {
      const name = spec.configMap!.name;
      const key = spec.configMap!.key ?? DEFAULT_BUNDLE_KEY;
      if (bundle.kind === 'configMapMissing' || bundle.kind === 'remote') {
        return { phase: 'Error', reason: 'ConfigMapNotFound', message: `ConfigMap ${name} not found in namespace ${namespace}: create it with the bundle under key '${key}'` };
      }
      if (bundle.kind === 'keyMissing') {
        const has = bundle.keys.length > 0 ? `it has ${bundle.keys.map((k) => `'${k}'`).join(', ')}` : 'it has no keys';
        return { phase: 'Error', reason: 'BundleKeyNotFound', message: `ConfigMap ${name} has no key '${key}' (${has}): add the bundle under '${key}' or set spec.configMap.key` };
      }
      const facts = bundle.facts;
      const scenarios = facts.scenarios ? `${facts.scenarios.length} scenarios` : 'scenarios not listed in the bundle';
      return {
        phase: 'Ready',
        reason: 'Resolved',
        message: `ConfigMap ${name} key '${key}' at ${facts.revision.slice(0, 19)} (${scenarios})`,
        artifact: { url: `${CONFIGMAP_URL_SCHEME}${namespace}/${name}/${key}`, revision: facts.revision, checksum: facts.checksum, size: facts.size },
      };
    }
  }
}

/** The tag or digest of an `oci://` URL, `latest` when it names neither. */
function ociRevision(url: string): string {
  const at = url.indexOf('@');
  if (at >= 0) return url.slice(at + 1);
  const lastSegment = url.slice(url.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon >= 0 ? lastSegment.slice(colon + 1) : 'latest';
}

