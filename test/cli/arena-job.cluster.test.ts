/**
 * An ArenaJob from a terminal: `kubejobs submit arenajob` -> list -> get -> logs -> wait ->
 * delete, run as a user runs them (the production bundle's CLI), against a real control plane
 * with `kubejobs controller` running the job's Indexed worker Job on a KWOK node (the `scheduling`
 * tier), whose pod logs KWOK serves as a kubelet would.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { useCliCluster } from './use-cli-cluster';
import type { ArenaConfig } from '../../imports/omnia.altairalabs.ai';
import { PARENT_LABEL } from '../../src/controller/arena-job/schedule-decide';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { ArenaApi, pack } from '../controller/arena-helpers';
import { TestPod } from '../controller/helpers';

const { cluster, running, kubejobs } = useCliCluster();

const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** A namespace with the Ready ArenaConfig `chatbot` of two scenarios (a mock provider). */
async function namespaceWithConfig(): Promise<string> {
  const ns = await freshNamespace(cluster().plane.kubeConfig);
  const arena = new ArenaApi(running().api.client);
  await arena.configMap(ns, 'bundle', { 'pack.json': pack(['scenarios/greeting.yaml', 'scenarios/refund.yaml']) });
  await arena.source(ns, 'src', { type: 'configmap', configMap: { name: 'bundle' }, interval: '1m' });
  await arena.provider(ns, 'mock', { type: 'mock' });
  await arena.config(ns, 'chatbot', { sourceRef: { name: 'src' }, providers: [{ name: 'mock' }] });
  await arena.waitFor<ArenaConfig>('arenaconfigs', ns, 'chatbot', 'Ready', (c) => c.status?.phase === 'Ready');
  return ns;
}

test('submit arenajob -> list (progress) -> get (worker pods) -> logs of a work item -> wait complete -> delete', async () => {
  const ns = await namespaceWithConfig();
  const api = running().api;

  const submitted = await kubejobs('submit', 'arenajob', '--name', 'eval', '--config', 'chatbot', '--workers', '2', '--namespace', ns);
  expect(submitted).toEqual({ code: 0, stdout: 'arenajob.omnia.altairalabs.ai/eval created\n', stderr: '' });

  // Both work items run at once (2 workers); the pods run until the test ends them.
  const workers = await waitFor('two running worker pods', async () => {
    const pods = (await api.client.list<TestPod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'omnia.altairalabs.ai/job=eval' })).items;
    const up = pods.filter((p) => p.status?.phase === 'Running');
    const index = (p: TestPod) => p.metadata!.labels![COMPLETION_INDEX]!;
    return up.length === 2 ? up.sort((a, b) => index(a).localeCompare(index(b))) : undefined;
  }, { timeoutMs: 90_000 });
  const listed = await kubejobs('list', '--namespace', ns);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout).toMatch(/^NAME +TYPE +STATUS +PROGRESS +GPUS +AGE\neval +arenajob +RUNNING +0\/2 +0 +\d+s\n$/);
  const shown = await kubejobs('get', 'eval', '--namespace', ns);
  expect(shown.stdout).toMatch(new RegExp(`\\nPods:\\n {2}NAME +STATUS +NODE +AGE\\n {2}${workers[0]!.metadata!.name} +Running +cpu-0 +\\d+s\\n {2}${workers[1]!.metadata!.name} +Running +cpu-0 +\\d+s\\n`));

  await cluster().scheduling.setPodLog(ns, workers[0]!.metadata!.name!, ['scenario greeting: pass']);
  await cluster().scheduling.setPodLog(ns, workers[1]!.metadata!.name!, ['scenario refund: pass']);
  expect(await kubejobs('logs', 'eval', '--namespace', ns)).toEqual({ code: 0, stdout: 'scenario greeting: pass\n', stderr: '' });
  expect(await kubejobs('logs', 'eval', '--namespace', ns, '--type', 'arenajob', '--replica', 'item-1')).toEqual({ code: 0, stdout: 'scenario refund: pass\n', stderr: '' });
  expect(await kubejobs('logs', 'eval', '--namespace', ns, '--replica', 'item-2')).toEqual({
    code: 2, stdout: '', stderr: 'error: --replica item-2: arenajob \'eval\' has no such replica; its replicas are item-0, item-1\n',
  });

  for (const pod of workers) await api.scriptPod(ns, pod.metadata!.name!, { exitCode: 0 });
  expect(await kubejobs('wait', 'eval', '--namespace', ns, '--for', 'complete', '--timeout', '2m')).toEqual({ code: 0, stdout: 'arenajob/eval complete\n', stderr: '' });
  const done = await kubejobs('get', 'eval', '--namespace', ns);
  expect(done.stdout).toMatch(/^NAME +TYPE +STATUS +PROGRESS +GPUS +AGE\neval +arenajob +SUCCEEDED +2\/2 +0 +\d+s\n/);

  expect(await kubejobs('delete', 'eval', '--namespace', ns)).toEqual({ code: 0, stdout: 'arenajob/eval deleted\n', stderr: '' });
  expect(await api.client.list(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'omnia.altairalabs.ai/job=eval' })).toMatchObject({ items: [] });
  expect(await kubejobs('list', '--namespace', ns)).toEqual({ code: 0, stdout: '', stderr: `No jobs found in namespace ${ns}.\n` });
});

test('a scheduled ArenaJob: list shows its schedule, get lists its runs, and wait says at once that it never completes itself', async () => {
  const ns = await namespaceWithConfig();
  const api = running().api;
  const submitted = await kubejobs('submit', 'arenajob', '--name', 'nightly', '--config', 'chatbot', '--schedule', '* * * * *', '--namespace', ns);
  expect(submitted).toEqual({ code: 0, stdout: 'arenajob.omnia.altairalabs.ai/nightly created\n', stderr: '' });
  // The first run starts at the next minute.
  const run = await waitFor('the first scheduled run', async () => {
    const runs = (await api.client.list<{ metadata: { name: string } }>(`/apis/omnia.altairalabs.ai/v1alpha1/namespaces/${ns}/arenajobs`, {
      labelSelector: `${PARENT_LABEL}=nightly`,
    })).items;
    return runs[0];
  }, { timeoutMs: 150_000 });
  const listed = await kubejobs('list', '--namespace', ns, '--type', 'arenajob');
  expect(listed.stdout).toMatch(/^NAME +TYPE +STATUS +PROGRESS +GPUS +AGE\n/);
  expect(listed.stdout).toMatch(/\nnightly +arenajob +RUNNING +cron \* \* \* \* \* +0 +\d+s\n/);
  const shown = await kubejobs('get', 'nightly', '--namespace', ns);
  expect(shown.stdout).toMatch(new RegExp(`\\nRuns:\\n {2}NAME +TYPE +STATUS +PROGRESS +GPUS +AGE\\n {2}${run.metadata.name} +arenajob +`));
  expect(shown.stdout).toContain('\nPods:\n  <none>\n');
  expect(await kubejobs('wait', 'nightly', '--namespace', ns, '--for', 'complete', '--timeout', '10m')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'error: arenajob \'nightly\' runs on the schedule \'* * * * *\' and is never complete itself: wait for one of its runs (\'kubejobs get nightly\' lists them)\n',
  });
  expect(await kubejobs('delete', 'nightly', '--namespace', ns)).toEqual({ code: 0, stdout: 'arenajob/nightly deleted\n', stderr: '' });
});
