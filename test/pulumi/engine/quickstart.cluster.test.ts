import { execSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInOwnProcessGroup } from './engine-processes';
import { readLive } from './live-objects';
import { ensurePulumiEngine, PULUMI_BUILD_TIMEOUT_MS, PulumiEngine } from './pulumi-engine';
import { testWorkspaceSettings } from './test-stack';
import { useControlPlane } from '../../cluster/use-control-plane';
import { cloneAndPack, pulumiQuickstartSection, QUIET } from '../../quickstart-project';

// The README's Pulumi quickstart as a new project outside the repository: the packed kubejobs
// installed with the README's npm command, the README's index.ts compiled with tsc, and `up` and
// `destroy` by the real engine through the Automation API, in a process of its own.
//
// What a test cannot do as written: `pulumi new typescript` fetches its template from the
// internet, so the test writes the template's package.json and tsconfig.json itself; the git URL
// becomes the tarball packed from this checkout; `@pulumi/kubernetes` is installed at the version
// this repository tests with (the version of the provider the engine runs); and `pulumi up` becomes
// an inline program that requires the compiled index.js.

const repo = join(__dirname, '..', '..', '..');
const plane = useControlPlane();
let engine: PulumiEngine;
let work: string | undefined;
let project: string;
let pulumiHome: string;
let pulumiCalls: string;
beforeAll(async () => {
  engine = await ensurePulumiEngine();
  work = mkdtempSync(join(tmpdir(), 'kubejobs-pulumi-quickstart-'));
  const tarball = cloneAndPack(work);

  const blocks = [...pulumiQuickstartSection().matchAll(/```(sh|ts)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
  const [setupLine, installLine] = blocks[0].text.split('\n').filter((l) => l.trim());
  const indexTs = blocks.find((b) => b.lang === 'ts')!.text;
  if (setupLine !== 'mkdir my-stack && cd my-stack && pulumi new typescript --yes') throw new Error(`the README's Pulumi setup command changed: ${setupLine}`);
  project = join(work, 'my-stack');
  mkdirSync(project);
  // What `pulumi new typescript` writes, minus what only the CLI's own program runner reads.
  const versionOf = (pkg: string): string => JSON.parse(readFileSync(join(repo, 'node_modules', pkg, 'package.json'), 'utf-8')).version;
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'my-stack',
    main: 'index.js',
    dependencies: { '@pulumi/pulumi': versionOf('@pulumi/pulumi') },
    devDependencies: { '@types/node': versionOf('@types/node'), 'typescript': versionOf('typescript') },
  }, null, 2));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, outDir: '.', target: 'es2020', module: 'commonjs', moduleResolution: 'node', sourceMap: false, skipLibCheck: true, esModuleInterop: true },
    files: ['index.ts'],
  }, null, 2));
  const install = installLine.replace(/\s+#.*$/, '')
    .replace('git+https://github.com/kubejobs/kubejobs.git', tarball)
    .replace(/@pulumi\/kubernetes(\s|$)/, `@pulumi/kubernetes@${versionOf('@pulumi/kubernetes')}$1`);
  if (!install.startsWith('npm install ') || !install.includes(tarball)) throw new Error(`the README's Pulumi install command changed: ${installLine}`);
  // No install script runs (@pulumi/kubernetes' would try `pulumi plugin install`, a download), and
  // should anything call pulumi anyway, it finds a PULUMI_HOME of this test's own, no update check
  // and no plugin download.
  pulumiHome = join(work, 'pulumi-home');
  // A `pulumi` first on PATH that only records that it was called: an install script that ran
  // would call it (@pulumi/kubernetes' runs `pulumi plugin install`).
  pulumiCalls = join(work, 'pulumi-calls');
  const recorder = join(work, 'recorder-bin');
  mkdirSync(recorder);
  writeFileSync(join(recorder, 'pulumi'), `#!/bin/sh\necho "$*" >> '${pulumiCalls}'\n`, { mode: 0o755 });
  execSync(`${install} --ignore-scripts`, {
    cwd: project,
    ...QUIET,
    env: {
      ...QUIET.env,
      npm_config_ignore_scripts: 'true',
      PULUMI_HOME: pulumiHome,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PATH: `${recorder}:${process.env.PATH}`,
    },
  });
  writeFileSync(join(project, 'index.ts'), indexTs);
  // Compiled and type-checked against the installed package, as the Pulumi Node.js runtime would.
  const tsc = spawnSync(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, encoding: 'utf-8', env: QUIET.env });
  if (tsc.status !== 0) throw new Error(`tsc rejected the quickstart's index.ts (${tsc.status ?? tsc.signal}):\n${tsc.stdout}${tsc.stderr}`);
  copyFileSync(join(__dirname, 'quickstart-driver.js'), join(project, 'quickstart-driver.js'));
}, PULUMI_BUILD_TIMEOUT_MS);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * Runs the driver in a process group of its own (killed with whatever it started once it exits or
 * times out); its JSON result, or a failure with the engine's output.
 */
async function drive(action: 'up' | 'destroy'): Promise<Record<string, any>> {
  const settings = testWorkspaceSettings(engine, project, plane().kubeconfigPath, 'my-stack');
  const r = await runInOwnProcessGroup(process.execPath, ['quickstart-driver.js', action], {
    cwd: project,
    timeoutMs: 600_000,
    env: { ...process.env, KUBEJOBS_TEST_WORKSPACE: JSON.stringify(settings), KUBEJOBS_TEST_PULUMI_ROOT: engine.root },
  });
  if (r.status !== 0) throw new Error(`quickstart ${action} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-6000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const genericJob = { apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name: 'train', namespace: 'default' } };
const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'genericjobs.batch.tensorstack.dev' } };

test('installing the quickstart\'s packages ran no install script: pulumi was never called, nothing reached PULUMI_HOME', () => {
  expect(existsSync(join(project, 'node_modules', '@pulumi', 'kubernetes', 'package.json'))).toBe(true);
  expect(existsSync(pulumiCalls) ? readFileSync(pulumiCalls, 'utf-8') : 'not called').toBe('not called');
  expect(existsSync(pulumiHome)).toBe(false);
});

test('the Pulumi quickstart goes up: CRDs, controller and the GenericJob', async () => {
  const up = await drive('up');
  expect(up).toMatchObject({ result: 'succeeded', outputs: { jobName: 'train' } });
  const live = await readLive(plane().kubeConfig, genericJob);
  expect(live?.spec.replicaSpecs.map((r: any) => [r.type, r.replicas])).toEqual([['worker', 4]]);
  const deployment = await readLive(plane().kubeConfig, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kubejobs-controller', namespace: 'kubejobs-system' } });
  expect(deployment).toBeDefined();
}, 900_000);

test('the Pulumi quickstart is destroyed: nothing is left', async () => {
  const destroyed = await drive('destroy');
  expect(destroyed.result).toBe('succeeded');
  expect(destroyed.changes.delete).toBeGreaterThan(0);
  expect(await readLive(plane().kubeConfig, genericJob)).toBeUndefined();
  expect(await readLive(plane().kubeConfig, crd)).toBeUndefined();
}, 900_000);
