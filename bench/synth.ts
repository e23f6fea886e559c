/**
 * `npm run bench:synth`: synth cost per job of kubejobs' constructs against cdk8s-plus's `Job`, and
 * the cost of `require('kubejobs')` against `require('cdk8s-plus-28')`, all measured in this run.
 *
 * Synth: for each size (1k, 5k, 20k jobs) every kind builds that many constructs of 4 replicas in a
 * fresh app and runs `app.synthYaml()` (synth-time validation on, as users run it). Reported: CPU
 * ms per job, the ratio to cdk8s-plus at the same size (goal <= 1.2) and the per-job cost at this
 * size over the per-job cost at the smallest size (linear: about 1). Smaller sizes are run
 * several times, kinds interleaved, and the least cost kept: noise on a shared machine only adds.
 *
 * YAML: the stringification alone (the last step of synthYaml()) per job, at the smallest size,
 * against the cdk8s-plus Job's whole synth: a floor set by the bytes a kind emits.
 *
 * Require: fresh `node` processes alternately require the compiled `lib/` and `cdk8s-plus-28`;
 * reported: medians of CPU time and of RSS / heap growth, and their ratios (goal <= 1.5).
 *
 * Env: BENCH_SYNTH_SIZES (1000,5000,20000), BENCH_REQUIRE_RUNS (7).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { synthCostPerJob, WORKLOADS, yamlBytesPerJob, yamlCostPerJob } from './synth-workloads';

const SIZES = (process.env.BENCH_SYNTH_SIZES ?? '1000,5000,20000').split(',').map(Number);
const REQUIRE_RUNS = Number(process.env.BENCH_REQUIRE_RUNS ?? 7);
const KINDS = Object.keys(WORKLOADS) as (keyof typeof WORKLOADS)[];
const BASELINE = KINDS[0]!;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Best synth cost per job, by `kind@size`, filled by {@link synthTable}. */
const best = new Map<string, number>();

function synthTable(): Record<string, unknown>[] {
  // Warm up: the first construct of each kind loads and compiles code (validators, CEL rules).
  for (const kind of KINDS) synthCostPerJob(WORKLOADS[kind], 200);
  for (const n of SIZES) {
    const rounds = Math.max(1, Math.min(3, Math.floor(10_000 / n)));
    for (let round = 0; round < rounds; round++) {
      for (const kind of KINDS) {
        gc();
        const cost = synthCostPerJob(WORKLOADS[kind], n);
        const key = `${kind}@${n}`;
        best.set(key, Math.min(best.get(key) ?? Infinity, cost));
      }
    }
  }
  const bytes = new Map(KINDS.map((kind) => [kind, yamlBytesPerJob(WORKLOADS[kind])]));
  return SIZES.flatMap((n) => KINDS.map((kind) => {
    const cost = best.get(`${kind}@${n}`)!;
    const vsBaseline = cost / best.get(`${BASELINE}@${n}`)!;
    const bytesVsBaseline = bytes.get(kind)! / bytes.get(BASELINE)!;
    return {
      jobs: n,
      kind,
      cpuMsPerJob: +cost.toFixed(3),
      vsCdk8sPlusJob: +vsBaseline.toFixed(2),
      vsSmallestSize: +(cost / best.get(`${kind}@${SIZES[0]}`)!).toFixed(2),
      // A kind that emits more YAML per job (an AppWrapper wraps a whole PyTorchJob) costs more
      // for that alone; this is the ratio per byte emitted.
      yamlBytesVsCdk8sPlus: +bytesVsBaseline.toFixed(2),
      vsCdk8sPlusPerByte: +(vsBaseline / bytesVsBaseline).toFixed(2),
    };
  }));
}

/**
 * The YAML stringification alone (the last step of `synthYaml()`), per job, at the smallest size:
 * a floor under a kind's synth cost set by the bytes it emits. Reported against the baseline's
 * whole synth at that size (from {@link synthTable}): where this alone exceeds 1.2, no saving
 * elsewhere can bring the kind to the 1.2x goal. Least of 3 runs.
 */
function yamlTable(): Record<string, unknown>[] {
  const n = SIZES[0]!;
  return KINDS.map((kind) => {
    let cost = Infinity;
    for (let round = 0; round < 3; round++) {
      gc();
      cost = Math.min(cost, yamlCostPerJob(WORKLOADS[kind], n));
    }
    const synth = best.get(`${kind}@${n}`)!;
    return {
      jobs: n,
      kind,
      yamlCpuMsPerJob: +cost.toFixed(3),
      shareOfOwnSynth: +(cost / synth).toFixed(2),
      vsCdk8sPlusJobWholeSynth: +(cost / best.get(`${BASELINE}@${n}`)!).toFixed(2),
    };
  });
}

interface RequireCost { ms: number; rssMiB: number; heapMiB: number }

/**
 * The cost of requiring `module` in a fresh process (nothing else loaded but Node itself): CPU
 * time (less disturbed by other jobs than wall time), and RSS and heap growth.
 */
function requireCost(module: string): RequireCost {
  const script = `
    const rss0 = process.memoryUsage().rss, heap0 = process.memoryUsage().heapUsed, cpu0 = process.cpuUsage();
    require(${JSON.stringify(module)});
    const cpu = process.cpuUsage(cpu0), m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ ms: (cpu.user + cpu.system) / 1000, rssMiB: (m.rss - rss0) / 1048576, heapMiB: (m.heapUsed - heap0) / 1048576 }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf-8' }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function requireTable(): Record<string, unknown>[] {
  // `lib/` is what `require('kubejobs')` loads (package.json "main"); the task compiles it first.
  const modules = { 'cdk8s-plus-28': require.resolve('cdk8s-plus-28'), 'kubejobs': path.join(__dirname, '..', 'lib', 'index.js') };
  const samples: Record<string, RequireCost[]> = { 'cdk8s-plus-28': [], 'kubejobs': [] };
  for (let run = 0; run < REQUIRE_RUNS; run++) {
    for (const [name, file] of Object.entries(modules)) samples[name]!.push(requireCost(file));
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, {
    ms: median(s.map((x) => x.ms)), rssMiB: median(s.map((x) => x.rssMiB)), heapMiB: median(s.map((x) => x.heapMiB)),
  }]));
  const base = medians['cdk8s-plus-28']!;
  return Object.entries(medians).map(([module, m]) => ({
    module,
    cpuMs: +m.ms.toFixed(1),
    rssMiB: +m.rssMiB.toFixed(1),
    heapMiB: +m.heapMiB.toFixed(1),
    cpuRatio: +(m.ms / base.ms).toFixed(2),
    rssRatio: +(m.rssMiB / base.rssMiB).toFixed(2),
    heapRatio: +(m.heapMiB / base.heapMiB).toFixed(2),
  }));
}

function main(): void {
  process.stdout.write('require (fresh process each, medians; goal: kubejobs <= 1.5x cdk8s-plus-28 in time and memory)\n');
  console.table(requireTable());
  process.stdout.write('synth (CPU ms per job, app.synthYaml() with validation; goal: <= 1.2x cdk8s-plus Job, linear)\n');
  console.table(synthTable());
  process.stdout.write(`YAML stringification alone (CPU ms per job at ${SIZES[0]} jobs; vs the cdk8s-plus Job's whole synth)\n`);
  console.table(yamlTable());
}

main();
