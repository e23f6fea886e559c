/**
 * The combined example (examples/combined) as a user runs it: synthesised with `cdk8s synth`, its
 * evaluation (namespace, scenario ConfigMap, ArenaSource, Provider, ArenaConfig, ArenaJob) applied
 * with the real kubectl to a cluster where the controller runs, and `kubectl wait` sees the
 * ArenaJob complete with every scenario done. Its worker pods are really scheduled and run
 * (scheduling tier); the test lets each one finish as it starts running.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { spawn } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { TestPod } from './helpers';
import { useController } from './use-controller';
import { cdk8sSynth } from '../../projenrc/examples';
import { ensureBinaries } from '../cluster/control-plane';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(300_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const running = useController(() => cluster().plane);

/** The kinds of the example's evaluation (in its namespace `ml`); the controller and CRDs come from `useController`. */
const EVALUATION_KINDS = ['Namespace', 'ConfigMap', 'ArenaSource', 'Provider', 'ArenaConfig', 'ArenaJob'];

let work: string;
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs kubectl without blocking the event loop (the test releases worker pods meanwhile). */
function kubectl(binDir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(binDir, 'kubectl'), args, { env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('the combined example\'s ArenaJob goes to Complete under `kubectl wait`, with progress total = completed > 0', async () => {
  const binDir = await ensureBinaries();
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: cluster().plane.kubeconfigPath };
  work = mkdtempSync(join(tmpdir(), 'kubejobs-combined-'));
  const dist = join(work, 'dist');
  cdk8sSynth(join(__dirname, '..', '..', 'examples', 'combined'), dist);
  const objects = readdirSync(dist).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf-8')).map((d) => d.toJS()).filter(Boolean))
    .filter((o) => EVALUATION_KINDS.includes(o.kind) && (o.kind !== 'Namespace' || o.metadata.name === 'ml'));
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ArenaConfig/smoke', 'ArenaJob/smoke-eval', 'ArenaSource/smoke-pack', 'ConfigMap/smoke-scenarios', 'Namespace/ml', 'Provider/mock',
  ]);
  const manifest = join(work, 'evaluation.yaml');
  writeFileSync(manifest, objects.map((o) => stringify(o)).join('---\n'));

  const applied = await kubectl(binDir, env, ['apply', '-f', manifest]);
  expect(applied).toMatchObject({ code: 0 });

  // `kubectl wait` as a user runs it; meanwhile each worker pod that runs is let finish.
  const wait = kubectl(binDir, env, ['wait', '--for=condition=Complete', 'aj/smoke-eval', '-n', 'ml', '--timeout=240s']);
  let waited: { code: number; out: string } | undefined;
  void wait.then((r) => { waited = r; });
  const client = running().api.client;
  while (!waited) {
    const pods = (await client.list<TestPod>('/api/v1/namespaces/ml/pods', { labelSelector: 'app.kubernetes.io/component=worker' })).items;
    for (const pod of pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.annotations?.['kwok.kubejobs.test/exit-code'])) {
      await running().api.scriptPod('ml', pod.metadata!.name!, { exitCode: 0 });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(waited).toEqual({ code: 0, out: 'arenajob.omnia.altairalabs.ai/smoke-eval condition met\n' });

  const status = await kubectl(binDir, env, ['get', 'aj/smoke-eval', '-n', 'ml', '-o', 'jsonpath={.status.phase} {.status.progress.total} {.status.progress.completed}']);
  expect(status.code).toBe(0);
  const [phase, total, completed] = status.out.split(' ');
  expect({ phase, total: Number(total), completed: Number(completed) }).toEqual({ phase: 'Succeeded', total: 2, completed: 2 });
});
