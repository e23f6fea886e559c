/**
 * GenericJob cases whose pods really live: scheduled by kube-scheduler onto a KWOK node and taken
 * through Running to Succeeded or Failed as their annotations script (the `scheduling` tier,
 * test/cluster/tiers), instead of the test patching pod status. Moved here from
 * generic-job.cluster.test.ts; the cases that need a state KWOK cannot produce stay there.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { condition, genericJob, TestApi } from './helpers';
import { useController } from './use-controller';
import type { PodTemplateSpec } from '../../imports/batch.tensorstack.dev';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { PodScript, podScripts } from '../cluster/tiers/pod-script';
import { useSchedulingTier } from '../cluster/tiers/use-tier';

jest.setTimeout(120_000);

const cluster = useSchedulingTier({ nodes: [{ name: 'cpu-0' }] });
const running = useController(() => cluster().plane);
let api: TestApi;
beforeAll(() => {
  ({ api } = running());
});

async function namespace(): Promise<string> {
  return freshNamespace(cluster().plane.kubeConfig);
}

/** A pod template whose pods live as `byPod` scripts them (pods not named run until deleted). */
function scripted(byPod: Record<string, PodScript>, extra: Record<string, unknown> = {}): PodTemplateSpec {
  return {
    metadata: { annotations: podScripts(byPod) },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(type) $(rank)'], ...extra }] },
  };
}

const HOUR = 3_600_000;

test('1. successRules [{worker:[0]}]: worker-0 exits 0 => Succeeded whatever the others do', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('sr', {
    replicaSpecs: [{
      type: 'worker',
      replicas: 4,
      template: scripted({
        'sr-worker-0': { exitCode: 0, runForMs: 2000 },
        'sr-worker-2': { startAfterMs: HOUR }, // bound to the node, never started
      }),
    }],
    successRules: [{ worker: [0] }],
  }));
  const done = await api.waitForJob(ns, 'sr', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  expect(condition(done, 'Completed')).toMatchObject({ status: 'True', reason: 'Succeeded', message: 'The job has finished successfully.' });
  expect(condition(done, 'Failed')).toMatchObject({ status: 'False', reason: 'Succeeded' });
  const pods = await api.pods(ns, 'sr');
  const phases = Object.fromEntries(pods.map((p) => [p.metadata?.name, p.status?.phase]));
  expect(phases['sr-worker-0']).toBe('Succeeded');
  expect(pods.every((p) => p.spec.nodeName === 'cpu-0')).toBe(true);
  await api.waitForEvent(ns, 'sr', 'Succeeded');
});

test('2. failureRules [{worker:[0]},{worker:[1]}], policy Never: worker-1 exiting 1 fails the job with T9k\'s message', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('fr', {
    replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' }, template: scripted({ 'fr-worker-1': { exitCode: 1, runForMs: 1000 } }) }],
    failureRules: [{ worker: [0] }, { worker: [1] }],
  }));
  const failed = await api.waitForJob(ns, 'fr', 'Failed', (j) => j.status?.phase === 'Failed', { timeoutMs: 60_000 });
  const message = 'The job is failed with rule: { "worker": [1] }';
  expect(condition(failed, 'Failed')).toMatchObject({ status: 'True', reason: 'Failed', message });
  expect(condition(failed, 'Completed')).toMatchObject({ status: 'False', reason: 'Failed', message });
  expect(failed.status?.tasks?.[0]?.restartCount).toBe(0);
  // Never: the failed pod stays as it is, with the exit code the container really ended with.
  const pod = await api.pod(ns, 'fr-worker-1');
  expect(pod?.status?.phase).toBe('Failed');
  expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
});

test('3. multi-type rule {master:[2], worker:[0,1]} holds only when all three succeeded', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('mt', {
    replicaSpecs: [
      { type: 'master', replicas: 3, template: scripted({ 'mt-master-2': { exitCode: 0, runForMs: 500 } }) },
      // mt-worker-1 has no exit code: it runs until the test releases it below.
      { type: 'worker', replicas: 2, template: scripted({ 'mt-worker-0': { exitCode: 0, runForMs: 500 } }) },
    ],
    successRules: [{ master: [2], worker: [0, 1] }],
  }));
  // Two of three: the controller records them and the job goes on.
  const partial = await api.waitForJob(ns, 'mt', 'two succeeded', (j) => j.status?.aggregate?.succeeded === 2, { timeoutMs: 60_000 });
  expect(partial.status?.phase).not.toBe('Succeeded');
  await api.scriptPod(ns, 'mt-worker-1', { exitCode: 0 });
  const done = await api.waitForJob(ns, 'mt', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  expect(done.status?.aggregate?.succeeded).toBe(3);
});

test('4. OnFailure limit 1: the first failure restarts the pod (restartCount 1); the second fails the job', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('rs', {
    // Every rs-worker-0 runs 3 s and exits 1: the first and the restarted one.
    replicaSpecs: [{ type: 'worker', replicas: 1, restartPolicy: { policy: 'OnFailure', limit: 1 }, template: scripted({ 'rs-worker-0': { exitCode: 1, runForMs: 3000 } }) }],
    failureRules: [{ worker: [0] }],
  }));
  const [first] = await api.waitForPods(ns, 'rs', ['rs-worker-0']);
  const restarted = await waitFor('a new rs-worker-0', async () => {
    const p = await api.pod(ns, 'rs-worker-0');
    return p && p.metadata?.uid !== first!.metadata?.uid ? p : undefined;
  }, { timeoutMs: 60_000 });
  const failed = await api.waitForJob(ns, 'rs', 'Failed', (j) => j.status?.phase === 'Failed', { timeoutMs: 60_000 });
  expect(condition(failed, 'Failed')?.message).toBe('The job is failed with rule: { "worker": [0] }');
  expect(failed.status?.tasks?.[0]?.restartCount).toBe(1);
  expect(failed.status?.backoffCount).toBe(1);
  const last = await api.pod(ns, 'rs-worker-0');
  expect(last?.metadata?.uid).toBe(restarted.metadata?.uid);
  expect(last?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
  await api.waitForEvent(ns, 'rs', 'RestartReplica');
});

test.each([
  ['Unfinished', ['cu-worker-0', 'cu-worker-1']],
  ['All', []],
  ['None', ['cu-worker-0', 'cu-worker-1', 'cu-worker-2']],
] as const)('8. cleanUpPolicy %s after completion deletes the matching pods; aggregate.deleted follows', async (policy, remaining) => {
  const ns = await namespace();
  await api.create(ns, genericJob('cu', {
    // worker-1 finishes first; worker-0 (the success rule) is released once the controller has
    // seen that; worker-2 still runs then.
    replicaSpecs: [{ type: 'worker', replicas: 3, template: scripted({ 'cu-worker-1': { exitCode: 0, runForMs: 500 } }) }],
    successRules: [{ worker: [0] }],
    cleanUpPolicy: policy,
  }));
  await api.waitForJob(ns, 'cu', 'worker-1 succeeded', (j) => j.status?.aggregate?.succeeded === 1, { timeoutMs: 60_000 });
  await api.scriptPod(ns, 'cu-worker-0', { exitCode: 0 });
  await api.waitForJob(ns, 'cu', 'Succeeded', (j) => j.status?.phase === 'Succeeded', { timeoutMs: 60_000 });
  await api.waitForPods(ns, 'cu', [...remaining], { timeoutMs: 60_000 });
  const job = await api.waitForJob(ns, 'cu', 'aggregate.deleted', (j) => j.status?.aggregate?.deleted === 3 - remaining.length);
  expect(job.status?.phase).toBe('Succeeded');
});

test('9. debug mode: rules are not evaluated, a finished replica does not finish the job', async () => {
  const ns = await namespace();
  const withInit = (script: Record<string, PodScript>): PodTemplateSpec => ({
    ...scripted(script),
    spec: { initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['true'] }], containers: [{ name: 'main', image: 'busybox:1.36', command: ['train'], args: ['--epochs', '3'] }] },
  });
  await api.create(ns, genericJob('dbg', {
    replicaSpecs: [
      { type: 'master', replicas: 1, template: withInit({}) },
      { type: 'worker', replicas: 1, template: withInit({ 'dbg-worker-0': { exitCode: 0, runForMs: 1000 } }) },
    ],
    runMode: { debug: { enabled: true, replicaSpecs: [{ type: 'worker', skipInitContainer: true, command: ['/usr/bin/sshd'] }] } },
  }));
  const job = await api.waitForJob(ns, 'dbg', 'running with one succeeded', (j) => j.status?.aggregate?.succeeded === 1 && j.status?.aggregate?.running === 1,
    { timeoutMs: 60_000 });
  expect(job.status?.phase).toBe('Running');
  expect(condition(job, 'Completed')).toBeUndefined();
});

test('10. pause deletes every pod (Paused); resume runs the resumeSpecs; resumeSpecs is immutable', async () => {
  const ns = await namespace();
  await api.create(ns, genericJob('pz', {
    replicaSpecs: [{ type: 'worker', replicas: 2, template: scripted({}) }],
    runMode: { pause: { enabled: false, resumeSpecs: [{ type: 'worker', command: ['resume.sh'], args: ['--from-checkpoint'] }] } },
  }));
  await api.waitForJob(ns, 'pz', 'Running', (j) => j.status?.phase === 'Running' && j.status?.aggregate?.running === 2, { timeoutMs: 60_000 });
  await api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { enabled: true } } } });
  // KWOK confirms the deletions as a kubelet would: the pods go away.
  await api.waitForPods(ns, 'pz', [], { timeoutMs: 60_000 });
  const paused = await api.waitForJob(ns, 'pz', 'Paused', (j) => j.status?.phase === 'Paused');
  expect(condition(paused, 'Paused')).toMatchObject({ status: 'True', reason: 'Paused' });
  await expect(api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { resumeSpecs: [{ type: 'worker', command: ['other'] }] } } } }))
    .rejects.toThrow('spec.runMode.pause.resumeSpecs: field is immutable');
  await api.patchJobSpec(ns, 'pz', { spec: { runMode: { pause: { enabled: false } } } });
  const pods = await api.waitForPods(ns, 'pz', ['pz-worker-0', 'pz-worker-1'], { timeoutMs: 60_000 });
  expect(pods[0]!.spec.containers[0]).toMatchObject({ command: ['resume.sh'], args: ['--from-checkpoint'] });
  await api.waitForJob(ns, 'pz', 'Running again', (j) => j.status?.phase === 'Running' && j.status?.aggregate?.running === 2, { timeoutMs: 60_000 });
});
