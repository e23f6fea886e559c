import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/**
 * Builds (or reuses from ~/.cache/kubejobs/tiers) every binary of `tier` with
 * `build-tier-binaries.sh`, forwarding its progress to stderr. A cold build takes minutes
 * (README.md), so callers need a long timeout.
 */
export async function ensureTierBinaries(tier: Tier): Promise<Map<string, BuiltComponent>> {
  return new Promise((resolve, reject) => {
    const child = execFile('bash', [BUILD_SCRIPT, tier], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${BUILD_SCRIPT} ${tier} failed (${err.message.split('\n')[0]}):\n${stderr.split('\n').slice(-40).join('\n')}`));
        return;
      }
      const built = new Map<string, BuiltComponent>();
      for (const line of stdout.trim().split('\n')) {
        const [name, dir] = line.split('\t');
        if (!name || !dir) continue;
        built.set(name, { name, binary: path.join(dir, 'bin', name), manifestsDir: path.join(dir, 'manifests') });
      }
      const missing = [...built.values()].filter((c) => !fs.existsSync(c.binary)).map((c) => c.binary);
      if (missing.length > 0) {
        reject(new Error(`${BUILD_SCRIPT} ${tier} reported binaries that do not exist: ${missing.join(', ')}`));
        return;
      }
      resolve(built);
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  });
}

/** The component `name` of a build, or an error naming what the build produced. */
export function component(built: ReadonlyMap<string, BuiltComponent>, name: string): BuiltComponent {
  const c = built.get(name);
  if (!c) throw new Error(`the tier build produced no '${name}' (it produced: ${[...built.keys()].join(', ')})`);
  return c;
}
