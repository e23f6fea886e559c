import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as kubejobs from '../../src';
import {
  ArenaConfig,
  ArenaJob,
  ArenaJobType,
  ArenaOutput,
  ArenaSource,
  CleanUpPolicy,
  ConcurrencyPolicy,
  FinishRule,
  GenericJob,
  KubejobsController,
  LogLevel,
  Provider,
  ProviderType,
  ReplicaRestartPolicy,
  ResultFormat,
  T9kVariable,
} from '../../src';

/**
 * Charts built directly with every construct kubejobs exports, with the props their unit tests
 * use (defaults and the fullest variants), so the cluster tests apply what the constructs really
 * synthesise, not hand-written YAML.
 */

/** The synthesised objects of one chart. */
export interface ConstructChart {
  /** `<construct>: <variant>`. */
  readonly name: string;
  /** The exported constructs the chart uses. */
  readonly constructs: readonly string[];
  readonly objects: Record<string, any>[];
}

interface Builder {
  readonly name: string;
  readonly constructs: readonly string[];
  /** Chart namespace (default: none, so namespaced objects land in the test's namespace). */
  readonly namespace?: string;
  build(chart: Chart): void;
}

const trainer = (command: string[]) => [{ name: 'trainer', image: 'python:3.12', command }];

const BUILDERS: readonly Builder[] = [
  {
    name: 'GenericJob: the unit test snapshot',
    constructs: ['GenericJob'],
    build: (chart) => new GenericJob(chart, 'job', {
      replicaSpecs: [{ type: 'worker', replicas: 4, containers: trainer(['python', 'train.py', '--rank', T9kVariable.rank]) }],
      successRules: [FinishRule.ranks('worker', 0)],
    }),
  },
  {
    name: 'GenericJob: typed rules, services, run modes, cleanup and T9k scheduler',
    constructs: ['GenericJob'],
    build: (chart) => {
      const data = kplus.Volume.fromEmptyDir(chart, 'data', 'data');
      new GenericJob(chart, 'job', {
        metadata: { name: 'full' },
        replicaSpecs: [
          {
            type: 'worker',
            replicas: 3,
            restartPolicy: ReplicaRestartPolicy.onFailure(2),
            podMetadata: { labels: { team: 'ml' } },
            containers: [{ name: 'trainer', image: 'python:3.12', portNumber: 2222, volumeMounts: [{ path: '/data', volume: data }] }],
          },
          { type: 'master', containers: [{ image: 'busybox' }] },
        ],
        successRules: [FinishRule.of({ master: [0] }), FinishRule.of({ worker: [0, 1, 2] })],
        failureRules: [FinishRule.ranks('master', 0)],
        servicePorts: [{ name: 'http', port: 2222 }],
        debug: { enabled: false, replicas: [{ type: 'worker', skipInitContainer: true, command: ['/usr/bin/sshd'] }] },
        pause: { enabled: false, resume: [{ type: 'worker', args: ['--resume'] }] },
        cleanUpPolicy: CleanUpPolicy.UNFINISHED,
        t9kScheduler: { queue: 'default', priority: 50 },
      });
    },
  },
  {
    name: 'GenericJob: raw pod template escape hatch',
    constructs: ['GenericJob'],
    build: (chart) => new GenericJob(chart, 'job', {
      metadata: { name: 'raw' },
      replicaSpecs: [{ type: 'worker', podTemplate: { metadata: { labels: { team: 'ml' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } }],
    }),
  },
  {
    name: 'ArenaSources, Providers, ArenaConfig and ArenaJobs of every type',
    constructs: ['ArenaSource', 'Provider', 'ArenaConfig', 'ArenaJob'],
    namespace: 'arena',
    build: (chart) => {
      new ArenaSource(chart, 'pack', { metadata: { name: 'pack' }, configMap: { name: 'scenarios', key: 'pack.json' }, interval: Duration.minutes(5) });
      new ArenaSource(chart, 'git', { git: { url: 'https://example.com/scenarios.git', branch: 'main', path: 'packs/', secretName: 'git-credentials' }, suspend: true });
      new Provider(chart, 'mock', { metadata: { name: 'mock' }, type: ProviderType.MOCK, model: 'mock-model' });
      new Provider(chart, 'claude', { metadata: { name: 'claude' }, type: ProviderType.CLAUDE, model: 'claude-sonnet', secretName: 'anthropic', secretKey: 'api-key' });
      const config = new ArenaConfig(chart, 'config', {
        metadata: { name: 'cfg' },
        sourceName: 'pack',
        scenarios: { include: ['scenarios/*.yaml'], exclude: ['*-wip.yaml'] },
        providers: [{ name: 'claude' }, { name: 'openai', namespace: 'shared' }],
        toolRegistries: [{ name: 'tools' }],
        selfPlay: { rounds: 3, swapRoles: true },
        evaluation: { metrics: ['accuracy'], timeout: Duration.minutes(10), maxRetries: 0, concurrency: 8 },
        suspend: false,
      });
      new ArenaConfig(chart, 'minimal', { sourceName: 'pack', providers: [{ name: 'mock' }] });
      new ArenaJob(chart, 'eval', {
        config,
        type: ArenaJobType.EVALUATION,
        evaluation: { outputFormats: [ResultFormat.JUNIT, ResultFormat.JSON] },
        workers: { replicas: 5 },
        output: ArenaOutput.s3({ bucket: 'arena-results', prefix: 'evals/nightly/', region: 'eu-west-1', secretName: 's3-credentials' }),
        schedule: { cron: '0 2 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: ConcurrencyPolicy.REPLACE },
        ttlAfterFinished: Duration.days(7),
      });
      new ArenaJob(chart, 'loadtest', {
        config: ArenaConfig.fromConfigName('cfg'),
        type: ArenaJobType.LOAD_TEST,
        loadTest: { rampUp: Duration.seconds(90), duration: Duration.hours(1), targetRps: 500 },
        workers: { minReplicas: 5, maxReplicas: 50 },
        output: ArenaOutput.pvc({ claimName: 'results', subPath: 'runs/' }),
      });
      new ArenaJob(chart, 'datagen', { config, type: ArenaJobType.DATA_GEN });
    },
  },
  {
    name: 'KubejobsController: defaults (cluster-wide, creates its namespace)',
    constructs: ['KubejobsController'],
    build: (chart) => new KubejobsController(chart, 'kubejobs', { tag: 'test' }),
  },
  {
    name: 'KubejobsController: one watched namespace, existing namespace, two replicas',
    constructs: ['KubejobsController'],
    build: (chart) => new KubejobsController(chart, 'kubejobs', {
      namespace: 'kubejobs-scoped',
      createNamespace: false,
      watchNamespace: 'ml',
      replicas: 2,
      logLevel: LogLevel.DEBUG,
      concurrency: 8,
    }),
  },
  {
    name: 'KubejobsController with a GenericJob and an ArenaJob in one chart',
    constructs: ['KubejobsController', 'GenericJob', 'ArenaJob'],
    build: (chart) => {
      new KubejobsController(chart, 'kubejobs', { namespace: 'kubejobs-combined' });
      new GenericJob(chart, 'job', { replicaSpecs: [{ type: 'w', containers: [{ image: 'busybox' }] }] });
      new ArenaJob(chart, 'eval', { config: ArenaConfig.fromConfigName('c') });
    },
  },
  {
    name: 'Kueue quota objects',
    constructs: ['KueueResourceFlavor', 'KueueClusterQueue', 'KueueLocalQueue'],
    build: (chart) => {
      const flavor = new kubejobs.KueueResourceFlavor(chart, 'flavor', { metadata: { name: 'kj-default-flavor' } });
      const gpu = new kubejobs.KueueResourceFlavor(chart, 'gpu', {
        metadata: { name: 'kj-a100' },
        nodeLabels: { 'nvidia.com/gpu.product': 'A100-SXM4-80GB' },
        nodeTaints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      });
      const clusterQueue = new kubejobs.KueueClusterQueue(chart, 'cluster-queue', {
        metadata: { name: 'kj-cluster-queue' },
        resourceGroups: [{
          flavors: [
            { flavor, nominalQuota: { cpu: kplus.Cpu.units(8), memory: Size.gibibytes(32), nvidiaGpus: 16 } },
            { flavor: gpu, nominalQuota: { cpu: kplus.Cpu.units(64), memory: Size.gibibytes(512), nvidiaGpus: 8 } },
          ],
        }],
      });
      new kubejobs.KueueLocalQueue(chart, 'local-queue', { metadata: { name: 'default-queue' }, clusterQueue });
    },
  },
  {
    name: 'AppWrapperJob: PyTorchJob and Volcano Job in a Kueue LocalQueue',
    constructs: ['AppWrapperJob', 'KueueLocalQueue'],
    build: (chart) => {
      const queue = new kubejobs.KueueLocalQueue(chart, 'queue', { metadata: { name: 'team-a-queue' }, clusterQueue: 'team-a' });
      new kubejobs.AppWrapperJob(chart, 'pytorch', {
        metadata: { name: 'pytorch-test' },
        image: 'pytorch/pytorch:latest',
        command: ['sh', '-c', 'python train.py'],
        gpusPerPod: 1,
        workers: 2,
        queue,
      });
      new kubejobs.AppWrapperJob(chart, 'volcano', {
        metadata: { name: 'vc-test' },
        image: 'pytorch/pytorch:latest',
        command: ['sh', '-c', 'python train.py'],
        innerType: kubejobs.InnerJobType.VOLCANO,
        replicas: 2,
        gpusPerPod: 8,
        nprocPerNode: kubejobs.NprocPerNode.of(8),
        queue,
        networkTopology: { mode: kubejobs.NetworkTopologyMode.HARD, highestTierAllowed: 1 },
        partitions: { totalPartitions: 1, partitionSize: 2 },
        priorityClass: 'high',
        retryLimit: 0,
        successTtl: Duration.hours(12),
        terminalExitCodes: [3],
        cpu: kplus.Cpu.units(32),
        memory: Size.gibibytes(256),
      });
    },
  },
  {
    name: 'AppWrapperVolcanoAccess',
    constructs: ['AppWrapperVolcanoAccess'],
    build: (chart) => new kubejobs.AppWrapperVolcanoAccess(chart, 'access', { grantToNamespaceEditors: true }),
  },
  {
    name: 'RadixJobScheduler: the Radix reference example',
    constructs: ['RadixJobScheduler'],
    namespace: 'ml',
    build: (chart) => new kubejobs.RadixJobScheduler(chart, 'etl', {
      name: 'etl',
      image: 'registry.example.com/etl:{imageTagName}',
      imageTagName: '2.1.0',
      schedulerPort: 9000,
      payloadPath: '/etl/args',
      ports: [{ name: 'http', port: 3000 }],
      resources: {
        cpu: { request: kplus.Cpu.millis(400), limit: kplus.Cpu.units(0.5) },
        memory: { request: Size.mebibytes(256), limit: Size.mebibytes(384) },
      },
      node: { gpu: 'nvidia-v100, -nvidia-k80', gpuCount: 2 },
      timeLimit: Duration.seconds(100),
      backoffLimit: 5,
      variables: { DB_NAME: 'etl-db' },
      secrets: [{ name: 'DB_PASS', secretName: 'etl-db', key: 'password' }],
      notifications: { webhook: 'http://backend:5000/monitor-batch-status' },
      batchStatusRules: [
        kubejobs.BatchStatusRule.anyJobIn([kubejobs.RadixJobStatus.FAILED], kubejobs.RadixBatchStatus.FAILED),
      ],
    }),
  },
  {
    name: 'RadixJobScheduler: minimal',
    constructs: ['RadixJobScheduler'],
    namespace: 'compute',
    build: (chart) => new kubejobs.RadixJobScheduler(chart, 'compute', { name: 'compute', image: 'registry.example.com/compute:1.0.0', schedulerPort: 8000 }),
  },
];

/** The constructs a chart must exist for, whatever else is exported. */
export const CORE_CONSTRUCTS = ['GenericJob', 'ArenaJob', 'ArenaConfig', 'KubejobsController'] as const;

/**
 * Builds and synthesises every chart whose constructs `src/index.ts` exports at run time, and
 * names the exported constructs no chart uses (a new construct must get a builder here).
 */
export function constructCharts(): { charts: ConstructChart[]; unbuilt: string[] } {
  const exported = (name: string) => typeof (kubejobs as Record<string, unknown>)[name] === 'function';
  const charts = BUILDERS.filter((b) => b.constructs.every(exported)).map((b) => {
    const chart = new Chart(Testing.app(), 'chart', { namespace: b.namespace });
    b.build(chart);
    return { name: b.name, constructs: b.constructs, objects: Testing.synth(chart) };
  });
  const used = new Set(charts.flatMap((c) => c.constructs));
  const unbuilt = Object.entries(kubejobs)
    .filter(([name, value]) => typeof value === 'function' && isConstructClass(value) && !used.has(name))
    .map(([name]) => name);
  return { charts, unbuilt };
}

/** Whether `value` is a construct class (its prototype chain reaches `Construct`), not an enum-like helper. */
function isConstructClass(value: unknown): boolean {
  let proto = (value as { prototype?: object }).prototype;
  while (proto) {
    if (proto.constructor?.name === 'Construct') return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}
