/**
 * `npm run bench:controller`: pod creation throughput of `kubejobs controller` against a real peer,
 * kube-controller-manager's Job controller, and against a plain client loop, in one run on one
 * control plane (etcd + kube-apiserver + kube-controller-manager, as the cluster tests start it).
 *
 * 1. Admission: the API server's cost of admitting a GenericJob against a batch/v1 Job of the same
 *    pod template: `dryRun=All` creates (schema, defaulting, CEL, admission; no etcd write),
 *    alternated, same concurrency; reported per object (median of rounds) and as a ratio, with
 *    diagnostic CRD copies that show what the CEL rules and the pod template schema cost.
 * 2. Throughput, `JOBS` jobs x `REPLICAS` pods created at once (every create in flight together):
 *    (a) batch/v1 Jobs (parallelism = completions = REPLICAS) reconciled by kube-controller-manager;
 *    (b) GenericJobs reconciled by `kubejobs controller`;
 *    (c) the same pods POSTed by a plain client loop (`CONCURRENCY` workers).
 *    For each: time until every pod exists, pods/s, p50/p99 from a job's creation to all its pods
 *    existing, and the reconciler's peak RSS (VmHWM). kube-controller-manager gets client QPS and
 *    burst of `KCM_QPS` (kubejobs has no client-side rate limit at all) and `--concurrent-job-syncs`
 *    equal to kubejobs' `--concurrency`.
 *    (b') The controller alone: the jobs exist before it starts, so admission is out of the window.
 * 3. Scale: `SCALE_JOBS` GenericJobs (and their pods) watched by one controller: its RSS.
 *
 * Env: BENCH_JOBS (200), BENCH_REPLICAS (4), BENCH_CONCURRENCY (4), BENCH_KCM_QPS (10000),
 * BENCH_ADMISSION_OBJECTS (200), BENCH_SCALE_JOBS (1000; 0 skips it).
 */
import * as fs from 'node:fs';
import { crdManifestOf, GENERIC_JOB, RADIX_BATCH } from '../src/api';
import { KubeClient, WatchHandle } from '../src/controller/kube-client';
import { ensureBinaries, startControlPlane } from '../test/cluster/control-plane';
import { applyManifests, freshNamespace, waitFor } from '../test/cluster/kube-helpers';
import { ControllerProcess } from '../test/controller/controller-process';

const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const KCM_QPS = Number(process.env.BENCH_KCM_QPS ?? 10_000);
const ADMISSION_OBJECTS = Number(process.env.BENCH_ADMISSION_OBJECTS ?? 200);
const SCALE_JOBS = Number(process.env.BENCH_SCALE_JOBS ?? 1000);
const POD_TEMPLATE = { spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(type) $(rank)'] }] } };
const JOB_LABEL = 'batch.kubernetes.io/job-name';

/** Progress on stderr: the tables come at the end, and a phase can take minutes on a busy machine. */
function progress(message: string): void {
  process.stderr.write(`bench:controller: ${new Date().toISOString()} ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function memoryMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? 0) / 1024;
}

interface PodSeen { readonly at: number; readonly job: string }

/** Watches that ended and were started again (a busy API server ends some); reported with the results. */
let watchRestarts = 0;

/**
 * Records when each pod of `namespace` was first seen (ms since epoch) and the job it belongs to.
 * A watch that ends is started again after a fresh list (pods first seen in that list are timed
 * then, a little late), so a dropped stream never leaves the benchmark waiting forever.
 */
async function watchPods(
  client: KubeClient, namespace: string, jobOf: (pod: PodMeta) => string,
): Promise<{ seen: Map<string, PodSeen>; handle: { abort(): void } }> {
  const seen = new Map<string, PodSeen>();
  const path = `/api/v1/namespaces/${namespace}/pods`;
  const record = (pod: PodMeta) => {
    if (!seen.has(pod.name)) seen.set(pod.name, { at: Date.now(), job: jobOf(pod) });
  };
  let stopped = false;
  let current: WatchHandle | undefined;
  const start = async () => {
    const list = await client.list<{ metadata: PodMeta }>(path);
    list.items.forEach((p) => record(p.metadata));
    current = await client.watch<{ metadata: PodMeta }>(path, { resourceVersion: list.metadata.resourceVersion }, (e) => {
      if (e.type === 'ADDED') record(e.object.metadata);
    });
    void current.done.catch(() => undefined).then(async () => {
      if (stopped) return;
      watchRestarts++;
      await start();
    });
  };
  await start();
  return { seen, handle: { abort: () => { stopped = true; current?.abort(); } } };
}

interface PodMeta { readonly name: string; readonly labels?: Record<string, string> }

/** `<job>-<type>-<rank>` (GenericJob, plain loop) -> `<job>`. */
const jobOfReplicaPod = (pod: PodMeta) => pod.name.replace(/-worker-\d+$/, '');
/** Pods of a batch/v1 Job carry its name in a label. */
const jobOfBatchPod = (pod: PodMeta) => pod.labels?.[JOB_LABEL] ?? '';

async function pool<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const genericJob = (name: string, namespace: string) => ({
  apiVersion: 'batch.tensorstack.dev/v1beta1',
  kind: 'GenericJob',
  metadata: { name, namespace },
  spec: { replicaSpecs: [{ type: 'worker', replicas: REPLICAS, template: POD_TEMPLATE }] },
});
const batchJob = (name: string, namespace: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: { parallelism: REPLICAS, completions: REPLICAS, template: { spec: { ...POD_TEMPLATE.spec, restartPolicy: 'Never' } } },
});
const genericJobsPath = (ns: string) => `/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs`;
const batchJobsPath = (ns: string) => `/apis/batch/v1/namespaces/${ns}/jobs`;

interface RunResult {
  seconds: number;
  podsPerSecond: number;
  jobToPodsP50Ms: number;
  jobToPodsP99Ms: number;
  allJobsCreatedMs: number;
}

/** Creates `JOBS` jobs at once and waits until every pod exists; `createdAt` is when each create returned. */
async function createAtOnceAndWait(
  client: KubeClient, ns: string, path: string, make: (name: string, ns: string) => unknown, jobOf: (pod: PodMeta) => string,
): Promise<RunResult> {
  const { seen, handle } = await watchPods(client, ns, jobOf);
  const names = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const createdAt = new Map<string, number>();
  const start = Date.now();
  await Promise.all(names.map(async (name) => {
    await client.create(path, make(name, ns));
    createdAt.set(name, Date.now());
  }));
  const allJobsCreatedMs = Date.now() - start;
  const total = JOBS * REPLICAS;
  await waitFor(`every pod in ${ns}`, async () => seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
  handle.abort();
  const lastPodOf = new Map<string, number>();
  for (const { at, job } of seen.values()) lastPodOf.set(job, Math.max(lastPodOf.get(job) ?? 0, at));
  const latencies = names.map((name) => lastPodOf.get(name)! - createdAt.get(name)!).sort((a, b) => a - b);
  const ms = Math.max(...[...seen.values()].map((s) => s.at)) - start;
  return {
    seconds: +(ms / 1000).toFixed(2),
    podsPerSecond: +(total / (ms / 1000)).toFixed(1),
    jobToPodsP50Ms: percentile(latencies, 50),
    jobToPodsP99Ms: percentile(latencies, 99),
    allJobsCreatedMs,
  };
}

/**
 * Diagnostic copies of the GenericJob CRD in groups of their own, to attribute the admission cost:
 * without any CEL rule, and also without the pod template's schema. Never served to the
 * controller nor shipped; they only show where the API server spends its time.
 */
const DIAGNOSTIC_CRDS = {
  'GenericJob without CEL rules (diagnostic copy)': { group: 'nocel.bench.kubejobs.dev', podTemplateSchema: true },
  'GenericJob without CEL rules nor pod template schema (diagnostic copy)': { group: 'noschema.bench.kubejobs.dev', podTemplateSchema: false },
} as const;

function withoutCelRules(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutCelRules);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'x-kubernetes-validations').map(([k, v]) => [k, withoutCelRules(v)]));
}

function diagnosticCrd(group: string, podTemplateSchema: boolean): Record<string, any> {
  const crd = JSON.parse(JSON.stringify(crdManifestOf(GENERIC_JOB)));
  crd.metadata.name = `${GENERIC_JOB.plural}.${group}`;
  crd.spec.group = group;
  delete crd.spec.names.shortNames;
  delete crd.spec.names.categories;
  for (const version of crd.spec.versions) {
    const root = withoutCelRules(version.schema.openAPIV3Schema) as Record<string, any>;
    if (!podTemplateSchema) {
      const replica = root.properties.spec.properties.replicaSpecs.items;
      replica.properties.template = { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    version.schema.openAPIV3Schema = root;
  }
  return crd;
}

/** ms per object of `dryRun=All` creates of GenericJobs and of batch/v1 Jobs, alternated in rounds. */
async function admissionCost(client: KubeClient, ns: string): Promise<Record<string, unknown>[]> {
  const kinds: Record<string, [string, (name: string, ns: string) => unknown]> = {
    'batch/v1 Job': [batchJobsPath(ns), batchJob],
    'GenericJob': [genericJobsPath(ns), genericJob],
  };
  for (const [kind, { group }] of Object.entries(DIAGNOSTIC_CRDS)) {
    kinds[kind] = [`/apis/${group}/${GENERIC_JOB.version}/namespaces/${ns}/${GENERIC_JOB.plural}`, (name, namespace) => ({
      ...genericJob(name, namespace),
      apiVersion: `${group}/${GENERIC_JOB.version}`,
    })];
  }
  // Round 0 is discarded: after CRDs are created the API server rebuilds its OpenAPI documents in
  // the background, and the first requests of a new kind paid for that (measured: 20 ms per object
  // instead of 5). Then the median of the rounds, kinds alternated, so load on the shared machine
  // falls on every kind alike.
  const perRound: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const rounds = 5;
  const perRoundObjects = Math.max(1, Math.floor(ADMISSION_OBJECTS / (rounds - 1)));
  for (let round = 0; round < rounds; round++) {
    for (const [kind, [path, make]] of Object.entries(kinds)) {
      const names = Array.from({ length: perRoundObjects }, (_, i) => `dry-${round}-${i}`);
      const start = Date.now();
      await pool(names, CONCURRENCY, async (name) => {
        await client.request('POST', `${path}?dryRun=All&fieldValidation=Strict`, make(name, ns));
      });
      if (round > 0) perRound[kind]!.push((Date.now() - start) / perRoundObjects);
    }
  }
  const perObject = (kind: string) => [...perRound[kind]!].sort((a, b) => a - b)[Math.floor(perRound[kind]!.length / 2)]!;
  return Object.keys(kinds).map((kind) => ({
    kind,
    msPerObject: +perObject(kind).toFixed(2),
    vsBatchJob: +(perObject(kind) / perObject('batch/v1 Job')).toFixed(2),
  }));
}

async function main(): Promise<void> {
  const plane = await startControlPlane({
    binDir: await ensureBinaries(),
    controllerManagerArgs: [`--kube-api-qps=${KCM_QPS}`, `--kube-api-burst=${KCM_QPS}`, `--concurrent-job-syncs=${CONCURRENCY}`],
  });
  let controller: ControllerProcess | undefined;
  try {
    const kc = plane.kubeConfig;
    const client = new KubeClient(kc, 'kubejobs-bench');
    const diagnosticCrds = Object.values(DIAGNOSTIC_CRDS).map((d) => diagnosticCrd(d.group, d.podTemplateSchema));
    await applyManifests(kc, [crdManifestOf(GENERIC_JOB), crdManifestOf(RADIX_BATCH), ...diagnosticCrds] as never[]);
    const total = JOBS * REPLICAS;

    // 1. Admission.
    progress('admission');
    const admission = await admissionCost(client, await freshNamespace(kc));

    // 2a. kube-controller-manager's Job controller (running since the plane started).
    progress('kube-controller-manager');
    const kcmNs = await freshNamespace(kc);
    const kcm = { ...await createAtOnceAndWait(client, kcmNs, batchJobsPath(kcmNs), batchJob, jobOfBatchPod), peakRssMiB: +memoryMiB(plane.controllerManagerPid, 'VmHWM').toFixed(1) };

    // 2b. kubejobs controller.
    progress('kubejobs controller');
    controller = await ControllerProcess.start(plane, { concurrency: CONCURRENCY, logLevel: 'warn' });
    await controller.waitReady();
    const kjNs = await freshNamespace(kc);
    const kubejobs = { ...await createAtOnceAndWait(client, kjNs, genericJobsPath(kjNs), genericJob, jobOfReplicaPod), peakRssMiB: +memoryMiB(controller.pid, 'VmHWM').toFixed(1) };
    await controller.stop();
    controller = undefined;

    // 2b'. The controller alone: the jobs exist before it starts, so the apiserver's cost of
    // admitting GenericJobs is out of the window; the clock starts when the controller's workers
    // start (its log line, same machine clock) and stops at the last pod.
    progress('kubejobs controller alone');
    const names = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    const preNs = await freshNamespace(kc);
    await pool(names, 16, async (name) => {
      await client.create(genericJobsPath(preNs), genericJob(name, preNs));
    });
    const pre = await watchPods(client, preNs, jobOfReplicaPod);
    const alone = await ControllerProcess.start(plane, { concurrency: CONCURRENCY, logLevel: 'info', namespace: preNs });
    await waitFor('every pre-created job\'s pods', async () => pre.seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
    pre.handle.abort();
    const workersStarted = alone.logLines().find((l) => l.msg === 'caches synced: starting workers');
    const aloneMs = Math.max(...[...pre.seen.values()].map((s) => s.at)) - Date.parse(String(workersStarted?.time));
    await alone.stop();

    // 2c. Plain client loop: the same pods, `CONCURRENCY` workers.
    progress('plain client loop');
    const baseNs = await freshNamespace(kc);
    const base = await watchPods(client, baseNs, jobOfReplicaPod);
    const podNames = names.flatMap((job) => Array.from({ length: REPLICAS }, (_, r) => `${job}-worker-${r}`));
    const baseStart = Date.now();
    await pool(podNames, CONCURRENCY, async (name) => {
      await client.create(`/api/v1/namespaces/${baseNs}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: baseNs },
        spec: { restartPolicy: 'Never', containers: POD_TEMPLATE.spec.containers },
      });
    });
    await waitFor('every baseline pod', async () => base.seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
    base.handle.abort();
    const baselineMs = Math.max(...[...base.seen.values()].map((s) => s.at)) - baseStart;
    const plain = { seconds: +(baselineMs / 1000).toFixed(2), podsPerSecond: +(total / (baselineMs / 1000)).toFixed(1) };

    // 3. Scale: SCALE_JOBS GenericJobs and their pods in the controller's caches.
    let scale: Record<string, unknown> | undefined;
    if (SCALE_JOBS > 0) {
      progress(`scale: ${SCALE_JOBS} GenericJobs`);
      const scaleNs = await freshNamespace(kc);
      const watched = await watchPods(client, scaleNs, jobOfReplicaPod);
      controller = await ControllerProcess.start(plane, { concurrency: CONCURRENCY, logLevel: 'warn', namespace: scaleNs });
      await controller.waitReady();
      const scaleNames = Array.from({ length: SCALE_JOBS }, (_, i) => `scale-${String(i).padStart(5, '0')}`);
      await pool(scaleNames, 16, async (name) => {
        await client.create(genericJobsPath(scaleNs), genericJob(name, scaleNs));
      });
      await waitFor('every scale pod', async () => watched.seen.size >= SCALE_JOBS * REPLICAS, { timeoutMs: 900_000, intervalMs: 100 });
      watched.handle.abort();
      await new Promise((r) => setTimeout(r, 5_000)); // let status writes and resyncs settle
      scale = {
        genericJobs: SCALE_JOBS,
        pods: SCALE_JOBS * REPLICAS,
        controllerRssMiB: +memoryMiB(controller.pid, 'VmRSS').toFixed(1),
        controllerPeakRssMiB: +memoryMiB(controller.pid, 'VmHWM').toFixed(1),
        goal: '<= 150 MiB',
      };
      await controller.stop();
      controller = undefined;
    }

    const rows = {
      'kube-controller-manager (batch/v1 Job)': kcm,
      'kubejobs controller (GenericJob)': kubejobs,
      'plain client loop (Pods)': plain,
    };
    process.stdout.write(`${JOBS} jobs x ${REPLICAS} pods, created at once; concurrency ${CONCURRENCY}; `
      + `kube-controller-manager --kube-api-qps=${KCM_QPS} --kube-api-burst=${KCM_QPS} --concurrent-job-syncs=${CONCURRENCY}\n`);
    console.table(rows);
    const ratios = {
      podsPerSecondVsKcm: +(kubejobs.podsPerSecond / kcm.podsPerSecond).toFixed(2),
      p99VsKcm: +(kcm.jobToPodsP99Ms / kubejobs.jobToPodsP99Ms).toFixed(2),
      p50VsKcm: +(kcm.jobToPodsP50Ms / kubejobs.jobToPodsP50Ms).toFixed(2),
      podsPerSecondVsPlainLoop: +(kubejobs.podsPerSecond / plain.podsPerSecond).toFixed(2),
      controllerAlonePodsPerSecondVsPlainLoop: +((total / (aloneMs / 1000)) / plain.podsPerSecond).toFixed(2),
    };
    process.stdout.write('ratios (>= 1 means kubejobs is as fast or faster; goals: vs KCM >= 1.0, vs plain loop >= 0.8)\n');
    console.table(ratios);
    process.stdout.write(`admission: dryRun=All creates, ${CONCURRENCY} at a time, ms per object, median of 4 rounds of ${Math.floor(ADMISSION_OBJECTS / 4)} per kind (same pod template)\n`);
    console.table(admission);
    if (scale) {
      process.stdout.write('scale\n');
      console.table(scale);
    }
    process.stdout.write(`${JSON.stringify({ rows, ratios, admission, scale, controllerAloneSeconds: +(aloneMs / 1000).toFixed(2), watchRestarts })}\n`);
  } finally {
    await controller?.stop();
    await plane.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:controller failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
