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
 *    The three run in `ROUNDS` interleaved rounds on the same control plane, the order rotating
 *    between rounds; each figure is reported per round and as the median, and the ratios are taken
 *    within a round (then their median), so load from other work on a shared machine, which comes
 *    and goes, does not fall on one side only. The kubejobs controller runs only during its own
 *    side, scoped to that round's namespace.
 *    (b') The controller alone: the jobs exist before it starts, so admission is out of the window.
 * 3. Scale: `SCALE_JOBS` GenericJobs (and their pods) watched by one controller: its RSS.
 *
 * Env: BENCH_JOBS (200), BENCH_REPLICAS (4), BENCH_CONCURRENCY (4), BENCH_KCM_QPS (10000),
 * BENCH_ADMISSION_OBJECTS (200), BENCH_SCALE_JOBS (1000; 0 skips it), BENCH_ROUNDS (3),
 * BENCH_CPU_PROF_DIR (unset; a directory: each measured kubejobs controller writes a `node --cpu-prof`
 * profile there when it stops).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { crdManifestOf, GENERIC_JOB, KUBEJOBS_DEFINITIONS } from '../src/api';
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
/** Interleaved rounds; the order rotates, so each side is first equally often only with a multiple of 3. */
const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
/** When set, every measured kubejobs controller writes a V8 CPU profile there (`node --cpu-prof`). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;
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

/** One side's figures in one round; the plain loop has no per-job latency nor a reconciler's RSS. */
interface SideResult {
  seconds: number;
  podsPerSecond: number;
  jobToPodsP50Ms?: number;
  jobToPodsP99Ms?: number;
  allJobsCreatedMs?: number;
  peakRssMiB?: number;
  round: number;
  loadAverage1m?: number;
  /** kubejobs: the controller's API writes per job by verb and resource, from its metrics (diagnostic). */
  apiWritesPerJob?: string;
}

/**
 * `create pods 4, update genericjobs/status 1.2, ...`: the writes (not reads nor watches) the
 * controller made until every pod existed, per job, from its `kubejobs_api_requests_total`.
 */
function writesPerJob(metricsText: string): string {
  const counts = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    const m = line.match(/^kubejobs_api_requests_total\{([^}]*)\} (\d+)/);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (!['create', 'update', 'patch', 'delete'].includes(labels.verb!)) continue;
    const key = `${labels.verb} ${labels.resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${+(n / JOBS).toFixed(2)}`).join(', ');
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median of each figure over the rounds (peak RSS: the highest). */
function medianOf(rounds: readonly SideResult[]): Required<Omit<SideResult, 'round' | 'loadAverage1m' | 'apiWritesPerJob'>> {
  const m = (key: keyof SideResult) => {
    const values = rounds.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? +median(values).toFixed(2) : NaN;
  };
  return {
    seconds: m('seconds'),
    podsPerSecond: m('podsPerSecond'),
    jobToPodsP50Ms: m('jobToPodsP50Ms'),
    jobToPodsP99Ms: m('jobToPodsP99Ms'),
    allJobsCreatedMs: m('allJobsCreatedMs'),
    peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB ?? NaN)),
  };
}

/** The baseline: the same `JOBS` x `REPLICAS` pods POSTed by `CONCURRENCY` workers, until every pod exists. */
async function plainLoop(client: KubeClient, ns: string): Promise<Omit<SideResult, 'round'>> {
  const total = JOBS * REPLICAS;
  const base = await watchPods(client, ns, jobOfReplicaPod);
  const jobs = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const podNames = jobs.flatMap((job) => Array.from({ length: REPLICAS }, (_, r) => `${job}-worker-${r}`));
  const start = Date.now();
  await pool(podNames, CONCURRENCY, async (name) => {
    await client.create(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns },
      spec: { restartPolicy: 'Never', containers: POD_TEMPLATE.spec.containers },
    });
  });
  await waitFor('every baseline pod', async () => base.seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
  base.handle.abort();
  const ms = Math.max(...[...base.seen.values()].map((s) => s.at)) - start;
  return { seconds: +(ms / 1000).toFixed(2), podsPerSecond: +(total / (ms / 1000)).toFixed(1) };
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
    // The controller watches every kind it reconciles (it is not ready until each is served).
    await applyManifests(kc, [...KUBEJOBS_DEFINITIONS.map((d) => crdManifestOf(d)), ...diagnosticCrds] as never[]);
    const total = JOBS * REPLICAS;

    // 1. Admission.
    progress('admission');
    const admission = await admissionCost(client, await freshNamespace(kc));

    // 2. Throughput, in interleaved rounds: each round runs the three sides one after the other on
    // the same control plane, and the order rotates between rounds, so a burst of load from the
    // other jobs on this shared machine (or the cluster growing round after round) falls on every
    // side alike. Each side is reported per round and as the median over rounds; the ratios are
    // taken within each round (then their median), never across rounds.
    const sides = {
      kcm: async (round: number): Promise<SideResult> => {
        const ns = await freshNamespace(kc);
        const run = await createAtOnceAndWait(client, ns, batchJobsPath(ns), batchJob, jobOfBatchPod);
        return { ...run, peakRssMiB: +memoryMiB(plane.controllerManagerPid, 'VmHWM').toFixed(1), round };
      },
      kubejobs: async (round: number): Promise<SideResult> => {
        const ns = await freshNamespace(kc);
        // Scoped to this round's namespace, so it does not resync the GenericJobs of earlier
        // rounds while it is measured (kube-controller-manager's caches already hold those).
        const proc = await ControllerProcess.start(plane, {
          concurrency: CONCURRENCY, logLevel: 'warn', namespace: ns,
          nodeArgs: CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [],
        });
        controller = proc;
        try {
          await proc.waitReady();
          const run = await createAtOnceAndWait(client, ns, genericJobsPath(ns), genericJob, jobOfReplicaPod);
          const peakRssMiB = +memoryMiB(proc.pid, 'VmHWM').toFixed(1);
          return { ...run, peakRssMiB, round, apiWritesPerJob: writesPerJob(await proc.metrics()) };
        } finally {
          await proc.stop();
          controller = undefined;
        }
      },
      plain: async (round: number): Promise<SideResult> => ({ ...await plainLoop(client, await freshNamespace(kc)), round }),
    };
    type Side = keyof typeof sides;
    const ORDERS: Side[][] = [['plain', 'kcm', 'kubejobs'], ['kcm', 'kubejobs', 'plain'], ['kubejobs', 'plain', 'kcm']];
    const results: Record<Side, SideResult[]> = { kcm: [], kubejobs: [], plain: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of ORDERS[round % ORDERS.length]!) {
        const load = os.loadavg()[0]!.toFixed(2);
        progress(`round ${round + 1}/${ROUNDS}: ${side} (load average ${load})`);
        results[side].push({ ...await sides[side](round), loadAverage1m: +load });
      }
    }
    const kcm = medianOf(results.kcm);
    const kubejobs = medianOf(results.kubejobs);
    const plain = medianOf(results.plain);

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
    if (!workersStarted) throw new Error(`the controller logged no 'caches synced: starting workers': its log:\n${alone.logTail()}`);
    const aloneMs = Math.max(...[...pre.seen.values()].map((s) => s.at)) - Date.parse(String(workersStarted?.time));
    await alone.stop();

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
      + `kube-controller-manager --kube-api-qps=${KCM_QPS} --kube-api-burst=${KCM_QPS} --concurrent-job-syncs=${CONCURRENCY}; `
      + `median of ${ROUNDS} interleaved rounds (peak RSS: the highest)\n`);
    console.table(rows);
    const label = { kcm: 'kube-controller-manager', kubejobs: 'kubejobs controller', plain: 'plain client loop' } as const;
    const perRound = (Object.keys(results) as Side[]).flatMap((side) => results[side].map((r) => ({ side: label[side], ...r, round: r.round + 1 })))
      .sort((a, b) => a.round - b.round);
    process.stdout.write('per round (order rotates: plain, kcm, kubejobs / kcm, kubejobs, plain / kubejobs, plain, kcm)\n');
    console.table(perRound);
    // Ratios within each round (the sides of one round ran minutes apart at most), then their median.
    const roundRatios = results.kubejobs.map((kj, i) => ({
      round: i + 1,
      podsPerSecondVsKcm: +(kj.podsPerSecond / results.kcm[i]!.podsPerSecond).toFixed(2),
      p99VsKcm: +(results.kcm[i]!.jobToPodsP99Ms! / kj.jobToPodsP99Ms!).toFixed(2),
      p50VsKcm: +(results.kcm[i]!.jobToPodsP50Ms! / kj.jobToPodsP50Ms!).toFixed(2),
      podsPerSecondVsPlainLoop: +(kj.podsPerSecond / results.plain[i]!.podsPerSecond).toFixed(2),
    }));
    const medianRatio = (key: Exclude<keyof typeof roundRatios[number], 'round'>) => +median(roundRatios.map((r) => r[key])).toFixed(2);
    const ratios = {
      podsPerSecondVsKcm: medianRatio('podsPerSecondVsKcm'),
      p99VsKcm: medianRatio('p99VsKcm'),
      p50VsKcm: medianRatio('p50VsKcm'),
      podsPerSecondVsPlainLoop: medianRatio('podsPerSecondVsPlainLoop'),
      controllerAlonePodsPerSecondVsPlainLoop: +((total / (aloneMs / 1000)) / plain.podsPerSecond).toFixed(2),
    };
    process.stdout.write('ratios per round\n');
    console.table(roundRatios);
    process.stdout.write('ratios, median of the rounds\' (>= 1 means kubejobs is as fast or faster; goals: vs KCM >= 1.0, vs plain loop >= 0.8)\n');
    console.table(ratios);
    process.stdout.write(`admission: dryRun=All creates, ${CONCURRENCY} at a time, ms per object, median of 4 rounds of ${Math.floor(ADMISSION_OBJECTS / 4)} per kind (same pod template)\n`);
    console.table(admission);
    if (scale) {
      process.stdout.write('scale\n');
      console.table(scale);
    }
    process.stdout.write(`${JSON.stringify({ rows, perRound, roundRatios, ratios, admission, scale, controllerAloneSeconds: +(aloneMs / 1000).toFixed(2), watchRestarts })}\n`);
  } finally {
    await controller?.stop();
    await plane.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:controller failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/** An environment variable that must be a whole number >= 1 (a typo must not make a run of 0 rounds). */
function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: expected a whole number of at least 1`);
  return value;
}
