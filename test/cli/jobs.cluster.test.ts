/**
 * `kubejobs submit genericjob` -> list -> get -> wait -> delete, run as a user runs them: the
 * production bundle's `lib/cli.js` as a child process with the admin kubeconfig, against a real
 * control plane with `kubejobs controller` running and pods that run and finish on a KWOK node
 * (the `scheduling` tier), whose logs KWOK serves to the API server as a kubelet would.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { useCliCluster } from './use-cli-cluster';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { podScripts } from '../cluster/tiers/pod-script';
import { TestPod } from '../controller/helpers';

const { cluster, running, kubejobs, start } = useCliCluster();

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
  expect(shown.stdout).toMatch(/\nEvents:\n {2}Type +Reason +Age +From +Message\n {2}---- +------ +---- +---- +-------\n[\s\S]* {2}Normal +Succeeded +\d+s +kubejobs-controller +/);
  const asYaml = await kubejobs('get', 'mnist', '--namespace', ns, '-o', 'yaml');
  expect(asYaml.stdout).toContain('kind: GenericJob\n');
  expect(asYaml.stdout).toContain('phase: Succeeded\n');

  // Logs: rank 0 of the first replica type by default, read through the API server's pods/log.
  await cluster().scheduling.setPodLog(ns, 'mnist-master-0', ['epoch 1 loss 0.9', 'epoch 2 loss 0.5', 'done']);
  await cluster().scheduling.setPodLog(ns, 'mnist-worker-0', ['worker ready']);
  expect(await kubejobs('logs', 'mnist', '--namespace', ns)).toEqual({ code: 0, stdout: 'epoch 1 loss 0.9\nepoch 2 loss 0.5\ndone\n', stderr: '' });
  expect(await kubejobs('logs', 'mnist', '--namespace', ns, '--tail', '1')).toEqual({ code: 0, stdout: 'done\n', stderr: '' });
  expect(await kubejobs('logs', 'mnist', '--namespace', ns, '--replica', 'worker-0')).toEqual({ code: 0, stdout: 'worker ready\n', stderr: '' });
  const noSuchReplica = await kubejobs('logs', 'mnist', '--namespace', ns, '--replica', 'worker-5');
  expect(noSuchReplica).toEqual({
    code: 2,
    stdout: '',
    stderr: 'error: --replica worker-5: genericjob \'mnist\' has no such replica; its replicas are master-0, worker-0\n',
  });

  const deleted = await kubejobs('delete', 'mnist', '--namespace', ns, '--type', 'genericjob');
  expect(deleted).toEqual({ code: 0, stdout: 'genericjob/mnist deleted\n', stderr: '' });
  const gone = await kubejobs('get', 'mnist', '--namespace', ns);
  expect(gone).toEqual({ code: 1, stdout: '', stderr: `error: no job named 'mnist' in namespace '${ns}': check the name with 'kubejobs list' or pass --namespace\n` });
  const empty = await kubejobs('list', '--namespace', ns);
  expect(empty).toEqual({ code: 0, stdout: '', stderr: `No jobs found in namespace ${ns}.\n` });
});

test('wait --for running sees the pods at work; delete --wait=false returns once the job is deleted, its pods going after it', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  // No exit code: the pod runs until the job is deleted.
  const submitted = await kubejobs('submit', 'genericjob', '--name', 'long', '--image', 'busybox:1.36', '--namespace', ns, 'sleep');
  expect(submitted.code).toBe(0);
  expect(await kubejobs('wait', 'long', '--namespace', ns, '--for', 'running', '--timeout', '2m'))
    .toEqual({ code: 0, stdout: 'genericjob/long running\n', stderr: '' });
  expect((await running().api.job(ns, 'long')).status?.phase).toBe('Running');
  expect(await kubejobs('delete', 'long', '--namespace', ns, '--wait=false')).toEqual({ code: 0, stdout: 'genericjob/long deleted\n', stderr: '' });
  expect(await kubejobs('get', 'long', '--namespace', ns)).toMatchObject({ code: 1, stderr: expect.stringContaining('no job named \'long\'') });
  // The garbage collector takes the pods after the job.
  await waitFor('the job\'s pods gone', async () => {
    const pods = await running().api.client.list(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'genericjob=long' });
    return pods.items.length === 0 ? true : undefined;
  }, { timeoutMs: 120_000 });
});

test('logs -f --pod-running-timeout gives up on a replica that cannot start, and says what it waited for', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  // 1000 CPUs: no node can take the pod.
  expect((await kubejobs('submit', 'genericjob', '--name', 'huge', '--image', 'busybox:1.36', '--namespace', ns, '--cpu', '1000', 'train')).code).toBe(0);
  // Without -f the flag would do nothing: a usage error.
  expect(await kubejobs('logs', 'huge', '--namespace', ns, '--pod-running-timeout', '3s')).toEqual({
    code: 2, stdout: '', stderr: 'error: --pod-running-timeout bounds how long -f waits for the replica to start: add -f, or drop it\n',
  });
  await waitFor('the pod created (Pending)', async () => running().api.client.get(`/api/v1/namespaces/${ns}/pods/huge-worker-0`), { timeoutMs: 60_000 });
  const follow = await kubejobs('logs', 'huge', '--namespace', ns, '-f', '--pod-running-timeout', '3s');
  expect(follow).toEqual({
    code: 1,
    stdout: '',
    stderr: 'waiting for pod huge-worker-0 to start\n'
      + 'error: gave up after 3s waiting for pod huge-worker-0 to start: raise --pod-running-timeout (now 3s), or see why with \'kubejobs get huge\'\n',
  });
});

test('a construct error is a usage error (exit 2) and nothing reaches the cluster', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  const bad = await kubejobs('submit', 'genericjob', '--name', 'bad', '--image', 'busybox:1.36', '--namespace', ns, '--success-rule', 'master=0', 'true');
  expect(bad).toEqual({ code: 2, stdout: '', stderr: 'error: \'successRules[0]\' names replica type \'master\', but the job declares only \'worker\' (set by --success-rule)\n' });
  expect((await kubejobs('list', '--namespace', ns)).stderr).toBe(`No jobs found in namespace ${ns}.\n`);
});

test('logs -f follows a replica across a restart, one pod after the other, and ends with the job', async () => {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  const api = running().api;
  const pod = async (): Promise<TestPod | undefined> => api.client.get<TestPod>(`/api/v1/namespaces/${ns}/pods/flaky-master-0`);
  await cluster().scheduling.setPodLog(ns, 'flaky-master-0', ['attempt 1: loss 0.9']);
  // No exit code: the pod runs until the test scripts its end.
  const submitted = await kubejobs('submit', 'genericjob', '--name', 'flaky', '--image', 'busybox:1.36', '--namespace', ns,
    '--replica', 'master=1', '--restart-policy', 'master=OnFailure:1', 'train');
  expect(submitted.code).toBe(0);
  const first = await waitFor('the first pod Running', async () => ((await pod())?.status?.phase === 'Running' ? pod() : undefined), { timeoutMs: 60_000 });

  const follow = start('logs', 'flaky', '--namespace', ns, '-f');
  await follow.waitForOutput('the first pod\'s log', (o) => o.stdout.includes('attempt 1: loss 0.9\n'));

  // The restarted pod must not start before its log is set: no node takes it meanwhile.
  const node = (unschedulable: boolean) => api.client.mergePatch('/api/v1/nodes/cpu-0', { spec: { unschedulable } });
  await node(true);
  try {
    await api.scriptPod(ns, 'flaky-master-0', { exitCode: 1 });
    // The CLI has left the failed pod (the controller deleted it) and waits for the new one.
    await follow.waitForOutput('logs -f waiting for the restarted pod', (o) => /waiting for (the )?pod flaky-master-0 to (start|be created)/.test(o.stderr));
    await waitFor('the restarted pod', async () => {
      const p = await pod();
      return p && p.metadata?.uid !== first!.metadata?.uid ? p : undefined;
    }, { timeoutMs: 60_000 });
    await cluster().scheduling.setPodLog(ns, 'flaky-master-0', ['attempt 2: loss 0.5']);
  } finally {
    await node(false);
  }
  await follow.waitForOutput('the restarted pod\'s log', (o) => o.stdout.includes('attempt 2: loss 0.5\n'));
  await api.scriptPod(ns, 'flaky-master-0', { exitCode: 0 });
  // The job Succeeded: nothing more will run, so -f ends by itself.
  expect(await follow.exit(90_000)).toEqual({
    code: 0,
    stdout: 'attempt 1: loss 0.9\nattempt 2: loss 0.5\n',
    stderr: expect.stringContaining('genericjob \'flaky\' master-0 restarted: following pod flaky-master-0\n'),
  });
  expect((await api.job(ns, 'flaky')).status?.phase).toBe('Succeeded');
});
