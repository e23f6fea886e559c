import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file that pins the Pulumi engine the tests build and run (the CLI and the Kubernetes provider
 * plugin): the one place these versions are written. build-pulumi.sh, the tests and .projenrc.ts
 * (the `@pulumi/kubernetes` SDK the tests install, and the peer range's floor) all read it.
 */
export const PULUMI_VERSIONS_FILE = join(__dirname, '..', 'test', 'cluster', 'pulumi', 'PULUMI_VERSIONS');

/** The version pinned under `name` (first column) in {@link PULUMI_VERSIONS_FILE}. */
export function pinnedPulumiVersion(name: string): string {
  for (const line of readFileSync(PULUMI_VERSIONS_FILE, 'utf8').split('\n')) {
    const [pinName, , version] = line.trim().split(/\s+/);
    if (pinName === name && !line.trim().startsWith('#')) return version;
  }
  throw new Error(`${PULUMI_VERSIONS_FILE} pins no '${name}'`);
}
