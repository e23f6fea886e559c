/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ControlPlane, ensureBinaries, startControlPlane } from './control-plane';
import { useControlPlane } from './use-control-plane';
import { cdk8sExampleDirs, cdk8sSynth } from '../../projenrc/examples';
import { crdManifestOf, KUBEJOBS_DEFINITIONS, UPSTREAM_DEFINITIONS } from '../../src/api';

// Every cdk8s example (one per construct), synthesised with `cdk8s synth` and applied with a real
// kubectl as users apply it, and applying again changes nothing (`unchanged` for every object,
// `kubectl diff` exits 0). The upstream operators' CRDs are installed first, as on a cluster where
// those operators run. An example with a KubejobsController installs our CRDs itself: it is applied
// with the README's one-command install on a control plane of its own that has never seen kubejobs
// (the case where a plain `kubectl apply -f dist/` fails with "ensure CRDs are installed first").
// A new plane rather than deleting our CRDs from the shared one: that `kubectl delete --wait`
// exited 1 once on the loaded CI machine after about 150 s (its output was not captured; most
// likely the API server's CRD-cleanup finalizer had not finished), and it is not what this test is
// about. The examples without a controller find our CRDs installed, as they would on a cluster with
// the controller.

const plane = useControlPlane();
let binDir: string;

/** Bound of one command (kubectl's own waits in it are shorter). */
const COMMAND_TIMEOUT_MS = 170_000;
/** Bound of one attempt to start a plane (startControlPlane makes up to three on a port clash). */
const PLANE_START_TIMEOUT_MS = 180_000;
/** Above the sum of the bounds in one test (a plane's start, six commands, a stop), so a slow run fails with its own error, not jest's timeout. */
const TEST_TIMEOUT_MS = 3 * PLANE_START_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS + 60_000;
let work: string;
let upstreamCrds: string;
let ourCrds: string;

/** The README's one-command install, word for word (the quickstart's first file is `0000-kubejobs.k8s.yaml`). */
const README_INSTALL = (() => {
  const line = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf-8').split('\n').find((l) => l.startsWith('kubectl apply -f dist/0000-kubejobs.k8s.yaml && '));
  if (!line) throw new Error('README.md has no line with the one-command install');
  return line.trim();
})();

beforeAll(async () => {
  binDir = await ensureBinaries();
  if (!existsSync(join(binDir, 'kubectl'))) throw new Error(`${binDir} has no kubectl: run bash test/cluster/build-binaries.sh`);
  work = mkdtempSync(join(tmpdir(), 'kubejobs-kubectl-'));
  upstreamCrds = join(work, 'upstream-crds.yaml');
  writeFileSync(upstreamCrds, UPSTREAM_DEFINITIONS.map((d) => stringify(crdManifestOf(d))).join('---\n'));
  ourCrds = join(work, 'kubejobs-crds.yaml');
  writeFileSync(ourCrds, KUBEJOBS_DEFINITIONS.map((d) => stringify(crdManifestOf(d))).join('---\n'));
  installCrds(plane(), upstreamCrds);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly out: string;
  /** Why it did not exit by itself (timed out, could not start), or undefined. */
  readonly abnormal?: string;
}

function sh(target: ControlPlane, command: string, cwd?: string): Run {
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: target.kubeconfigPath };
  const r = spawnSync('bash', ['-c', command], { env, cwd, encoding: 'utf-8', timeout: COMMAND_TIMEOUT_MS });
  const abnormal = r.error ? r.error.message : r.signal ? `killed by ${r.signal} (the bound is ${COMMAND_TIMEOUT_MS / 1000} s)` : undefined;
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, ...(abnormal ? { abnormal } : {}) };
}

/** Runs a command that must succeed; a failure names the command and shows its output. */
function run(target: ControlPlane, command: string, cwd?: string): string {
  const r = sh(target, command, cwd);
  if (r.code !== 0) throw new Error(`\`${command}\` ${r.abnormal ?? `exited ${r.code}`}:\n${r.out}`);
  return r.out;
}

function installCrds(target: ControlPlane, file: string): void {
  run(target, `kubectl apply -f ${file}`);
  run(target, `kubectl wait --for=condition=Established --timeout=60s -f ${file}`);
}

/** Starts a control plane for one test and stops it afterwards (its logs are printed and kept when `body` fails). */
async function onNewControlPlane(body: (target: ControlPlane) => void): Promise<void> {
  // Beside the shared plane and maybe another file's: a start may be slow on a loaded machine.
  const target = await startControlPlane({ binDir, startTimeoutMs: PLANE_START_TIMEOUT_MS });
  let failed = true;
  try {
    body(target);
    failed = false;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n\n--- the example's own control plane (logs kept in ${target.logsDir}) ---\n${target.dumpLogs(40)}`);
  } finally {
    await target.stop({ keepLogs: failed });
  }
}

const objectsIn = (dist: string) => readdirSync(dist).sort()
  .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf-8')).map((d) => d.toJS()).filter(Boolean));

test.each(cdk8sExampleDirs().map((d) => [basename(d), d]))('example %s: kubectl apply works in one go, and again changes nothing', async (_name, dir) => {
  const project = mkdtempSync(join(work, 'example-'));
  const dist = join(project, 'dist');
  mkdirSync(dist);
  cdk8sSynth(dir, dist);
  const objects = objectsIn(dist);
  const withController = objects.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata.labels?.['app.kubernetes.io/part-of'] === 'kubejobs');

  const applyTwice = (target: ControlPlane, firstApply: string): void => {
    run(target, firstApply, project);
    const again = run(target, 'kubectl apply -f dist/', project);
    expect(again.trim()).not.toBe('');
    expect(again.trim().split('\n').filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
    expect(sh(target, 'kubectl diff -f dist/', project)).toEqual({ code: 0, out: '' });
  };

  if (withController) {
    await onNewControlPlane((target) => {
      installCrds(target, upstreamCrds);
      // What the one command is for: kubectl cannot map our kinds yet (a plain `apply -f dist/`
      // fails with "no matches for kind" on them).
      const unknown = sh(target, 'kubectl get genericjobs.batch.tensorstack.dev -A');
      expect(unknown.code).not.toBe(0);
      expect(unknown.out).toContain('the server doesn\'t have a resource type "genericjobs"');
      // The README's command, with this example's first file (its chart with the controller) for the quickstart's.
      const [first] = readdirSync(dist).sort();
      expect(parseAllDocuments(readFileSync(join(dist, first), 'utf-8')).some((d) => d.toJS()?.kind === 'CustomResourceDefinition')).toBe(true);
      applyTwice(target, README_INSTALL.replace('dist/0000-kubejobs.k8s.yaml', `dist/${first}`));
    });
  } else {
    installCrds(plane(), ourCrds);
    applyTwice(plane(), 'kubectl apply -f dist/');
  }
}, TEST_TIMEOUT_MS);
