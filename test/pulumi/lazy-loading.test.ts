import { spawnSync } from 'child_process';
import { join } from 'path';

// `@pulumi/*` are optional peer dependencies: a cdk8s-only user installs neither, so loading
// `kubejobs` must never load them. Only `src/pulumi/` (`kubejobs/pulumi`) may. Checked in a plain
// Node process, whose require cache is the real one (jest's module registry is not).
const root = join(__dirname, '..', '..');

function pulumiModulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/]@pulumi[\\\\/]/.test(p))));`;
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: root, encoding: 'utf-8', env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', NODE_NO_WARNINGS: '1' },
  });
  if (run.status !== 0) throw new Error(`node failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

test('loading kubejobs (src/index.ts) loads no @pulumi module', () => {
  expect(pulumiModulesLoadedBy('./src')).toEqual([]);
}, 60_000);

test('loading kubejobs/pulumi (src/pulumi/index.ts) does load them, so the check above can fail', () => {
  expect(pulumiModulesLoadedBy('./src/pulumi')).toEqual(expect.arrayContaining([
    expect.stringMatching(/@pulumi[\\/]pulumi[\\/]/), expect.stringMatching(/@pulumi[\\/]kubernetes[\\/]/),
  ]));
}, 60_000);
