import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBuildScript } from '../../cluster/build-script';

/** The file that pins the Pulumi CLI and Kubernetes provider versions: the one place to change them. */
export const PULUMI_VERSIONS_FILE = path.join(__dirname, '..', '..', 'cluster', 'pulumi', 'PULUMI_VERSIONS');
const BUILD_SCRIPT = path.join(__dirname, '..', '..', 'cluster', 'build-pulumi.sh');

/** A cold build of the CLI and the provider takes about 13 min on 2 idle cores (README.md); allow for a loaded machine. */
export const PULUMI_BUILD_TIMEOUT_MS = 75 * 60_000;

/** The Pulumi engine the tests run. */
export interface PulumiEngine {
  /** `<root>/bin/pulumi` and `<root>/bin/pulumi-resource-kubernetes`: the layout `PulumiCommand.get({ root })` expects. */
  readonly root: string;
  /** The directory of the provider plugin, for a project's `plugins.providers[].path`. */
  readonly pluginDir: string;
  /** e.g. `v3.274.1`. */
  readonly cliVersion: string;
  /** e.g. `4.25.0`. */
  readonly providerVersion: string;
}

/** The pinned versions, by name (first column of {@link PULUMI_VERSIONS_FILE}). */
export function pinnedPulumiVersions(): Map<string, { module: string; version: string }> {
  const pins = new Map<string, { module: string; version: string }>();
  for (const line of fs.readFileSync(PULUMI_VERSIONS_FILE, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [name, module, version] = trimmed.split(/\s+/);
    pins.set(name, { module, version });
  }
  return pins;
}

function pin(name: string): string {
  const found = pinnedPulumiVersions().get(name);
  if (!found) throw new Error(`${PULUMI_VERSIONS_FILE} pins no '${name}'`);
  return found.version;
}

/**
 * Builds (or reuses from ~/.cache/kubejobs/pulumi) the pulumi CLI and the Kubernetes provider with
 * `build-pulumi.sh`, which says what it does on stderr. A cold build takes many minutes, so callers
 * need a long timeout.
 */
export async function ensurePulumiEngine(signal?: AbortSignal): Promise<PulumiEngine> {
  const stdout = await runBuildScript(BUILD_SCRIPT, [], { timeoutMs: PULUMI_BUILD_TIMEOUT_MS, signal });
  const root = stdout.trim().split('\n').pop() ?? '';
  const pluginDir = path.join(root, 'bin');
  for (const binary of ['pulumi', 'pulumi-resource-kubernetes']) {
    if (!fs.existsSync(path.join(pluginDir, binary))) {
      throw new Error(`${BUILD_SCRIPT} reported ${root}, which holds no bin/${binary}`);
    }
  }
  return { root, pluginDir, cliVersion: pin('cli'), providerVersion: pin('provider-version') };
}
