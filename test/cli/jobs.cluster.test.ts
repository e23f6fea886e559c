/**
 * `kubejobs submit genericjob` -> list -> get -> wait -> delete, run as a user runs them: the
 * production bundle's `lib/cli.js` as a child process with the admin kubeconfig, against a real
 * control plane with `kubejobs controller` running and pods that run and finish on a KWOK node
 * (the `scheduling` tier).
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { freshNamespace } from '../cluster/kube-helpers';
import { podScripts } from '../cluster/tiers/pod-script';
import { useSchedulingTier } from '../cluster/tiers/use-tier';
import { productionBundle } from '../controller/production-bundle';
import { useController } from '../controller/use-controller';

jest.setTimeout(180_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
useController(() => cluster().plane);

interface Run { code: number | null; stdout: string; stderr: string }

/**
 * Runs `kubejobs <args>` from the production bundle with the plane's admin kubeconfig. The bundle
 * (the container image) has no peer dependencies; a user's `npm install kubejobs` has them, which
 * NODE_PATH gives here (the checkout's node_modules, looked up only after the bundle's own).
 */
function kubejobs(...args: string[]): Promise<Run> {
  const cli = path.join(productionBundle(), 'lib', 'cli.js');
  const env = {
    ...process.env,
    KUBECONFIG: cluster().plane.kubeconfigPath,
    NODE_OPTIONS: '--no-warnings',
    NODE_PATH: path.join(__dirname, '..', '..', 'node_modules'),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 150_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('submit -> list -> get -> wait -> delete a GenericJob', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  const scripts = podScripts({ 'mnist-master-0': { exitCode: 0, runForMs: 3000 }, 'mnist-worker-0': { exitCode: 0, runForMs: 1000 } });
  const annotations = Object.entries(scripts).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]);
  const submitted = await kubejobs('submit', 'genericjob', '--name', 'mnist', '--image', 'busybox:1.36', '--namespace', ns,
    '--replica', 'master=1', '--replica', 'worker=1', '--success-rule', 'master=0', ...annotations, 'echo', 'hello');
  expect(submitted).toEqual({ code: 0, stdout: 'genericjob.batch.tensorstack.dev/mnist created\n', stderr: '' });

  // Applying the same flags again changes nothing (server-side apply by the same field manager).
  const again = await kubejobs('submit', 'genericjob', '--name', 'mnist', '--image', 'busybox:1.36', '--namespace', ns,
    '--replica', 'master=1', '--replica', 'worker=1', '--success-rule', 'master=0', ...annotations, 'echo', 'hello');
  expect(again.stdout).toBe('genericjob.batch.tensorstack.dev/mnist unchanged\n');

  const listed = await kubejobs('list', '--namespace', ns);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^NAME +TYPE +STATUS +REPLICAS +GPUS +AGE\nmnist +genericjob +(PENDING|RUNNING|SUCCEEDED) +\d\/2 +0 +\d+s\n$/);
  const all = await kubejobs('list', '--all-namespaces', '--type', 'genericjob', '-o', 'json');
  expect(JSON.parse(all.stdout).items.map((j: any) => `${j.metadata.namespace}/${j.metadata.name}`)).toContain(`${ns}/mnist`);

  const waited = await kubejobs('wait', 'mnist', '--namespace', ns, '--for', 'complete', '--timeout', '2m');
  expect(waited).toEqual({ code: 0, stdout: 'genericjob/mnist complete\n', stderr: '' });
  // The job can no longer fail: waiting for it is an error (exit 1) that says why.
  const wrong = await kubejobs('wait', 'mnist', '--namespace', ns, '--for', 'failed', '--timeout', '10s');
  expect(wrong).toEqual({ code: 1, stdout: '', stderr: 'error: genericjob \'mnist\' is SUCCEEDED, so it will never be failed\n' });

  const shown = await kubejobs('get', 'mnist', '--namespace', ns);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(/^NAME +TYPE +STATUS +REPLICAS +GPUS +AGE\nmnist +genericjob +SUCCEEDED +\d\/2 +0 +\d+s\n/);
  expect(shown.stdout).toMatch(/\nPods:\n {2}NAME +STATUS +NODE +AGE\n {2}mnist-master-0 +Succeeded +cpu-0 +\d+s\n {2}mnist-worker-0 +Succeeded +cpu-0 +\d+s\n/);
  expect(shown.stdout).toMatch(/\nEvents:\n {2}TYPE +REASON +AGE +MESSAGE\n[\s\S]* {2}Normal +Succeeded +\d+s +/);
  const asYaml = await kubejobs('get', 'mnist', '--namespace', ns, '-o', 'yaml');
  expect(asYaml.stdout).toContain('kind: GenericJob\n');
  expect(asYaml.stdout).toContain('phase: Succeeded\n');

  // Logs: the pod is chosen (master rank 0 by default) and asked for its log; KWOK pods have no
  // kubelet behind their node, so the apiserver's answer is an error naming the pod and node.
  const logs = await kubejobs('logs', 'mnist', '--namespace', ns, '--tail', '5');
  expect(logs.code).toBe(1);
  expect(logs.stderr).toMatch(/^error: pod mnist-master-0 on node cpu-0: /);
  const noSuchReplica = await kubejobs('logs', 'mnist', '--namespace', ns, '--replica', 'worker-5');
  expect(noSuchReplica).toEqual({
    code: 2,
    stdout: '',
    stderr: 'error: genericjob \'mnist\' has no pod mnist-worker-5: its pods are mnist-master-0, mnist-worker-0; pick one with --replica TYPE-RANK, e.g. --replica worker-0\n',
  });

  const deleted = await kubejobs('delete', 'mnist', '--namespace', ns, '--type', 'genericjob');
  expect(deleted).toEqual({ code: 0, stdout: 'genericjob/mnist deleted\n', stderr: '' });
  const gone = await kubejobs('get', 'mnist', '--namespace', ns);
  expect(gone).toEqual({ code: 1, stdout: '', stderr: `error: no job named 'mnist' in namespace '${ns}': check the name with 'kubejobs list' or pass --namespace\n` });
  const empty = await kubejobs('list', '--namespace', ns);
  expect(empty).toEqual({ code: 0, stdout: '', stderr: `No jobs found in namespace ${ns}.\n` });
});

test('a construct error is a usage error (exit 2) and nothing reaches the cluster', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  const bad = await kubejobs('submit', 'genericjob', '--name', 'bad', '--image', 'busybox:1.36', '--namespace', ns, '--success-rule', 'master=0', 'true');
  expect(bad).toEqual({ code: 2, stdout: '', stderr: 'error: \'successRules[0]\' names replica type \'master\', but the job declares only \'worker\' (set by --success-rule)\n' });
  expect((await kubejobs('list', '--namespace', ns)).stderr).toBe(`No jobs found in namespace ${ns}.\n`);
});
