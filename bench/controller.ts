/**
 * `npm run bench:controller`: GenericJob throughput of `kubejobs controller` against a real control
 * plane, compared with a plain client loop creating the same pods at the same concurrency.
 *
 * 200 GenericJobs x 4 replicas are created at once; reported: jobs/s and pods/s until every pod
 * exists, p50/p99 from a job's creation to its 4 pods existing, the controller's peak RSS; then the
 * baseline (800 pods POSTed by `concurrency` workers) and the ratio controller/baseline pods/s.
 * `ratio` is end to end (the window includes the apiserver admitting the 200 GenericJobs);
 * `ratioControllerAlone` starts the clock when the controller's workers start on 200 jobs that
 * already exist, which isolates the controller's own cost.
 *
 * Env: BENCH_JOBS (200), BENCH_REPLICAS (4), BENCH_CONCURRENCY (4).
 */
import * as fs from 'node:fs';
import { crdManifestOf } from '../src/api/crd';
import { GENERIC_JOB } from '../src/api/generic-job';
import { KubeClient, WatchHandle } from '../src/controller/kube-client';
import { ensureBinaries, startControlPlane } from '../test/cluster/control-plane';
import { applyManifests, freshNamespace, waitFor } from '../test/cluster/kube-helpers';
import { ControllerProcess } from '../test/controller/controller-process';

const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const POD_TEMPLATE = { spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(type) $(rank)'] }] } };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
  const kb = Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0);
  return kb / 1024;
}

/** Records when each pod of `namespace` was first seen (ms since epoch). */
async function watchPods(client: KubeClient, namespace: string): Promise<{ seen: Map<string, number>; handle: WatchHandle }> {
  const seen = new Map<string, number>();
  const list = await client.list(`/api/v1/namespaces/${namespace}/pods`);
  const handle = await client.watch<{ metadata: { name: string } }>(`/api/v1/namespaces/${namespace}/pods`, { resourceVersion: list.metadata.resourceVersion }, (e) => {
    if (e.type === 'ADDED' && !seen.has(e.object.metadata.name)) seen.set(e.object.metadata.name, Date.now());
  });
  handle.done.catch(() => undefined);
  return { seen, handle };
}

async function pool<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const plane = await startControlPlane({ binDir: await ensureBinaries() });
  let controller: ControllerProcess | undefined;
  try {
    const kc = plane.kubeConfig;
    const client = new KubeClient(kc, 'kubejobs-bench');
    await applyManifests(kc, [crdManifestOf(GENERIC_JOB) as never]);
    const total = JOBS * REPLICAS;

    // 1. The controller.
    controller = await ControllerProcess.start(plane, { concurrency: CONCURRENCY, logLevel: 'warn' });
    await controller.waitReady();
    const ns = await freshNamespace(kc);
    const { seen, handle } = await watchPods(client, ns);
    const names = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
    const createdAt = new Map<string, number>();
    const start = Date.now();
    // "At once": every create in flight together, as a burst of kubectl applies would be.
    await Promise.all(names.map(async (name) => {
      await client.create(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${ns}/genericjobs`, {
        apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name, namespace: ns },
        spec: { replicaSpecs: [{ type: 'worker', replicas: REPLICAS, template: POD_TEMPLATE }] },
      });
      createdAt.set(name, Date.now());
    }));
    const jobsCreatedMs = Date.now() - start;
    await waitFor('every controller pod', async () => seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
    const controllerMs = Math.max(...seen.values()) - start;
    handle.abort();
    const latencies = names.map((name) => {
      const last = Math.max(...Array.from({ length: REPLICAS }, (_, r) => seen.get(`${name}-worker-${r}`)!));
      return last - createdAt.get(name)!;
    }).sort((a, b) => a - b);
    const rss = peakRssMiB(controller.pid);
    const metricsText = await controller.metrics();
    const metric = (re: RegExp) => Number(metricsText.match(re)?.[1] ?? 0);
    const reconciles = {
      total: metric(/kubejobs_reconcile_duration_seconds_count\{controller="genericjob"\} (\d+)/),
      errors: metric(/kubejobs_reconcile_errors_total\{controller="genericjob"\} (\d+)/),
      seconds: +metric(/kubejobs_reconcile_duration_seconds_sum\{controller="genericjob"\} ([\d.]+)/).toFixed(2),
    };
    await controller.stop();
    controller = undefined;

    // 1b. The controller alone: the 200 jobs exist before it starts, so the apiserver's cost of
    // admitting GenericJobs (schema + CEL) is out of the window; the clock starts when the
    // controller's workers start (its log line, same machine clock) and stops at the last pod.
    const preNs = await freshNamespace(kc);
    await pool(names, 16, async (name) => {
      await client.create(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${preNs}/genericjobs`, {
        apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name, namespace: preNs },
        spec: { replicaSpecs: [{ type: 'worker', replicas: REPLICAS, template: POD_TEMPLATE }] },
      });
    });
    const pre = await watchPods(client, preNs);
    const alone = await ControllerProcess.start(plane, { concurrency: CONCURRENCY, logLevel: 'info', namespace: preNs });
    await waitFor('every pre-created job\'s pods', async () => pre.seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
    pre.handle.abort();
    const workersStarted = alone.logLines().find((l) => l.msg === 'caches synced: starting workers');
    const aloneStart = Date.parse(String(workersStarted?.time));
    const aloneMs = Math.max(...pre.seen.values()) - aloneStart;
    await alone.stop();

    // 2. Baseline: the same pods from a plain client loop, same concurrency.
    const baseNs = await freshNamespace(kc);
    const base = await watchPods(client, baseNs);
    const pods = names.flatMap((job) => Array.from({ length: REPLICAS }, (_, r) => `${job}-worker-${r}`));
    const baseStart = Date.now();
    await pool(pods, CONCURRENCY, async (name) => {
      await client.create(`/api/v1/namespaces/${baseNs}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: baseNs },
        spec: { restartPolicy: 'Never', containers: POD_TEMPLATE.spec.containers },
      });
    });
    await waitFor('every baseline pod', async () => base.seen.size >= total, { timeoutMs: 600_000, intervalMs: 20 });
    const baselineMs = Math.max(...base.seen.values()) - baseStart;
    base.handle.abort();

    const podsPerSecond = total / (controllerMs / 1000);
    const baselinePodsPerSecond = total / (baselineMs / 1000);
    const report = {
      jobs: JOBS,
      replicasPerJob: REPLICAS,
      concurrency: CONCURRENCY,
      controller: {
        seconds: +(controllerMs / 1000).toFixed(2),
        jobsPerSecond: +(JOBS / (controllerMs / 1000)).toFixed(1),
        podsPerSecond: +podsPerSecond.toFixed(1),
        jobToPodsP50Ms: percentile(latencies, 50),
        jobToPodsP99Ms: percentile(latencies, 99),
        jobToPodsMaxMs: latencies[latencies.length - 1],
        allJobsCreatedMs: jobsCreatedMs,
        peakRssMiB: +rss.toFixed(1),
        reconciles,
      },
      baseline: { seconds: +(baselineMs / 1000).toFixed(2), podsPerSecond: +baselinePodsPerSecond.toFixed(1) },
      controllerAlone: {
        seconds: +(aloneMs / 1000).toFixed(2),
        jobsPerSecond: +(JOBS / (aloneMs / 1000)).toFixed(1),
        podsPerSecond: +(total / (aloneMs / 1000)).toFixed(1),
      },
      ratio: +(podsPerSecond / baselinePodsPerSecond).toFixed(2),
      ratioControllerAlone: +((total / (aloneMs / 1000)) / baselinePodsPerSecond).toFixed(2),
      goal: '>= 0.8',
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await controller?.stop();
    await plane.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:controller failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
