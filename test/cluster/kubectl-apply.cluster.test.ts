/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { stringify } from 'yaml';
import { ensureBinaries } from './control-plane';
import { useControlPlane } from './use-control-plane';
import { cdk8sExampleDirs, cdk8sSynth } from '../../projenrc/examples';
import { ALL_DEFINITIONS, crdManifestOf } from '../../src/api';

// Every cdk8s example (one per construct), synthesised with `cdk8s synth` and applied with a real
// kubectl as users apply it: `kubectl apply -f dist/` works in one go (the examples create their
// namespaces), and applying again changes nothing (`unchanged` for every object, `kubectl diff`
// exits 0). The kinds an example uses but does not install (the upstream operators' CRDs, and
// ours for the examples without a KubejobsController) are installed first, as on a cluster where
// they run.

const plane = useControlPlane();
let env: NodeJS.ProcessEnv;
let work: string;

beforeAll(async () => {
  const binDir = await ensureBinaries();
  if (!existsSync(join(binDir, 'kubectl'))) throw new Error(`${binDir} has no kubectl: run bash test/cluster/build-binaries.sh`);
  env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: plane().kubeconfigPath };
  work = mkdtempSync(join(tmpdir(), 'kubejobs-kubectl-'));
  const crds = join(work, 'crds.yaml');
  writeFileSync(crds, ALL_DEFINITIONS.map((d) => stringify(crdManifestOf(d))).join('---\n'));
  expect(kubectl(`apply -f ${crds}`).code).toBe(0);
  expect(kubectl(`wait --for=condition=Established --timeout=60s -f ${crds}`).code).toBe(0);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function kubectl(args: string): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', `kubectl ${args}`], { env, encoding: 'utf-8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

test.each(cdk8sExampleDirs().map((d) => [basename(d), d]))('example %s: kubectl apply works in one go, and again changes nothing', (_name, dir) => {
  const dist = mkdtempSync(join(work, 'dist-'));
  cdk8sSynth(dir, dist);

  const first = kubectl(`apply -f ${dist}/`);
  expect(first).toMatchObject({ code: 0 });

  const again = kubectl(`apply -f ${dist}/`);
  expect(again.code).toBe(0);
  const lines = again.out.trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
  expect(kubectl(`diff -f ${dist}/`)).toEqual({ code: 0, out: '' });
}, 180_000);
