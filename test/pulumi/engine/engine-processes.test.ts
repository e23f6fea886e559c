import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineProcesses, killEngineProcesses } from './engine-processes';
import { waitFor } from '../../cluster/kube-helpers';

// The cleanup the engine tests run after a failure: it finds the engine binaries this process
// started, children and grandchildren (a provider plugin under `pulumi`), and nothing else.

let root: string;
const started: ChildProcess[] = [];
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-engine-processes-'));
  fs.mkdirSync(path.join(root, 'bin'));
  // Stand-ins for bin/pulumi and bin/pulumi-resource-kubernetes: a copy of sleep under the engine's root.
  fs.copyFileSync('/bin/sleep', path.join(root, 'bin', 'pulumi'));
  fs.chmodSync(path.join(root, 'bin', 'pulumi'), 0o755);
});
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

test('the engine processes this process started, also grandchildren, are found and stopped; others are left alone', async () => {
  const fake = path.join(root, 'bin', 'pulumi');
  const child = spawn(fake, ['300'], { stdio: 'ignore' });
  // A grandchild, as the provider plugin is: its parent is a shell, not this process.
  const shell = spawn('/bin/sh', ['-c', `"${fake}" 301 & wait`], { stdio: 'ignore' });
  const unrelated = spawn('/bin/sleep', ['302'], { stdio: 'ignore' });
  started.push(child, shell, unrelated);

  const found = await waitFor('both engine stand-ins running', async () => {
    const pids = engineProcesses(root);
    return pids.length === 2 ? pids : undefined;
  }, { timeoutMs: 10_000 });
  expect(found).toContain(child.pid);
  expect(found).not.toContain(unrelated.pid);
  expect(found).not.toContain(shell.pid);

  const killed = await killEngineProcesses(root, 2_000);
  expect(killed.sort()).toEqual(found.sort());
  await waitFor('no engine stand-in left', async () => engineProcesses(root).length === 0, { timeoutMs: 10_000 });
  expect(unrelated.exitCode).toBeNull();
  expect(unrelated.signalCode).toBeNull();
});
