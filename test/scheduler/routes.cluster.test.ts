/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { Obj, paths, podOf, setPod, useScheduler } from './use-scheduler';
import { waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Every route of Radix's job-scheduler API against a real control plane: `kubejobs job-scheduler`
// with the construct's args, ServiceAccount and Role; `kubejobs controller` with its own; the real
// Job controller of kube-controller-manager creating pods, whose status the test sets as a kubelet.

const plane = useControlPlane();
const running = useScheduler(plane);

const JOB_NAME = /^batch-compute[a-z0-9]{9}-\d{14}-[a-z0-9]{8}-[a-z0-9]{8}$/;

function api() {
  return running().scheduler;
}

async function batchJob(name: string): Promise<Obj> {
  const { namespace, kube } = running();
  return waitFor(`Job ${name}`, () => kube.get<Obj>(paths(namespace).job(name)));
}

async function waitStatus(path: string, status: string): Promise<any> {
  let last: unknown;
  try {
    return await waitFor(`${path} status ${status}`, async () => {
      const res = await api().call('GET', path);
      last = res.body;
      return res.status === 200 && res.body.status === status ? res.body : undefined;
    }, { timeoutMs: 60_000 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}`);
  }
}

test('POST /api/v1/jobs: the seed\'s single job, its Job, payload Secret and Service', async () => {
  const { namespace, kube } = running();
  const res = await api().call('POST', '/api/v1/jobs', { payload: '{"x": 10, "y": 20}' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ name: expect.stringMatching(JOB_NAME), created: null, started: null, ended: null, updated: null, status: 'Waiting', DeploymentName: '' });
  const name: string = res.body.name;
  const batchName = name.slice(0, name.lastIndexOf('-'));
  const short = name.slice(name.lastIndexOf('-') + 1);

  const batch = await kube.get<Obj>(paths(namespace).batch(batchName));
  expect(batch?.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler', 'radix-component': 'compute', 'radix-job-type': 'job-scheduler', 'radix-batch-type': 'job' });
  expect(batch?.metadata?.annotations?.['kubejobs.dev/payloads-pending']).toBeUndefined();
  expect(batch?.spec.jobs).toEqual([{ name: short, payloadSecretRef: { name: `${batchName}-payloads-0`, key: short } }]);

  const secret = await kube.get<Obj>(paths(namespace).secret(`${batchName}-payloads-0`));
  expect(Buffer.from(secret!.data![short]!, 'base64').toString()).toBe('{"x": 10, "y": 20}');
  expect(secret!.metadata!.ownerReferences).toEqual([{ apiVersion: 'kubejobs.dev/v1', kind: 'RadixBatch', name: batchName, uid: batch!.metadata!.uid }]);
  expect(secret!.metadata!.labels).toMatchObject({ 'radix-batch-name': batchName, 'radix-secret-type': 'scheduler-job-payload', 'radix-component': 'compute' });

  const job = await batchJob(name);
  expect(job.metadata!.ownerReferences).toEqual([{ apiVersion: 'kubejobs.dev/v1', kind: 'RadixBatch', name: batchName, uid: batch!.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
  expect(job.metadata!.labels).toMatchObject({ 'radix-component': 'compute', 'radix-job-type': 'job-scheduler', 'radix-batch-name': batchName, 'radix-batch-job-name': short });
  expect(job.spec.backoffLimit).toBe(0);
  expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
  const pod = job.spec.template.spec;
  expect(pod.activeDeadlineSeconds).toBe(43200);
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.volumes).toEqual([{ name: 'job-payload', secret: { secretName: `${batchName}-payloads-0`, items: [{ key: short, path: 'payload' }], defaultMode: 420 } }]);
  const container = pod.containers[0];
  expect(container.name).toBe('compute');
  expect(container.image).toBe('registry.example.com/compute:1.0');
  expect(container.imagePullPolicy).toBe('Always');
  expect(container.volumeMounts).toEqual([{ name: 'job-payload', mountPath: '/compute/args', readOnly: true }]);
  expect(container.env).toEqual([{ name: 'RADIX_JOB_NAME', value: name }]);

  const service = await waitFor('the job Service', () => kube.get<Obj>(paths(namespace).service(name)));
  expect(service.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 3000, protocol: 'TCP' }]);
  expect(service.spec.selector).toEqual({ 'radix-batch-name': batchName, 'radix-batch-job-name': short });

  // The real Job controller made a pod; a kubelet would run it: Running, then exit 0.
  const p = await podOf(kube, namespace, name);
  await setPod(kube, namespace, p, { running: true });
  const runningStatus = await waitStatus(`/api/v1/jobs/${name}`, 'Running');
  expect(runningStatus.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(runningStatus.created).toMatch(/Z$/);
  await setPod(kube, namespace, p, { exitCode: 0 });
  const done = await waitStatus(`/api/v1/jobs/${name}`, 'Succeeded');
  expect(done.ended).toMatch(/Z$/);
  const list = await api().call('GET', '/api/v1/jobs');
  expect(list.body).toContainEqual(done);
});

test('a failing pod fails the job (backoffLimit 0); stopping it then is a 400', async () => {
  const { namespace, kube } = running();
  const { body } = await api().call('POST', '/api/v1/jobs', {});
  const p = await podOf(kube, namespace, body.name);
  await setPod(kube, namespace, p, { exitCode: 3 });
  await waitStatus(`/api/v1/jobs/${body.name}`, 'Failed');
  expect(await api().call('POST', `/api/v1/jobs/${body.name}/stop`)).toEqual({
    status: 400, body: { status: 'Failure', reason: 'BadRequest', code: 400, message: `cannot stop the job ${body.name} with the status Failed: it has ended` },
  });
});

test('POST /api/v1/jobs/{name}/stop: Stopped, its Job and pod go away, the record stays', async () => {
  const { namespace, kube } = running();
  const { body } = await api().call('POST', '/api/v1/jobs', { payload: 'p' });
  await podOf(kube, namespace, body.name);
  expect(await api().call('POST', `/api/v1/jobs/${body.name}/stop`)).toEqual({ status: 200, body: { status: 'Success', message: `job ${body.name} was successfully stopped`, code: 200 } });
  await waitStatus(`/api/v1/jobs/${body.name}`, 'Stopped');
  await waitFor('the Job to go', async () => (await kube.get(paths(namespace).job(body.name))) === undefined);
  const batchName = body.name.slice(0, body.name.lastIndexOf('-'));
  expect(await kube.get(paths(namespace).batch(batchName))).toBeDefined();
});

test('DELETE /api/v1/jobs/{name}: the batch, its Job and payload Secret go', async () => {
  const { namespace, kube } = running();
  const { body } = await api().call('POST', '/api/v1/jobs', { payload: 'secret payload' });
  const batchName = body.name.slice(0, body.name.lastIndexOf('-'));
  await batchJob(body.name);
  expect(await api().call('DELETE', `/api/v1/jobs/${body.name}`)).toEqual({ status: 200, body: { status: 'Success', message: `job ${body.name} successfully deleted`, code: 200 } });
  await waitFor('the Secret to go', async () => (await kube.get(paths(namespace).secret(`${batchName}-payloads-0`))) === undefined, { timeoutMs: 60_000 });
  await waitFor('the Job to go', async () => (await kube.get(paths(namespace).job(body.name))) === undefined, { timeoutMs: 60_000 });
  expect((await api().call('GET', `/api/v1/jobs/${body.name}`)).status).toBe(404);
});
