/**
 * @jest-environment ./test/cluster/environment.ts
 */
import * as http from 'node:http';
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

test('a failing pod fails the job (backoffLimit 0) with its pod and exit code in the answer; stopping it then is a 400', async () => {
  const { namespace, kube } = running();
  const { body } = await api().call('POST', '/api/v1/jobs', {});
  const p = await podOf(kube, namespace, body.name);
  await setPod(kube, namespace, p, { exitCode: 3 });
  const failed = await waitStatus(`/api/v1/jobs/${body.name}`, 'Failed');
  // Radix's podStatuses and a message from the pod's failure (the container's reason and exit code).
  expect(failed.message).toBe('Error, exit code 3');
  expect(failed.podStatuses).toEqual([{
    name: p.metadata!.name,
    created: expect.stringMatching(/Z$/),
    startTime: expect.stringMatching(/Z$/),
    endTime: expect.stringMatching(/Z$/),
    containerStarted: expect.stringMatching(/Z$/),
    replicaStatus: { status: 'Failed' },
    statusMessage: 'Error, exit code 3',
    image: 'registry.example.com/compute:1.0',
    exitCode: 3,
    reason: 'Error',
  }]);
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

const BATCH = /^batch-compute[a-z0-9]{9}-\d{14}-[a-z0-9]{8}$/;

test('POST /api/v1/batches: the seed\'s batch with defaults; GET, stop a job (short name), stop, delete', async () => {
  const { namespace, kube } = running();
  const res = await api().call('POST', '/api/v1/batches', {
    defaultRadixJobComponentConfig: {
      timeLimitSeconds: 200,
      backoffLimit: 5,
      resources: { limits: { memory: '200Mi', cpu: '200m' }, requests: { memory: '100Mi', cpu: '100m' } },
      imageTagName: '1.0.0',
    },
    jobScheduleDescriptions: [
      {
        jobId: 'job-1',
        payload: '{\'data\':\'value1\'}',
        timeLimitSeconds: 120,
        backoffLimit: 2,
        resources: { limits: { memory: '32Mi', cpu: '300m' }, requests: { memory: '16Mi', cpu: '150m' } },
        node: { gpu: 'gpu1, gpu2, gpu3', gpuCount: '6' },
      },
      { jobId: 'job-2', payload: '{\'data\':\'value2\'}', imageTagName: '2.0.0' },
      { payload: '{\'data\':\'value3\'}', timeLimitSeconds: 300, backoffLimit: 10, node: { gpu: 'gpu3', gpuCount: '1' } },
    ],
  });
  expect(res.status).toBe(200);
  const b = res.body;
  expect(b).toMatchObject({ name: expect.stringMatching(BATCH), created: expect.stringMatching(/Z$/), started: null, ended: null, updated: null, status: 'Waiting', batchType: 'batch', DeploymentName: 'compute' });
  expect(b.jobStatuses.map((j: any) => [j.jobId, j.batchName, j.status, j.name.startsWith(`${b.name}-`)])).toEqual([
    ['job-1', b.name, 'Waiting', true], ['job-2', b.name, 'Waiting', true], [undefined, b.name, 'Waiting', true],
  ]);
  const names: string[] = b.jobStatuses.map((j: any) => j.name);
  const [j1, j2, j3] = await Promise.all(names.map(batchJob));
  const settings = (j: Obj) => [j.spec.template.spec.activeDeadlineSeconds, j.spec.backoffLimit, j.spec.template.spec.containers[0].image];
  expect([j1!, j2!, j3!].map(settings)).toEqual([
    [120, 2, 'registry.example.com/compute:1.0.0'], [200, 5, 'registry.example.com/compute:2.0.0'], [300, 10, 'registry.example.com/compute:1.0.0'],
  ]);
  expect(j1!.spec.template.spec.containers[0].resources).toEqual({ limits: { memory: '32Mi', cpu: '300m' }, requests: { memory: '16Mi', cpu: '150m' } });
  expect(j2!.spec.template.spec.containers[0].resources).toEqual({ limits: { memory: '200Mi', cpu: '200m' }, requests: { memory: '100Mi', cpu: '100m' } });
  expect(j1!.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
    { key: 'radix-node-gpu-count', operator: 'Gt', values: ['5'] }, { key: 'radix-node-gpu', operator: 'In', values: ['gpu1', 'gpu2', 'gpu3'] },
  ]);
  // One payload Secret holds the three payloads, one key per job.
  const secret = await kube.get<Obj>(paths(namespace).secret(`${b.name}-payloads-0`));
  expect(Object.keys(secret!.data!).sort()).toEqual(names.map((n) => n.slice(n.lastIndexOf('-') + 1)).sort());

  expect((await api().call('GET', '/api/v1/batches')).body).toContainEqual(expect.objectContaining({ name: b.name, batchType: 'batch' }));
  const one = await api().call('GET', `/api/v1/batches/${b.name}`);
  expect(one.body.jobStatuses.map((j: any) => j.name)).toEqual(names);
  const full = await api().call('GET', `/api/v1/batches/${b.name}/jobs/${names[0]}`);
  expect(full.body).toMatchObject({ name: names[0], jobId: 'job-1', batchName: b.name });
  // The short name finds the same job (its status may move on between the two reads: the controller runs).
  expect((await api().call('GET', `/api/v1/batches/${b.name}/jobs/${names[0]!.slice(-8)}`)).body)
    .toMatchObject({ name: names[0], jobId: 'job-1', batchName: b.name });
  expect((await api().call('GET', '/api/v1/jobs')).body.map((j: any) => j.name)).toEqual(expect.arrayContaining(names));

  const short = names[1]!.slice(-8);
  expect(await api().call('POST', `/api/v1/batches/${b.name}/jobs/${short}/stop`)).toEqual({
    status: 200, body: { status: 'Success', message: `job ${short} in the batch ${b.name} successfully stopped`, code: 200 },
  });
  await waitStatus(`/api/v1/batches/${b.name}/jobs/${names[1]}`, 'Stopped');
  // The seed stops a batch job by its full name: accepted too, and answered with the short one.
  expect(await api().call('POST', `/api/v1/batches/${b.name}/jobs/${names[2]}/stop`)).toEqual({
    status: 200, body: { status: 'Success', message: `job ${names[2]!.slice(-8)} in the batch ${b.name} successfully stopped`, code: 200 },
  });
  const flags = (await kube.get<Obj>(paths(namespace).batch(b.name)))!.spec.jobs.map((j: { stop?: boolean }) => j.stop === true);
  expect(flags).toEqual([false, true, true]);
  expect(await api().call('POST', `/api/v1/batches/${b.name}/stop`)).toEqual({ status: 200, body: { status: 'Success', message: `batch ${b.name} successfully stopped`, code: 200 } });
  const stopped = await waitStatus(`/api/v1/batches/${b.name}`, 'Completed');
  expect(stopped.jobStatuses.map((j: any) => j.status)).toEqual(['Stopped', 'Stopped', 'Stopped']);
  expect(stopped.ended).toMatch(/Z$/);
  expect(await api().call('POST', `/api/v1/batches/${b.name}/stop`)).toEqual({
    status: 400, body: { status: 'Failure', reason: 'BadRequest', code: 400, message: `cannot stop the batch ${b.name} with the status Completed: every job of it has ended` },
  });
  await waitFor('the Jobs to go', async () => (await kube.list(paths(namespace).jobs, { labelSelector: `radix-batch-name=${b.name}` })).items.length === 0);
  expect(await api().call('DELETE', `/api/v1/batches/${b.name}`)).toEqual({ status: 200, body: { status: 'Success', message: `batch ${b.name} successfully deleted`, code: 200 } });
  expect((await api().call('GET', `/api/v1/batches/${b.name}`)).status).toBe(404);
});

test('POST /api/v1/jobs/stop and /api/v1/batches/stop stop every running job of their kind, and only those', async () => {
  const single = (await api().call('POST', '/api/v1/jobs', {})).body.name;
  const batch = (await api().call('POST', '/api/v1/batches', { jobScheduleDescriptions: [{}, {}] })).body.name;
  const { namespace, kube } = running();
  /** `spec.jobs[].stop` of a RadixBatch. */
  const stopFlags = async (batchName: string) => {
    const jobs = (await kube.get<Obj>(paths(namespace).batch(batchName)))!.spec.jobs as Array<{ stop?: boolean }>;
    return jobs.map((j) => j.stop === true);
  };
  const singleBatch = single.slice(0, single.lastIndexOf('-'));
  expect(await stopFlags(singleBatch)).toEqual([false]);
  expect(await api().call('POST', '/api/v1/jobs/stop')).toEqual({ status: 200, body: { status: 'Success', message: 'all jobs where successfully stopped', code: 200 } });
  // Stop-all marks the single job stopped before it answers, and leaves the batch's jobs alone.
  expect(await stopFlags(singleBatch)).toEqual([true]);
  expect(await stopFlags(batch)).toEqual([false, false]);
  await waitStatus(`/api/v1/jobs/${single}`, 'Stopped');
  expect(await api().call('POST', '/api/v1/batches/stop')).toEqual({ status: 200, body: { status: 'Success', message: 'batches successfully stopped', code: 200 } });
  expect(await stopFlags(batch)).toEqual([true, true]);
  await waitStatus(`/api/v1/batches/${batch}`, 'Completed');
  expect((await api().call('GET', `/api/v1/batches/${batch}`)).body.jobStatuses.map((j: any) => j.status)).toEqual(['Stopped', 'Stopped']);
});

test('another job component\'s batches are invisible: not listed, not found, not deleted', async () => {
  const { namespace, kube } = running();
  const foreign = {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name: 'batch-etl-foreign', labels: { 'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler', 'radix-component': 'etl', 'radix-job-type': 'job-scheduler', 'radix-batch-type': 'batch' } },
    spec: { batchType: 'batch', component: { name: 'etl', image: 'etl:1', schedulerPort: 9000, timeLimitSeconds: 10, backoffLimit: 0 }, jobs: [{ name: 'abcdefgh' }] },
  };
  await kube.create(paths(namespace).batches, foreign);
  expect((await api().call('GET', '/api/v1/batches')).body.map((b: any) => b.name)).not.toContain('batch-etl-foreign');
  expect((await api().call('GET', '/api/v1/jobs')).body.map((b: any) => b.name)).not.toContain('batch-etl-foreign-abcdefgh');
  expect(await api().call('GET', '/api/v1/batches/batch-etl-foreign')).toEqual({ status: 404, body: { status: 'Failure', reason: 'NotFound', code: 404, message: 'batch batch-etl-foreign not found' } });
  expect((await api().call('DELETE', '/api/v1/batches/batch-etl-foreign')).status).toBe(404);
  expect((await api().call('POST', '/api/v1/jobs/batch-etl-foreign-abcdefgh/stop')).status).toBe(404);
  expect(await kube.get(paths(namespace).batch('batch-etl-foreign'))).toBeDefined();
});

test('a RadixBatch written by hand that names another Secret as a payload gets that job Failed, no Job, and a Warning Event', async () => {
  const { namespace, kube } = running();
  await kube.create(paths(namespace).secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials' }, stringData: { password: 'hunter2' } });
  const labels = { 'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler', 'radix-component': 'compute', 'radix-job-type': 'job-scheduler', 'radix-batch-type': 'batch' };
  const component = { name: 'compute', image: 'registry.example.com/compute:1.0', schedulerPort: 9000, timeLimitSeconds: 60, backoffLimit: 0, payload: { path: '/compute/args' } };
  await kube.create(paths(namespace).batches, {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name: 'batch-compute-handmade', labels },
    spec: { batchType: 'batch', component, jobs: [{ name: 'stealing', payloadSecretRef: { name: 'db-credentials', key: 'password' } }, { name: 'harmless' }] },
  });
  const message = 'job stealing: payloadSecretRef.name \'db-credentials\' is not a payload Secret of this batch: '
    + 'it must be named \'batch-compute-handmade-payloads-<n>\' (the job-scheduler writes these); the job is not run';
  const batch = await waitStatus('/api/v1/batches/batch-compute-handmade/jobs/stealing', 'Failed');
  expect(batch).toMatchObject({ name: 'batch-compute-handmade-stealing', message });
  await batchJob('batch-compute-handmade-harmless');
  expect(await kube.get(paths(namespace).job('batch-compute-handmade-stealing'))).toBeUndefined();
  const events = await waitFor('the Warning Event', async () => {
    const list = await kube.list<Obj & { reason?: string; type?: string; message?: string }>(`/api/v1/namespaces/${namespace}/events`,
      { fieldSelector: 'involvedObject.name=batch-compute-handmade' });
    return list.items.find((e) => e.reason === 'InvalidPayloadSecretRef');
  });
  expect(events).toMatchObject({ type: 'Warning', message });
});

test('the OpenAPI document lists the 14 routes and the request schemas the server enforces', async () => {
  const doc = (await api().call('GET', '/api/v1/openapi.json')).body;
  const routes = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>);
  const operations = routes.flatMap((p) => Object.values(p).map((o) => o.operationId));
  expect(operations.sort()).toEqual(['createBatch', 'createJob', 'deleteBatch', 'deleteJob', 'getBatch', 'getBatchJob', 'getBatches', 'getJob', 'getJobs',
    'stopAllBatches', 'stopAllJobs', 'stopBatch', 'stopBatchJob', 'stopJob']);
  expect(doc.components.schemas.JobScheduleDescription.properties.timeLimitSeconds).toMatchObject({ type: 'integer', minimum: 1 });
  expect(doc.components.schemas.JobScheduleDescription.additionalProperties).toBe(false);
  expect((await api().call('GET', '/swaggerui/doc.json')).body).toEqual(doc);
});

describe('bad requests: 4xx with a Radix Status body that names the field and the fix', () => {
  let batchName = '';
  let batchJobName = '';
  beforeAll(async () => {
    const b = (await api().call('POST', '/api/v1/batches', { jobScheduleDescriptions: [{}] })).body;
    batchName = b.name;
    batchJobName = b.jobStatuses[0].name;
  });
  const inv = (message: string) => ({ status: 422, body: { status: 'Failure', reason: 'Invalid', code: 422, message } });
  const nf = (message: string) => ({ status: 404, body: { status: 'Failure', reason: 'NotFound', code: 404, message } });
  const cases: Array<[string, string, string, unknown, () => { status: number; body: unknown }]> = [
    ['not JSON (job)', 'POST', '/api/v1/jobs', 'not json', () => inv('payload is invalid: the request body is not JSON: send a JSON object')],
    ['not JSON (batch)', 'POST', '/api/v1/batches', '{"jobScheduleDescriptions": [', () => inv('BatchScheduleDescription is invalid: the request body is not JSON: send a JSON object')],
    ['a JSON array', 'POST', '/api/v1/jobs', [], () => inv('payload is invalid: the body: must be an object, got an array of 0 items')],
    ['timeLimitSeconds 0', 'POST', '/api/v1/jobs', { timeLimitSeconds: 0 }, () => inv('payload is invalid: timeLimitSeconds: must be >= 1, got 0')],
    ['timeLimitSeconds as a string', 'POST', '/api/v1/jobs', { timeLimitSeconds: '10' }, () => inv('payload is invalid: timeLimitSeconds: must be an integer, got "10"')],
    ['negative backoffLimit', 'POST', '/api/v1/jobs', { backoffLimit: -1 }, () => inv('payload is invalid: backoffLimit: must be >= 0, got -1')],
    ['backoffLimit beyond int32', 'POST', '/api/v1/jobs', { backoffLimit: 2147483648 }, () => inv('payload is invalid: backoffLimit: must be <= 2147483647, got 2147483648')],
    ['misspelt field', 'POST', '/api/v1/jobs', { timelimitSeconds: 5 }, () => inv('payload is invalid: timelimitSeconds: unknown field: remove it or check its spelling')],
    ['cpu as a number', 'POST', '/api/v1/jobs', { resources: { limits: { cpu: 1 } } }, () => inv('payload is invalid: resources.limits.cpu: must be a string, got 1')],
    ['cpu not a quantity', 'POST', '/api/v1/jobs', { resources: { limits: { cpu: 'lots' } } },
      () => inv('payload is invalid: resources.limits.cpu: "lots" is not a Kubernetes quantity: use e.g. "250m", "2", "512Mi" or "1Gi"')],
    ['resources.limit', 'POST', '/api/v1/jobs', { resources: { limit: {} } }, () => inv('payload is invalid: resources.limit: unknown field: remove it or check its spelling')],
    ['gpuCount as a number', 'POST', '/api/v1/jobs', { node: { gpuCount: 2 } }, () => inv('payload is invalid: node.gpuCount: must be a string, got 2')],
    ['gpuCount 0', 'POST', '/api/v1/jobs', { node: { gpu: 'a', gpuCount: '0' } }, () => inv('payload is invalid: node.gpuCount (\'0\') must be a positive number of GPUs, e.g. "1"')],
    ['unknown architecture', 'POST', '/api/v1/jobs', { runtime: { architecture: 'x86' } }, () => inv('payload is invalid: runtime.architecture: must be one of "", "amd64", "arm64", got "x86"')],
    ['nodeType with capitals', 'POST', '/api/v1/jobs', { runtime: { nodeType: 'Bad_Type' } },
      () => inv('payload is invalid: runtime.nodeType: "Bad_Type" does not match ^(([a-z0-9][-a-z0-9]*)?[a-z0-9])?$')],
    ['failurePolicy action', 'POST', '/api/v1/jobs', { failurePolicy: { rules: [{ action: 'Retry', onExitCodes: { operator: 'In', values: [1] } }] } },
      () => inv('payload is invalid: failurePolicy.rules[0].action: must be one of "FailJob", "Ignore", "Count", got "Retry"')],
    ['failurePolicy without exit codes', 'POST', '/api/v1/jobs', { failurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [] } }] } },
      () => inv('payload is invalid: failurePolicy.rules[0].onExitCodes.values: must have at least 1 item')],
    ['failurePolicy without rules', 'POST', '/api/v1/jobs', { failurePolicy: {} }, () => inv('payload is invalid: failurePolicy.rules: is required')],
    ['command as a string', 'POST', '/api/v1/jobs', { command: 'sh' }, () => inv('payload is invalid: command: must be an array, got "sh"')],
    ['variable name', 'POST', '/api/v1/jobs', { variables: { '1BAD': 'x' } },
      () => inv('payload is invalid: variables: \'1BAD\' is not an environment variable name: use letters, digits and \'_\', not starting with a digit')],
    ['variable value', 'POST', '/api/v1/jobs', { variables: { A: 1 } }, () => inv('payload is invalid: variables.A: must be a string, got 1')],
    ['payload not a string, not quoted', 'POST', '/api/v1/jobs', { payload: 5 }, () => inv('payload is invalid: payload: must be a string, got (payload not shown)')],
    ['jobId not a string', 'POST', '/api/v1/jobs', { jobId: 5 }, () => inv('payload is invalid: jobId: must be a string, got 5')],
    ['payload too large', 'POST', '/api/v1/jobs', { payload: 'a'.repeat(400 * 1024) },
      () => inv('payload is invalid: payload is too large in the job #0 - its base64 size is 546134 bytes, but it is expected to be less then 524288 bytes: send at most about 383 KiB per job, or pass a reference (e.g. a URL) instead')],
    ['batch without jobs field', 'POST', '/api/v1/batches', {}, () => inv('BatchScheduleDescription is invalid: jobScheduleDescriptions: is required')],
    ['batch with no jobs', 'POST', '/api/v1/batches', { jobScheduleDescriptions: [] }, () => inv('BatchScheduleDescription is invalid: jobScheduleDescriptions: must have at least 1 item')],
    ['batch of 501 jobs', 'POST', '/api/v1/batches', { jobScheduleDescriptions: Array.from({ length: 501 }, () => ({})) },
      () => inv('BatchScheduleDescription is invalid: jobScheduleDescriptions: must have at most 500 items, got 501')],
    ['payload in the defaults', 'POST', '/api/v1/batches', { jobScheduleDescriptions: [{}], defaultRadixJobComponentConfig: { payload: 'x' } },
      () => inv('BatchScheduleDescription is invalid: defaultRadixJobComponentConfig.payload: unknown field: remove it or check its spelling')],
    ['fractional backoffLimit in a batch job', 'POST', '/api/v1/batches', { jobScheduleDescriptions: [{}, { backoffLimit: 1.5 }] },
      () => inv('BatchScheduleDescription is invalid: jobScheduleDescriptions[1].backoffLimit: must be an integer, got 1.5')],
    ['job name without -', 'GET', '/api/v1/jobs/nodash', undefined,
      () => inv('nodash is invalid: is not a valid job name: use the name POST /api/v1/jobs or /api/v1/batches returned, \'<batch name>-<job name>\'')],
    ['unknown job', 'GET', '/api/v1/jobs/batch-unknown-abcdefgh', undefined, () => nf('job batch-unknown-abcdefgh not found')],
    ['unknown job of an existing batch (upstream: 500)', 'GET', '/api/v1/jobs/{batch}-zzzzzzzz', undefined, () => nf(`job ${batchName}-zzzzzzzz not found`)],
    ['DELETE a batch job as a single job', 'DELETE', '/api/v1/jobs/{batchJob}', undefined,
      () => inv(`${batchJobName} is invalid: not a single job: it belongs to the batch ${batchName}; delete the batch with DELETE /api/v1/batches/${batchName}`)],
    ['stop an unknown job', 'POST', '/api/v1/jobs/batch-unknown-abcdefgh/stop', undefined, () => nf('job batch-unknown-abcdefgh not found')],
    ['unknown batch', 'GET', '/api/v1/batches/batch-unknown', undefined, () => nf('batch batch-unknown not found')],
    ['unknown job of a batch (upstream: 500)', 'GET', '/api/v1/batches/{batch}/jobs/zzzzzzzz', undefined, () => nf(`job ${batchName}-zzzzzzzz not found`)],
    ['stop an unknown job of a batch', 'POST', '/api/v1/batches/{batch}/jobs/zzzzzzzz/stop', undefined, () => nf(`job ${batchName}-zzzzzzzz not found`)],
    ['delete an unknown batch', 'DELETE', '/api/v1/batches/batch-unknown', undefined, () => nf('batch batch-unknown not found')],
    ['stop an unknown batch', 'POST', '/api/v1/batches/batch-unknown/stop', undefined, () => nf('batch batch-unknown not found')],
    ['unknown route', 'GET', '/api/v1/nothing', undefined,
      () => nf('route GET /api/v1/nothing not found: the job-scheduler serves /api/v1/jobs and /api/v1/batches (see /api/v1/openapi.json)')],
  ];
  test.each(cases)('%s', async (_name, method, rawPath, body, expected) => {
    const path = rawPath.replace('{batch}', batchName).replace('{batchJob}', batchJobName);
    expect(await api().call(method, path, body)).toEqual(expected());
  });

  test('a body over --max-request-bytes (32 MiB) is a Radix-style 413', async () => {
    // The answer comes before the body is read and the server then closes the connection, so the
    // client may fail writing the rest (EPIPE): read the answer with node:http, ignoring that.
    const huge = Buffer.from(JSON.stringify({ payload: 'a'.repeat(33 * 1024 * 1024) }));
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = http.request(`${api().url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': huge.length } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', (err) => setTimeout(() => reject(err), 5_000));
      req.end(huge);
    });
    expect(answer).toEqual({
      status: 413,
      body: { status: 'Failure', reason: 'RequestEntityTooLarge', code: 413, message: `the request body is larger than ${32 * 1024 * 1024} bytes: send fewer or smaller payloads per request (at most about 383 KiB per job), or split the batch` },
    });
  });

  test('no payload reaches the log', () => {
    expect(api().log()).not.toContain('value1');
    expect(api().log()).not.toContain('secret payload');
  });
});
