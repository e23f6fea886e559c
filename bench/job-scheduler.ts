/**
 * `npm run bench:job-scheduler`: a 500-job Radix batch through `kubejobs job-scheduler` (one
 * RadixBatch write) and `kubejobs controller` (the Jobs), against a plain client loop that creates
 * the same payload Secrets and 500 Jobs with the same concurrency, in one run on one control plane
 * (etcd + kube-apiserver + kube-controller-manager, as the cluster tests start it). Then 200
 * concurrent single-job POSTs: latency p50/p99. Reports the scheduler's peak RSS.
 *
 * Env: BENCH_JOBS (500), BENCH_CONCURRENCY (16, the controller's per-batch create concurrency),
 * BENCH_SINGLE_JOBS (200).
 */
import * as fs from 'node:fs';
import type { RadixBatch } from '../imports/kubejobs.dev';
import { crdManifestOf, GENERIC_JOB, RADIX_BATCH } from '../src/api';
import { renderJob } from '../src/controller/radix-batch/render-job';
import { KubeClient } from '../src/controller/kube-client';
import { ensureBinaries, startControlPlane } from '../test/cluster/control-plane';
import { applyManifests, freshNamespace, waitFor, waitForCrdsEstablished } from '../test/cluster/kube-helpers';
import { ControllerProcess } from '../test/controller/controller-process';
import { installScheduler, SchedulerProcess } from '../test/scheduler/scheduler-process';

const JOBS = Number(process.env.BENCH_JOBS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SINGLE_JOBS = Number(process.env.BENCH_SINGLE_JOBS ?? 200);
const PROPS = { name: 'compute', image: 'registry.example.com/compute:1.0', payloadPath: '/compute/args' };

function progress(message: string): void {
  process.stderr.write(`bench:job-scheduler: ${new Date().toISOString()} ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function memoryMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf-8');
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? 0) / 1024;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

async function jobCount(client: KubeClient, ns: string): Promise<number> {
  return (await client.list(`/apis/batch/v1/namespaces/${ns}/jobs`)).items.length;
}

const payload = (i: number) => JSON.stringify({ index: i, data: 'x'.repeat(200) });

async function main(): Promise<void> {
  const plane = await startControlPlane({ binDir: await ensureBinaries() });
  let controller: ControllerProcess | undefined;
  let scheduler: SchedulerProcess | undefined;
  try {
    const kc = plane.kubeConfig;
    const client = new KubeClient(kc, 'kubejobs-bench');
    await applyManifests(kc, [crdManifestOf(GENERIC_JOB), crdManifestOf(RADIX_BATCH)] as never[]);
    await waitForCrdsEstablished(kc, ['radixbatches.kubejobs.dev', 'genericjobs.batch.tensorstack.dev']);
    controller = await ControllerProcess.start(plane, { logLevel: 'warn' });
    await controller.waitReady();

    // 1. The batch through the scheduler and the controller.
    progress(`a ${JOBS}-job batch through the job-scheduler`);
    const ns = await freshNamespace(kc);
    scheduler = await SchedulerProcess.start(await installScheduler(plane, ns, PROPS), ['--log-level=warn']);
    const body = { jobScheduleDescriptions: Array.from({ length: JOBS }, (_, i) => ({ jobId: `job-${i}`, payload: payload(i) })) };
    const start = performance.now();
    const res = await scheduler.call('POST', '/api/v1/batches', body);
    const responseMs = performance.now() - start;
    if (res.status !== 200) throw new Error(`POST /api/v1/batches answered ${res.status}: ${JSON.stringify(res.body)}`);
    await waitFor(`${JOBS} Jobs`, async () => (await jobCount(client, ns)) >= JOBS, { timeoutMs: 900_000, intervalMs: 50 });
    const schedulerMs = performance.now() - start;
    const secrets = (await client.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${ns}/secrets`, { labelSelector: 'radix-secret-type=scheduler-job-payload' })).items.length;

    // 2. Baseline: the same payload Secrets and Jobs, POSTed by a plain client loop.
    progress('the same Secrets and Jobs from a plain client loop');
    const baseNs = await freshNamespace(kc);
    const batch = res.body as { name: string; jobStatuses: Array<{ name: string }> };
    const stored = await client.get<RadixBatch>(`/apis/kubejobs.dev/v1/namespaces/${ns}/radixbatches/${batch.name}`);
    const template: RadixBatch = { ...stored!, metadata: { ...stored!.metadata, namespace: baseNs, uid: 'none' } };
    const jobs = template.spec.jobs.map((j) => {
      const job = renderJob(template, j);
      delete (job.metadata as Record<string, unknown>).ownerReferences;
      return job;
    });
    const secretBodies = Array.from({ length: secrets }, (_, s) => ({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: `${batch.name}-payloads-${s}` },
      stringData: Object.fromEntries(template.spec.jobs.filter((j) => j.payloadSecretRef?.name === `${batch.name}-payloads-${s}`).map((j, i) => [j.name, payload(i)])),
    }));
    const baseStart = performance.now();
    await pool(secretBodies, CONCURRENCY, async (s) => {
      await client.create(`/api/v1/namespaces/${baseNs}/secrets`, s);
    });
    await pool(jobs, CONCURRENCY, async (j) => {
      await client.create(`/apis/batch/v1/namespaces/${baseNs}/jobs`, j);
    });
    const baselineMs = performance.now() - baseStart;

    // 3. Single-job POSTs, all at once.
    progress(`${SINGLE_JOBS} concurrent single-job POSTs`);
    const singleNs = await freshNamespace(kc);
    await scheduler.stop();
    scheduler = await SchedulerProcess.start(await installScheduler(plane, singleNs, PROPS), ['--log-level=warn']);
    const latencies: number[] = [];
    let failed = 0;
    await Promise.all(Array.from({ length: SINGLE_JOBS }, async (_, i) => {
      const t = performance.now();
      const r = await scheduler!.call('POST', '/api/v1/jobs', { jobId: `single-${i}`, payload: payload(i) });
      latencies.push(performance.now() - t);
      if (r.status !== 200) failed++;
    }));
    latencies.sort((a, b) => a - b);
    const rss = { schedulerPeakRssMiB: +memoryMiB(scheduler.pid, 'VmHWM').toFixed(1), schedulerRssMiB: +memoryMiB(scheduler.pid, 'VmRSS').toFixed(1) };

    const rows = {
      'job-scheduler + controller': { jobs: JOBS, secrets, responseMs: Math.round(responseMs), allJobsMs: Math.round(schedulerMs), jobsPerSecond: +(JOBS / (schedulerMs / 1000)).toFixed(1) },
      'plain client loop': { jobs: JOBS, secrets, responseMs: NaN, allJobsMs: Math.round(baselineMs), jobsPerSecond: +(JOBS / (baselineMs / 1000)).toFixed(1) },
    };
    process.stdout.write(`${JOBS}-job batch with payloads; concurrency ${CONCURRENCY} (controller creates per batch, and the plain loop)\n`);
    console.table(rows);
    process.stdout.write('ratio (goal >= 0.8)\n');
    console.table({ jobsPerSecondVsPlainLoop: +(baselineMs / schedulerMs).toFixed(2) });
    process.stdout.write(`${SINGLE_JOBS} single-job POSTs at once\n`);
    console.table({ latency: { p50Ms: Math.round(percentile(latencies, 50)), p99Ms: Math.round(percentile(latencies, 99)), maxMs: Math.round(latencies[latencies.length - 1]!), failed } });
    console.table({ memory: rss });
  } finally {
    await scheduler?.stop();
    await controller?.stop();
    await plane.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:job-scheduler failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
