/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { KUBEJOBS_DEFINITIONS, validateManifest } from '../src/api';
import { ensureBinaries } from './cluster/control-plane';
import { writeKubeconfig } from './cluster/kubeconfig-file';
import { requestServiceAccountToken } from './cluster/service-account-token';
import { useControlPlane } from './cluster/use-control-plane';
import { ControllerProcess } from './controller/controller-process';
import { TestApi } from './controller/helpers';
import { KubeletStandIn } from './controller/kubelet-stand-in';
import { prepareQuickstartProject, QuickstartProject } from './quickstart-project';

// The README's cdk8s quickstart, end to end, as a new user follows it: pack kubejobs, create a
// project with the README's commands, synthesise, apply the output with a real kubectl (built
// from the same Go modules as the control plane) to a fresh control plane with the README's one
// command, apply again and see nothing change, and run the job to completion with the
// controller. There is no kubelet: the pods' phases are written as a kubelet would.

const plane = useControlPlane();
let quickstart: QuickstartProject;
let kubectlEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  quickstart = prepareQuickstartProject();
  const binDir = await ensureBinaries();
  if (!existsSync(join(binDir, 'kubectl'))) throw new Error(`${binDir} has no kubectl: run bash test/cluster/build-binaries.sh`);
  kubectlEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: plane().kubeconfigPath };
}, 900_000);

afterAll(() => {
  if (quickstart) rmSync(quickstart.work, { recursive: true, force: true });
});

/** Runs a command line in the project as a user's shell would; returns its exit code and output. */
function sh(line: string): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', line], { cwd: quickstart.project, env: kubectlEnv, encoding: 'utf-8', timeout: 300_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The same without blocking the event loop, so the kubelet stand-in of this process runs meanwhile. */
function shAsync(line: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd: quickstart.project, env: kubectlEnv });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('the package is packed with lib/, and the project synthesises the CRDs and controller first, then a valid GenericJob', () => {
  const tarball = join(quickstart.work, 'kubejobs', 'kubejobs-0.1.0.tgz');
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf-8' });
  expect(listing).toContain('package/lib/index.js');
  expect(listing).toContain('package/lib/cli.js');
  expect(listing).toContain('package/lib/pulumi/index.js');

  const dist = join(quickstart.project, 'dist');
  expect(readdirSync(dist).sort()).toEqual(['0000-kubejobs.k8s.yaml', '0001-training.k8s.yaml']);
  const first = parseAllDocuments(readFileSync(join(dist, '0000-kubejobs.k8s.yaml'), 'utf-8')).map((d) => d.toJS());
  const crds = first.filter((o) => o.kind === 'CustomResourceDefinition');
  // Every kind kubejobs owns, installed by the first file the install command applies.
  expect(crds.map((o) => o.metadata.name).sort()).toEqual(KUBEJOBS_DEFINITIONS.map((d) => `${d.plural}.${d.group}`).sort());
  expect(crds.map((o) => o.metadata.labels['app.kubernetes.io/part-of'])).toEqual(crds.map(() => 'kubejobs'));
  const [job, ...others] = parseAllDocuments(readFileSync(join(dist, '0001-training.k8s.yaml'), 'utf-8')).map((d) => d.toJS());
  expect(others).toEqual([]);
  expect(job.kind).toEqual('GenericJob');
  expect(job.spec.replicaSpecs[0].replicas).toEqual(4);
  expect(job.spec.successRules).toEqual([{ worker: [0] }]);
  // python:3.12-slim runs as root: the quickstart gives it a user, so the pod stays Pod Security "restricted".
  expect(job.spec.replicaSpecs[0].template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  // Said once, at pod level: a container-level value would override a replica's own choice.
  expect(job.spec.replicaSpecs[0].template.spec.containers[0].securityContext.runAsNonRoot).toBeUndefined();
  expect(job.spec.replicaSpecs[0].template.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
  expect(JSON.stringify(job)).not.toContain('"runAsNonRoot":false');
  expect(validateManifest(job)).toEqual([]);
});

test('the README\'s one command installs everything on a fresh cluster; applying again changes nothing', () => {
  const [install] = quickstart.runCommands;
  expect(install).toMatch(/^kubectl apply -f dist\/0000-kubejobs\.k8s\.yaml && kubectl wait .* && kubectl apply -f dist\/$/);
  const first = sh(install);
  expect(first).toMatchObject({ code: 0 });
  expect(first.out).toContain('genericjob.batch.tensorstack.dev/train created');

  // Client-side apply again: every object unchanged (no zero value the server drops, no selector from the construct path).
  const again = sh('kubectl apply -f dist/');
  expect(again.code).toBe(0);
  const lines = again.out.trim().split('\n');
  expect(lines.filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
  expect(lines.length).toBeGreaterThanOrEqual(15);
  expect(sh('kubectl diff -f dist/')).toEqual({ code: 0, out: '' });

  // Server-side apply after client-side apply: no conflict on the fields kubejobs owns, still no diff.
  const serverSide = sh('kubectl apply --server-side -f dist/');
  expect(serverSide).toMatchObject({ code: 0 });
  expect(serverSide.out).not.toContain('conflict');
  expect(sh('kubectl diff -f dist/')).toEqual({ code: 0, out: '' });

  // kubectl explain finds a description for every field, e.g. one that had none.
  const explained = sh('kubectl explain arenajobs.spec.schedule.concurrencyPolicy');
  expect(explained.code).toBe(0);
  expect(explained.out).toContain('What to do when a run is due while the previous one still runs');
  expect(sh('kubectl explain genericjobs.status.aggregate --recursive=false').out).not.toContain('<no description>');
});

test('the quickstart job runs to completion with the controller, and the README\'s kubectl wait returns', async () => {
  // The controller runs as the Deployment's pod would: with a token of the ServiceAccount the one command created.
  const token = await requestServiceAccountToken(plane().kubeConfig, 'kubejobs-system', 'kubejobs-controller');
  const kubeconfigPath = writeKubeconfig(join(plane().workDir, 'quickstart-controller.kubeconfig'), {
    server: plane().server, user: 'kubejobs-controller', caData: plane().caData, credentials: { token },
  });
  const controller = await ControllerProcess.start(plane(), { kubeconfigPath, leaderElectionNamespace: 'kubejobs-system' });
  const kubelet = new KubeletStandIn(new TestApi(plane().kubeConfig), 'ml', '-never-fails');
  try {
    await controller.waitReady();
    kubelet.finishAll();
    const waitLine = quickstart.runCommands[1];
    expect(waitLine).toBe('kubectl wait --for=condition=Completed gj/train -n ml --timeout=1h');
    const waited = await shAsync(waitLine);
    expect(waited).toEqual({ code: 0, out: 'genericjob.batch.tensorstack.dev/train condition met\n' });
    expect(sh('kubectl get gj train -n ml -o jsonpath={.status.phase}').out).toBe('Succeeded');
    // The job's status and pods are the controller's: the user's objects show no difference.
    expect(sh('kubectl diff -f dist/')).toEqual({ code: 0, out: '' });
  } finally {
    await kubelet.stop();
    const exit = await controller.stop();
    if (exit.code !== 0) process.stderr.write(`controller exited with ${JSON.stringify(exit)}:\n${controller.logTail()}\n`);
  }
}, 300_000);
