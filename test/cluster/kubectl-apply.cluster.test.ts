/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureBinaries } from './control-plane';
import { useControlPlane } from './use-control-plane';
import { cdk8sExampleDirs, cdk8sSynth } from '../../projenrc/examples';
import { crdManifestOf, KUBEJOBS_DEFINITIONS, UPSTREAM_DEFINITIONS } from '../../src/api';

// Every cdk8s example (one per construct), synthesised with `cdk8s synth` and applied with a real
// kubectl as users apply it, and applying again changes nothing (`unchanged` for every object,
// `kubectl diff` exits 0). The upstream operators' CRDs are installed first, as on a cluster where
// those operators run. An example with a KubejobsController installs our CRDs itself: it is applied
// with the README's one-command install, on a cluster without our CRDs and without its namespaces
// (the case where a plain `kubectl apply -f dist/` fails with "ensure CRDs are installed first").
// The examples without a controller find our CRDs installed, as they would on a cluster with
// the controller.

const plane = useControlPlane();
let env: NodeJS.ProcessEnv;
let work: string;
let ourCrds: string;

/** The README's one-command install, word for word (the quickstart's first file is `0000-kubejobs.k8s.yaml`). */
const README_INSTALL = (() => {
  const line = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf-8').split('\n').find((l) => l.startsWith('kubectl apply -f dist/0000-kubejobs.k8s.yaml && '));
  if (!line) throw new Error('README.md has no line with the one-command install');
  return line.trim();
})();

beforeAll(async () => {
  const binDir = await ensureBinaries();
  if (!existsSync(join(binDir, 'kubectl'))) throw new Error(`${binDir} has no kubectl: run bash test/cluster/build-binaries.sh`);
  env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: plane().kubeconfigPath };
  work = mkdtempSync(join(tmpdir(), 'kubejobs-kubectl-'));
  const upstream = join(work, 'upstream-crds.yaml');
  writeFileSync(upstream, UPSTREAM_DEFINITIONS.map((d) => stringify(crdManifestOf(d))).join('---\n'));
  expect(kubectl(`apply -f ${upstream}`).code).toBe(0);
  expect(kubectl(`wait --for=condition=Established --timeout=60s -f ${upstream}`).code).toBe(0);
  ourCrds = join(work, 'kubejobs-crds.yaml');
  writeFileSync(ourCrds, KUBEJOBS_DEFINITIONS.map((d) => stringify(crdManifestOf(d))).join('---\n'));
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function kubectl(args: string, cwd?: string): { code: number; out: string } {
  return sh(`kubectl ${args}`, cwd);
}

function sh(command: string, cwd?: string): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', command], { env, cwd, encoding: 'utf-8', timeout: 170_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const objectsIn = (dist: string) => readdirSync(dist).sort()
  .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf-8')).map((d) => d.toJS()).filter(Boolean));

test.each(cdk8sExampleDirs().map((d) => [basename(d), d]))('example %s: kubectl apply works in one go, and again changes nothing', (_name, dir) => {
  const project = mkdtempSync(join(work, 'example-'));
  const dist = join(project, 'dist');
  mkdirSync(dist);
  cdk8sSynth(dir, dist);
  const objects = objectsIn(dist);
  const withController = objects.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'kubejobs');

  if (withController) {
    // A cluster that has never seen kubejobs: none of our CRDs, none of the example's namespaces.
    // (Ours by name: the upstream CRDs stay, as their operators would.)
    expect(kubectl(`delete -f ${ourCrds} --ignore-not-found --wait=true --timeout=150s`)).toMatchObject({ code: 0 });
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces.length).toBeGreaterThan(0);
    expect(kubectl(`delete namespace ${namespaces.join(' ')} --ignore-not-found --wait=true --timeout=150s`)).toMatchObject({ code: 0 });
    expect(kubectl(`get -f ${ourCrds} --ignore-not-found -o name`)).toEqual({ code: 0, out: '' });
    // What the one command is for: kubectl cannot map our kinds yet (a plain `apply -f dist/` fails
    // with "no matches for kind" on them).
    const unknown = kubectl('get genericjobs.batch.tensorstack.dev -A');
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('the server doesn\'t have a resource type "genericjobs"');

    // The README's command, with this example's first file (its chart with the controller) for the quickstart's.
    const [first] = readdirSync(dist).sort();
    expect(parseAllDocuments(readFileSync(join(dist, first), 'utf-8')).some((d) => d.toJS()?.kind === 'CustomResourceDefinition')).toBe(true);
    const install = sh(README_INSTALL.replace('dist/0000-kubejobs.k8s.yaml', `dist/${first}`), project);
    expect(install).toMatchObject({ code: 0 });
  } else {
    expect(kubectl(`apply -f ${ourCrds}`).code).toBe(0);
    expect(kubectl(`wait --for=condition=Established --timeout=60s -f ${ourCrds}`).code).toBe(0);
    const first = kubectl('apply -f dist/', project);
    expect(first).toMatchObject({ code: 0 });
  }

  const again = kubectl('apply -f dist/', project);
  expect(again.code).toBe(0);
  const lines = again.out.trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
  expect(kubectl('diff -f dist/', project)).toEqual({ code: 0, out: '' });
}, 600_000);
