import { createHash } from 'node:crypto';
import type { ScenarioRef } from '../arena-job/scenario-filter';

/**
 * What the controller reads from a scenario bundle held in a ConfigMap (an ArenaSource of type
 * `configmap`). The bundle is a PromptKit pack (`pack.json` by default): JSON whose `scenarios`
 * lists the scenarios, as an array of paths (`"scenarios/billing.yaml"`), an array of objects
 * with `path`, `file`, `id` or `name`, or an object keyed by scenario. Anything else is still a
 * bundle the workers can read, but the controller does not know its scenarios.
 */
export interface BundleFacts {
  /** `sha256:<hex>` of the bundle's bytes: it changes exactly when the content does. */
  readonly revision: string;
  /** SHA-256 of the bundle, hex. */
  readonly checksum: string;
  /** Size in bytes. */
  readonly size: number;
  /** Scenarios in bundle order; undefined when the bundle does not list them. */
  readonly scenarios?: ScenarioRef[];
}

/** Revision, checksum, size and scenarios of a bundle's text. */
export function bundleFacts(content: string | Buffer): BundleFacts {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf-8') : content;
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const scenarios = scenariosOf(bytes.toString('utf-8'));
  return { revision: `sha256:${checksum}`, checksum, size: bytes.length, ...(scenarios ? { scenarios } : {}) };
}

/** The bundle's text from a ConfigMap's `data` or `binaryData` (base64), or undefined. */
export function bundleContent(configMap: { data?: Record<string, string>; binaryData?: Record<string, string> }, key: string): Buffer | undefined {
  const text = configMap.data?.[key];
  if (text !== undefined) return Buffer.from(text, 'utf-8');
  const binary = configMap.binaryData?.[key];
  return binary !== undefined ? Buffer.from(binary, 'base64') : undefined;
}

function scenariosOf(text: string): ScenarioRef[] | undefined {
  let pack: unknown;
  try {
    pack = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!pack || typeof pack !== 'object') return undefined;
  const listed = (pack as { scenarios?: unknown }).scenarios;
  if (Array.isArray(listed)) {
    const names = listed.map(scenarioName);
    return names.every((n): n is ScenarioRef => n !== undefined) ? names : undefined;
  }
  if (listed && typeof listed === 'object') return Object.keys(listed).map((path) => ({ path }));
  return undefined;
}

function scenarioName(entry: unknown): ScenarioRef | undefined {
  if (typeof entry === 'string' && entry !== '') return { path: entry };
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  const text = (field: string) => (typeof e[field] === 'string' && e[field] !== '' ? e[field] as string : undefined);
  const path = text('path') ?? text('file') ?? text('id') ?? text('name');
  if (path === undefined) return undefined;
  const id = text('id');
  return id !== undefined && id !== path ? { path, id } : { path };
}
