import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuildScript } from '../build-script';

/** An opt-in tier of the cluster test harness (README.md next to this file). */
export type Tier = 'scheduling' | 'operators';

/** One Go module a tier builds, as pinned in TIER_MODULES. */
export interface PinnedModule {
  readonly name: string;
  readonly tier: Tier;
  readonly module: string;
  readonly version: string;
  readonly mainPackage: string;
  /** The upstream directory copied next to the binary (CRDs, webhooks, RBAC). */
  readonly manifests: string;
}

/** Where the build put one component: `<dir>/bin/<name>` and, for upstream modules, `<dir>/manifests/`. */
export interface BuiltComponent {
  readonly name: string;
  readonly binary: string;
  readonly manifestsDir: string;
}

/** The file that pins every tier module's version: the one place to change them. */
export const TIER_MODULES_FILE = path.join(__dirname, 'TIER_MODULES');
const BUILD_SCRIPT = path.join(__dirname, '..', 'build-tier-binaries.sh');

/** The modules pinned in {@link TIER_MODULES_FILE}. */
export function pinnedModules(): PinnedModule[] {
  return fs.readFileSync(TIER_MODULES_FILE, 'utf8').split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, tier, module, version, mainPackage, manifests] = line.split(/\s+/);
      return { name, tier: tier as Tier, module, version, mainPackage, manifests };
    });
}

/** Options of {@link ensureTierBinaries}. */
export interface EnsureTierOptions {
  /** The build is killed (its whole process group) after this long (default 55 min). */
  readonly timeoutMs?: number;
  /** Aborting kills the build (its whole process group), e.g. when the caller's `beforeAll` gave up. */
  readonly signal?: AbortSignal;
}

/** Default bound of one tier build: a cold one takes minutes (README.md), far less than this. */
export const TIER_BUILD_TIMEOUT_MS = 55 * 60_000;

/**
 * Builds (or reuses from ~/.cache/kubejobs/tiers) every binary of `tier` with
 * `build-tier-binaries.sh`, forwarding its progress to stderr. A cold build takes minutes
 * (README.md), so callers need a long timeout. The script runs in its own process group, killed
 * with every `go build` under it on timeout, on abort, or when this process exits, so no build
 * outlives the test that started it.
 */
export async function ensureTierBinaries(tier: Tier, options: EnsureTierOptions = {}): Promise<Map<string, BuiltComponent>> {
  const stdout = await runBuildScript(BUILD_SCRIPT, [tier], { timeoutMs: options.timeoutMs ?? TIER_BUILD_TIMEOUT_MS, signal: options.signal });
  const built = new Map<string, BuiltComponent>();
  for (const line of stdout.trim().split('\n')) {
    const [name, dir] = line.split('\t');
    if (!name || !dir) continue;
    built.set(name, { name, binary: path.join(dir, 'bin', name), manifestsDir: path.join(dir, 'manifests') });
  }
  const missing = [...built.values()].filter((c) => !fs.existsSync(c.binary)).map((c) => c.binary);
  if (missing.length > 0) {
    throw new Error(`${BUILD_SCRIPT} ${tier} reported binaries that do not exist: ${missing.join(', ')}`);
  }
  return built;
}

/** The component `name` of a build, or an error naming what the build produced. */
export function component(built: ReadonlyMap<string, BuiltComponent>, name: string): BuiltComponent {
  const c = built.get(name);
  if (!c) throw new Error(`the tier build produced no '${name}' (it produced: ${[...built.keys()].join(', ')})`);
  return c;
}
