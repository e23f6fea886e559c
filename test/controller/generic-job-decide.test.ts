import type { GenericJob, GenericJobSpec, GenericJobStatus } from '../../imports/batch.tensorstack.dev';
import { decide, formatRule, ObservedPod, replicaPhaseOf } from '../../src/controller/generic-job/decide';
import { expandT9kVariables } from '../../src/controller/generic-job/variables';

const NOW = '2026-01-01T00:00:00Z';
const tpl = { spec: { containers: [{ name: 'main', image: 'busybox', command: ['run', '$(type)-$(rank)'] }] } };

function job(spec: Partial<GenericJobSpec>, status?: GenericJob['status']): GenericJob {
  return {
    apiVersion: 'batch.tensorstack.dev/v1beta1',
    kind: 'GenericJob',
    metadata: { name: 'j', namespace: 'ns', uid: 'job-uid', generation: 1 },
    spec: { replicaSpecs: [{ type: 'worker', replicas: 2, template: tpl }], ...spec },
    ...(status ? { status } : {}),
  };
}

function pod(name: string, phase: string, uid = `${name}-uid`, extra: Partial<ObservedPod['metadata']> = {}): ObservedPod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid, ...extra }, spec: {}, status: { phase } };
}

describe('decide', () => {
  test('a new job: creates every pod, phase Pending, replicas Creating', () => {
    const plan = decide({ job: job({}), pods: [], services: [], now: NOW });
    expect(plan.createPods.map((p) => p.metadata?.name)).toEqual(['j-worker-0', 'j-worker-1']);
    expect(plan.status.phase).toBe('Pending');
    expect(plan.status.aggregate).toEqual({ creating: 2, pending: 0, running: 0, succeeded: 0, failed: 0, unknown: 0, deleted: 0 });
    expect((plan.createPods[1]!.spec as { containers: Array<{ command: string[] }> }).containers[0]!.command).toEqual(['run', 'worker-1']);
  });

  test('default rules: all succeeded => Succeeded', () => {
    const plan = decide({ job: job({}), pods: [pod('j-worker-0', 'Succeeded'), pod('j-worker-1', 'Succeeded')], services: [], now: NOW });
    expect(plan.status.phase).toBe('Succeeded');
  });

  test('default failure rule names the exhausted replicas', () => {
    const plan = decide({ job: job({ replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' }, template: tpl }] }), pods: [pod('j-worker-0', 'Running'), pod('j-worker-1', 'Failed')], services: [], now: NOW });
    expect(plan.status.phase).toBe('Failed');
    expect(plan.status.conditions?.find((c) => c.type === 'Failed')?.message).toBe('The job is failed with rule: { "worker": [1] }');
  });

  test('failure wins a tie with success', () => {
    const plan = decide({
      job: job({ successRules: [{ worker: [0] }], failureRules: [{ worker: [1] }], replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' }, template: tpl }] }),
      pods: [pod('j-worker-0', 'Succeeded'), pod('j-worker-1', 'Failed')],
      services: [],
      now: NOW,
    });
    expect(plan.status.phase).toBe('Failed');
  });

  test('a restart is counted once: first with the status, then only the deletion is repeated', () => {
    const spec = { replicaSpecs: [{ type: 'worker', replicas: 1, restartPolicy: { policy: 'OnFailure' as const, limit: 2 }, template: tpl }] };
    const first = decide({ job: job(spec), pods: [pod('j-worker-0', 'Failed', 'u1')], services: [], now: NOW });
    expect(first.status.tasks?.[0]).toMatchObject({ restartCount: 1, replicas: [{ name: 'j-worker-0', uid: 'u1', phase: 'Deleted' }] });
    expect(first.deletePods).toEqual([{ name: 'j-worker-0', uid: 'u1', reason: 'Restart' }]);
    // The controller crashed before deleting: the same failed pod, with the status already written.
    const again = decide({ job: job(spec, first.status), pods: [pod('j-worker-0', 'Failed', 'u1')], services: [], now: NOW });
    expect(again.status.tasks?.[0]?.restartCount).toBe(1);
    expect(again.deletePods).toEqual([{ name: 'j-worker-0', uid: 'u1', reason: 'Restart' }]);
    // Deleted: the pod is created again.
    const gone = decide({ job: job(spec, again.status), pods: [], services: [], now: NOW });
    expect(gone.createPods.map((p) => p.metadata?.name)).toEqual(['j-worker-0']);
    expect(gone.status.backoffCount).toBe(1);
  });

  test('Always restarts succeeded replicas while the limit lasts', () => {
    const spec = { successRules: [{ worker: [0, 1] }], replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Always' as const, limit: 1 }, template: tpl }] };
    const plan = decide({ job: job(spec), pods: [pod('j-worker-0', 'Succeeded'), pod('j-worker-1', 'Running')], services: [], now: NOW });
    expect(plan.deletePods.map((d) => d.name)).toEqual(['j-worker-0']);
    expect(plan.status.phase).toBe('Running');
  });

  describe('a pod deleted by someone else', () => {
    const running = (spec: Partial<GenericJobSpec>) => decide({ job: job(spec), pods: [pod('j-worker-0', 'Running', 'u0'), pod('j-worker-1', 'Running', 'u1')], services: [], now: NOW }).status;

    test('while running, with restarts left: counted as a restart and created again', () => {
      const spec = { replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure' as const, limit: 1 }, template: tpl }] };
      const plan = decide({ job: job(spec, running(spec)), pods: [pod('j-worker-0', 'Running', 'u0')], services: [], now: NOW });
      expect(plan.status.tasks?.[0]?.restartCount).toBe(1);
      expect(plan.status.tasks?.[0]?.replicas?.[1]).toMatchObject({ name: 'j-worker-1', uid: 'u1', phase: 'Deleted' });
      expect(plan.createPods.map((p) => p.metadata?.name)).toEqual(['j-worker-1']);
      expect(plan.events).toContainEqual({ type: 'Warning', reason: 'ReplicaDeleted', message: 'Pod j-worker-1 was deleted before it finished: replica j-worker-1 failed' });
      // The next reconcile (status written, pod not yet recreated) creates it without counting again.
      const next = decide({ job: job(spec, plan.status), pods: [pod('j-worker-0', 'Running', 'u0')], services: [], now: NOW });
      expect(next.status.tasks?.[0]?.restartCount).toBe(1);
      expect(next.createPods.map((p) => p.metadata?.name)).toEqual(['j-worker-1']);
    });

    test('while running, being deleted gracefully (deletionTimestamp): the same', () => {
      const spec = { replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure' as const, limit: 1 }, template: tpl }] };
      const deleting = pod('j-worker-1', 'Running', 'u1', { deletionTimestamp: NOW });
      const plan = decide({ job: job(spec, running(spec)), pods: [pod('j-worker-0', 'Running', 'u0'), deleting], services: [], now: NOW });
      expect(plan.status.tasks?.[0]?.restartCount).toBe(1);
      expect(plan.createPods).toEqual([]);
    });

    test('with policy Never: the replica failed, and the default failure rule fails the job', () => {
      const spec = { replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' as const }, template: tpl }] };
      const plan = decide({ job: job(spec, running(spec)), pods: [pod('j-worker-0', 'Running', 'u0')], services: [], now: NOW });
      expect(plan.status.phase).toBe('Failed');
      expect(plan.createPods).toEqual([]);
      expect(plan.status.tasks?.[0]?.restartCount).toBe(0);
      expect(plan.status.conditions?.find((c) => c.type === 'ReplicaFailure')).toMatchObject({ status: 'True', message: 'Replicas failed: j-worker-1' });
    });

    test('after it succeeded: the replica stays Succeeded and is not run again', () => {
      const spec = { successRules: [{ worker: [0, 1] }], replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure' as const, limit: 3 }, template: tpl }] };
      const half = decide({ job: job(spec), pods: [pod('j-worker-0', 'Running', 'u0'), pod('j-worker-1', 'Succeeded', 'u1')], services: [], now: NOW }).status;
      const plan = decide({ job: job(spec, half), pods: [pod('j-worker-0', 'Running', 'u0')], services: [], now: NOW });
      expect(plan.createPods).toEqual([]);
      expect(plan.status.tasks?.[0]?.replicas?.[1]).toMatchObject({ name: 'j-worker-1', uid: 'u1', phase: 'Succeeded' });
      expect(plan.status.tasks?.[0]?.restartCount).toBe(0);
      const done = decide({ job: job(spec, plan.status), pods: [pod('j-worker-0', 'Succeeded', 'u0')], services: [], now: NOW });
      expect(done.status.phase).toBe('Succeeded');
    });
  });

  test('a replica counted as failed stays failed when its terminating pod later exits 0', () => {
    const spec = { failureRules: [{ worker: [0, 1] }], replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' as const }, template: tpl }] };
    const running = decide({ job: job(spec), pods: [pod('j-worker-0', 'Running', 'u0'), pod('j-worker-1', 'Running', 'u1')], services: [], now: NOW }).status;
    const deleting = (phase: string) => pod('j-worker-1', phase, 'u1', { deletionTimestamp: NOW });
    const failed = decide({ job: job(spec, running), pods: [pod('j-worker-0', 'Running', 'u0'), deleting('Running')], services: [], now: NOW });
    expect(failed.status.tasks?.[0]?.replicas?.[1]?.phase).toBe('Failed');
    const later = decide({ job: job(spec, failed.status), pods: [pod('j-worker-0', 'Succeeded', 'u0'), deleting('Succeeded')], services: [], now: NOW });
    expect(later.status.tasks?.[0]?.replicas?.[1]?.phase).toBe('Failed');
    expect(later.status.phase).toBe('Failed');
  });

  test('ReplicaFailure clears when the job succeeds after a restart, and a name clash is left to the reconciler', () => {
    const spec = { replicaSpecs: [{ type: 'worker', replicas: 1, restartPolicy: { policy: 'OnFailure' as const, limit: 1 }, template: tpl }] };
    const restarted = decide({ job: job(spec), pods: [pod('j-worker-0', 'Failed', 'u0')], services: [], now: NOW });
    const done = decide({ job: job(spec, restarted.status), pods: [pod('j-worker-0', 'Succeeded', 'u1')], services: [], now: NOW });
    expect(done.status.phase).toBe('Succeeded');
    expect(done.status.conditions?.find((c) => c.type === 'ReplicaFailure')).toMatchObject({ status: 'False', reason: 'Succeeded' });
    const clash = { type: 'ReplicaFailure' as const, status: 'True' as const, reason: 'NameConflict', message: 'Pod j-worker-0 already exists', lastTransitionTime: NOW };
    const blocked = decide({ job: job(spec, { phase: 'Pending', conditions: [clash] }), pods: [], services: [], now: NOW });
    expect(blocked.status.conditions?.find((c) => c.type === 'ReplicaFailure')).toEqual(clash);
  });

  test('ReplicaFailure names the replica that failed the job, not one restarted earlier', () => {
    const spec = { replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'OnFailure' as const, limit: 1 }, template: tpl }] };
    const restarted = decide({ job: job(spec), pods: [pod('j-worker-0', 'Failed', 'u0'), pod('j-worker-1', 'Running', 'u1')], services: [], now: NOW });
    expect(restarted.status.conditions?.find((c) => c.type === 'ReplicaFailure')?.message).toBe('Replicas failed: j-worker-0 (restarting)');
    const failed = decide({ job: job(spec, restarted.status), pods: [pod('j-worker-0', 'Running', 'u2'), pod('j-worker-1', 'Failed', 'u1')], services: [], now: NOW });
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.conditions?.find((c) => c.type === 'ReplicaFailure')?.message).toBe('Replicas failed: j-worker-1');
  });

  test('a terminal phase never goes back, and no pod is created after it', () => {
    const done = decide({ job: job({}), pods: [pod('j-worker-0', 'Succeeded'), pod('j-worker-1', 'Succeeded')], services: [], now: NOW });
    const later = decide({ job: job({}, done.status), pods: [], services: [], now: '2026-01-02T00:00:00Z' });
    expect(later.status.phase).toBe('Succeeded');
    expect(later.createPods).toEqual([]);
    expect(later.status.aggregate?.deleted).toBe(2);
    expect(later.status.conditions).toEqual(done.status.conditions);
  });

  test('all replicas finished without a rule holding: Failed, not stuck', () => {
    const plan = decide({
      job: job({ successRules: [{ worker: [0, 1] }], failureRules: [{ worker: [0] }], replicaSpecs: [{ type: 'worker', replicas: 2, restartPolicy: { policy: 'Never' }, template: tpl }] }),
      pods: [pod('j-worker-0', 'Succeeded'), pod('j-worker-1', 'Failed')],
      services: [],
      now: NOW,
    });
    expect(plan.status.phase).toBe('Failed');
    expect(plan.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ reason: 'NoRuleSatisfied', message: 'All replicas have finished but no success rule holds.' });
  });

  test('pause deletes pods; pods being deleted are not recreated', () => {
    const plan = decide({ job: job({ runMode: { pause: { enabled: true } } }), pods: [pod('j-worker-0', 'Running'), pod('j-worker-1', 'Running', 'x', { deletionTimestamp: NOW })], services: [], now: NOW });
    expect(plan.deletePods.map((d) => d.name)).toEqual(['j-worker-0']);
    expect(plan.status.phase).toBe('Paused');
    expect(plan.createPods).toEqual([]);
  });

  test('conditions keep their lastTransitionTime while unchanged', () => {
    const first = decide({ job: job({}), pods: [pod('j-worker-0', 'Running'), pod('j-worker-1', 'Running')], services: [], now: NOW });
    const second = decide({ job: job({}, first.status), pods: [pod('j-worker-0', 'Running'), pod('j-worker-1', 'Running')], services: [], now: '2026-02-01T00:00:00Z' });
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
  });
});

test('formatRule renders T9k\'s message format', () => {
  expect(formatRule({ master: [2], worker: [0, 1] })).toBe('{ "master": [2], "worker": [0, 1] }');
});

test('replicaPhaseOf: unscheduled Pending is Creating, scheduled is Pending', () => {
  expect(replicaPhaseOf(pod('p', 'Pending'), false)).toBe('Creating');
  expect(replicaPhaseOf({ ...pod('p', 'Pending'), spec: { nodeName: 'n1' } }, false)).toBe('Pending');
  expect(replicaPhaseOf(undefined, true)).toBe('Deleted');
});

test('expandT9kVariables leaves unknown variables alone', () => {
  const spec: GenericJobSpec = { replicaSpecs: [{ type: 'worker', replicas: 3, template: tpl }], service: { ports: [{ name: 'http', port: 80 }] } };
  const scope = { jobName: 'j', type: 'worker', rank: 1, spec };
  expect(expandT9kVariables('$(service.worker[2].host):$(service.port[http]) $(service.worker[3].host) $(service.port[grpc]) $(X)', scope))
    .toBe('j-worker-2:80 $(service.worker[3].host) $(service.port[grpc]) $(X)');
});

describe('a container that cannot start is shown on the job (issue 13)', () => {
  const waiting = (name: string, reason: string, message: string | undefined, init = false): ObservedPod => {
    const status = [{ name: init ? 'setup' : 'main', state: { waiting: { reason, ...(message ? { message } : {}) } } }];
    return {
      ...pod(name, 'Pending'),
      spec: { nodeName: 'node-1' },
      status: { phase: 'Pending', ...(init ? { initContainerStatuses: status } : { containerStatuses: status }) },
    };
  };
  const replicaFailure = (plan: ReturnType<typeof decide>) => plan.status.conditions?.find((c) => c.type === 'ReplicaFailure');

  test.each([
    ['CreateContainerConfigError', 'container has runAsNonRoot and image will run as root (pod: "j-worker-0_ns(u)", container: main)'],
    ['ImagePullBackOff', 'Back-off pulling image "pyhton:3.12-slim"'],
    ['ErrImagePull', 'failed to pull and unpack image "docker.io/library/pyhton:3.12-slim": not found'],
    ['InvalidImageName', 'Failed to apply default image tag "Python 3.12": couldn\'t parse image name'],
    ['CrashLoopBackOff', 'back-off 10s restarting failed container=main'],
    // Any reason but a normal start, as the Radix job-scheduler reports it too (one rule: container-waiting.ts).
    ['ErrImageNeverPull', 'Container image "localhost/train:1" is not present with pull policy of Never'],
    ['RunContainerError', 'failed to create containerd task: exec: "pyhton": executable file not found in $PATH'],
  ])('%s: ReplicaFailure=True with the kubelet\'s message, and one Warning Event', (reason, message) => {
    const plan = decide({ job: job({}), pods: [waiting('j-worker-0', reason, message), pod('j-worker-1', 'Running')], services: [], now: NOW });
    expect(replicaFailure(plan)).toEqual({
      type: 'ReplicaFailure',
      status: 'True',
      reason,
      lastTransitionTime: NOW,
      message: `j-worker-0 container 'main' cannot start (${reason}): ${message}`,
    });
    expect(plan.status.phase).toBe('Running');
    expect(plan.events).toContainEqual({ type: 'Warning', reason, message: `j-worker-0 container 'main' cannot start (${reason}): ${message}` });
    // The next reconcile sees the same: the condition stays, no second Event.
    const again = decide({ job: job({}, plan.status), pods: [waiting('j-worker-0', reason, message), pod('j-worker-1', 'Running')], services: [], now: '2026-01-01T00:01:00Z' });
    expect(replicaFailure(again)).toEqual(replicaFailure(plan));
    expect(again.events.filter((e) => e.reason === reason)).toEqual([]);
  });

  test('init containers count too; every replica that cannot start is named', () => {
    const plan = decide({
      job: job({}),
      pods: [waiting('j-worker-0', 'ErrImagePull', 'not found', true), waiting('j-worker-1', 'CreateContainerConfigError', 'secret "s3" not found')],
      services: [],
      now: NOW,
    });
    expect(replicaFailure(plan)?.reason).toBe('ErrImagePull');
    expect(replicaFailure(plan)?.message).toBe(
      'j-worker-0 container \'setup\' cannot start (ErrImagePull): not found; j-worker-1 container \'main\' cannot start (CreateContainerConfigError): secret "s3" not found',
    );
  });

  test('a container that is only being created is not a failure, and the condition clears once the pods run', () => {
    const creating = decide({ job: job({}), pods: [waiting('j-worker-0', 'ContainerCreating', undefined), waiting('j-worker-1', 'PodInitializing', undefined)], services: [], now: NOW });
    expect(replicaFailure(creating)).toBeUndefined();
    const stuck = decide({ job: job({}), pods: [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off'), pod('j-worker-1', 'Running')], services: [], now: NOW });
    const recovered = decide({ job: job({}, stuck.status), pods: [pod('j-worker-0', 'Running'), pod('j-worker-1', 'Running')], services: [], now: NOW });
    expect(replicaFailure(recovered)).toMatchObject({ status: 'False' });
  });

  /** Reconciles the job through the pods of each step in turn, from its status after the previous one. */
  const through = (steps: ObservedPod[][]) => {
    let status: GenericJobStatus | undefined;
    return steps.map((pods, i) => {
      const plan = decide({ job: job({}, status), pods, services: [], now: `2026-01-01T00:0${i}:00Z` });
      status = plan.status;
      return plan;
    });
  };
  const running = pod('j-worker-1', 'Running');

  test('a pull failing again and again (ErrImagePull, ImagePullBackOff, ...) is one failure: no rewrite, no new Event', () => {
    const plans = through([
      [waiting('j-worker-0', 'ErrImagePull', 'failed to pull and unpack image "docker.io/library/pyhton:3.12-slim": not found'), running],
      [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off pulling image "pyhton:3.12-slim"'), running],
      [waiting('j-worker-0', 'ErrImagePull', 'failed to pull image "pyhton:3.12-slim": rpc error: code = NotFound'), running],
      [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off pulling image "pyhton:3.12-slim"'), running],
    ]);
    expect(plans[0].events.filter((e) => e.type === 'Warning')).toHaveLength(1);
    for (const later of plans.slice(1)) {
      expect(replicaFailure(later)).toEqual(replicaFailure(plans[0]));
      expect(later.events.filter((e) => e.type === 'Warning')).toEqual([]);
    }
  });

  test('a growing CrashLoopBackOff back-off is no change: no rewrite, no new Event', () => {
    const crash = (seconds: string) => waiting('j-worker-0', 'CrashLoopBackOff', `back-off ${seconds} restarting failed container=setup pod=j-worker-0_ns(u)`, true);
    const plans = through([[crash('10s'), running], [crash('20s'), running], [crash('40s'), running], [crash('5m0s'), running]]);
    expect(plans[0].events.filter((e) => e.type === 'Warning')).toHaveLength(1);
    for (const later of plans.slice(1)) {
      expect(replicaFailure(later)).toEqual(replicaFailure(plans[0]));
      expect(later.events).toEqual([]);
    }
  });

  test('another stuck container, or another cause, is a change: rewritten with a new Event', () => {
    const plans = through([
      [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off pulling image "a"'), running],
      [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off pulling image "a"'), waiting('j-worker-1', 'ErrImagePull', 'not found')],
      [waiting('j-worker-0', 'CreateContainerConfigError', 'secret "s3" not found'), waiting('j-worker-1', 'ImagePullBackOff', 'Back-off')],
    ]);
    expect(plans.map((p) => p.events.filter((e) => e.type === 'Warning').map((e) => e.reason)))
      .toEqual([['ImagePullBackOff'], ['ImagePullBackOff'], ['CreateContainerConfigError']]);
    expect(replicaFailure(plans[1])?.message).toBe(
      'j-worker-0 container \'main\' cannot start (ImagePullBackOff): Back-off pulling image "a"; j-worker-1 container \'main\' cannot start (ErrImagePull): not found',
    );
    expect(replicaFailure(plans[2])?.reason).toBe('CreateContainerConfigError');
  });

  test('a pod back from ImagePullBackOff to ContainerCreating clears the condition before it runs', () => {
    const [, recovering] = through([
      [waiting('j-worker-0', 'ImagePullBackOff', 'Back-off pulling image "a"'), running],
      [waiting('j-worker-0', 'ContainerCreating', undefined), running],
    ]);
    expect(replicaFailure(recovering)).toEqual({
      type: 'ReplicaFailure',
      status: 'False',
      reason: 'ContainersCanStart',
      lastTransitionTime: '2026-01-01T00:01:00Z',
      message: 'No container of the job is stuck any more: the ones that could not start are starting.',
    });
  });
});
