/**
 * The workloads of `npm run bench:synth` and of the synth scaling test: N constructs of one kind in
 * one app, each running 4 replicas of one container, synthesised with `app.synthYaml()` (which
 * runs every construct's synth-time validation). cdk8s-plus's `Job` is the baseline the others are
 * compared with, so every figure is a ratio measured in the same process.
 */
import { ApiObject, App, Chart, JsonPatch, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AppWrapperJob, ArenaConfig, ArenaJob, GenericJob, KubejobsController } from '../src';

/** Pods per job. */
export const REPLICAS = 4;

const CONTAINER = { image: 'busybox:1.36', command: ['sh', '-c', 'echo hello'] };

/** One construct of the kind under test, at index `i` of the chart. */
export type Build = (chart: Chart, i: number) => void;

/** The kinds measured, baseline first. */
export const WORKLOADS: Readonly<Record<'cdk8s-plus Job' | 'GenericJob' | 'ArenaJob' | 'AppWrapperJob', Build>> = {
  // cdk8s-plus's Job has no parallelism prop: set it as its users do, with an escape-hatch patch.
  'cdk8s-plus Job': (chart, i) => {
    const job = new kplus.Job(chart, `job-${i}`, { containers: [CONTAINER] });
    (job.node.defaultChild as ApiObject).addJsonPatch(JsonPatch.add('/spec/parallelism', REPLICAS), JsonPatch.add('/spec/completions', REPLICAS));
  },
  'GenericJob': (chart, i) => new GenericJob(chart, `job-${i}`, { replicaSpecs: [{ type: 'worker', replicas: REPLICAS, containers: [CONTAINER] }] }),
  'ArenaJob': (chart, i) => new ArenaJob(chart, `job-${i}`, { config: ArenaConfig.fromConfigName('bench'), workers: { replicas: REPLICAS } }),
  'AppWrapperJob': (chart, i) => new AppWrapperJob(chart, `job-${i}`, { image: CONTAINER.image, command: CONTAINER.command, workers: REPLICAS }),
};

/** Options of {@link synthCostPerJob}. */
export interface SynthCostOptions {
  /**
   * Add a `KubejobsController` before the jobs, so every custom resource is ordered after its CRDs
   * (the path that used to walk the whole app per object).
   *
   * @default false
   */
  readonly withController?: boolean;
}

/**
 * CPU milliseconds per job to build `n` constructs and synthesise the app. CPU time, not wall
 * time: other jobs on a shared machine then slow the figure much less.
 */
export function synthCostPerJob(build: Build, n: number, options: SynthCostOptions = {}): number {
  const start = process.cpuUsage();
  const app = new App();
  const chart = new Chart(app, 'bench');
  if (options.withController) new KubejobsController(chart, 'controller');
  for (let i = 0; i < n; i++) build(chart, i);
  app.synthYaml();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / n;
}

/** Bytes of YAML one job synthesises to: synth cost grows with it (YAML output is much of it). */
export function yamlBytesPerJob(build: Build): number {
  const app = new App();
  build(new Chart(app, 'bench'), 0);
  return app.synthYaml().length;
}

/**
 * CPU milliseconds per job of the last step of `app.synthYaml()` alone: turning the `n` jobs'
 * rendered (and validated) documents into YAML, as `synthYaml()` does (`Yaml.stringify`). It grows
 * with the bytes emitted, whatever the construct does before.
 */
export function yamlCostPerJob(build: Build, n: number): number {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < n; i++) build(chart, i);
  const docs = chart.toJson();
  const start = process.cpuUsage();
  Yaml.stringify(...docs);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / n;
}
