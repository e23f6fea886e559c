import { execFileSync, execSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { validateManifest } from '../src/api';

// The README's cdk8s quickstart, pasted into a new project that installs kubejobs from a packed
// tarball of this checkout (the same files `npm publish` would ship).
const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf-8');
const section = readme.slice(readme.indexOf('## Quickstart (cdk8s)'), readme.indexOf('## Quickstart (Pulumi)'));

test('the README quickstart synthesises a valid GenericJob in a new project', () => {
  const work = mkdtempSync(join(tmpdir(), 'kubejobs-quickstart-'));
  try {
    const quiet = { stdio: ['ignore', 'pipe', 'pipe'] as any, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } };
    execFileSync('npx', ['tsc', '--build'], { cwd: root, ...quiet });
    execFileSync('npm', ['pack', '--pack-destination', work], { cwd: root, ...quiet });
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);

    const [setup, , run] = [...section.matchAll(/```(?:sh|ts)\n([\s\S]*?)```/g)].map((m) => m[1]);
    const mainTs = [...section.matchAll(/```ts\n([\s\S]*?)```/g)][0][1];
    const project = join(work, 'my-jobs');
    mkdirSync(project);
    // Line by line as a user would type it, with the published name pointing at the tarball.
    for (const line of setup.split('\n').filter((l) => l.trim()).slice(1)) {
      execSync(line.replace('npm install kubejobs ', `npm install ${tarball} `).replace(/npm install/g, 'npm install --no-audit --no-fund --prefer-offline'), { cwd: project, ...quiet });
    }
    writeFileSync(join(project, 'main.ts'), mainTs);
    execSync(run.split('\n')[0].replace(/#.*/, '') + ' --check-upgrade=false', { cwd: project, ...quiet });

    const manifest = parse(readFileSync(join(project, 'dist', 'training.k8s.yaml'), 'utf-8'));
    expect(manifest.kind).toEqual('GenericJob');
    expect(manifest.spec.replicaSpecs[0].replicas).toEqual(4);
    expect(manifest.spec.successRules).toEqual([{ worker: [0] }]);
    expect(validateManifest(manifest)).toEqual([]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 600_000);
