import { execFileSync } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';

/** The cdk8s example apps: every folder of `examples/` with a `cdk8s.yaml`. */
export function cdk8sExampleDirs(root: string = join(__dirname, '..', 'examples')): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'cdk8s.yaml')))
    .map((d) => join(root, d.name))
    .sort();
}

/**
 * Runs the real `cdk8s synth` (cdk8s-cli) in an example folder, writing to `outdir`. The upgrade
 * check is off: it would reach out to the internet and print noise.
 */
export function cdk8sSynth(exampleDir: string, outdir: string): void {
  const cli = join(__dirname, '..', 'node_modules', '.bin', 'cdk8s');
  execFileSync(cli, ['synth', '--check-upgrade=false', '--output', outdir], {
    cwd: exampleDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
}
