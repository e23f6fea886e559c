import type * as pulumiTypes from '@pulumi/pulumi';
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cdk8sSynth, keyOf, schedulerProps, trainerProps } from './component-fixtures';
import { MockedPulumi, Registration, settle, testResource, unhandledErrorsDuring, useMocks, valueOf } from './pulumi-mocks';
import * as core from '../../src';
import { validateManifest } from '../../src/api';
import { KueueClusterQueue, KueueClusterQueueProps } from '../../src/kueue-cluster-queue';
import { KueueLocalQueue } from '../../src/kueue-local-queue';
import { KueueResourceFlavor } from '../../src/kueue-resource-flavor';
import type { KubejobsComponent } from '../../src/pulumi';

// The SDK is put in mock mode before the components are loaded (pulumi-eks pattern).
let mocked: MockedPulumi;
let pulumi: MockedPulumi['pulumi'];
let kj: typeof import('../../src/pulumi');

beforeAll(async () => {
  mocked = await useMocks();
  pulumi = mocked.pulumi;
  kj = await import('../../src/pulumi');
});

type Group = 'crds' | 'controller' | 'workloads';
type AnyComponent = KubejobsComponent<any, any, any>;

/** The ConfigGroups a component registered, once registered, by group. */
async function configGroupsOf(component: AnyComponent, name: string): Promise<Partial<Record<Group, Registration>>> {
  await valueOf(component.manifests);
  for (const g of [component.crdGroup, component.controllerGroup, component.workloadGroup]) if (g) await valueOf(g.urn);
  await settle();
  const result: Partial<Record<Group, Registration>> = {};
  for (const group of ['crds', 'controller', 'workloads'] as const) {
    const r = mocked.registrations.find((x) => x.type === 'kubernetes:yaml/v2:ConfigGroup' && x.name === `${name}-${group}`);
    if (r) result[group] = r;
  }
  return result;
}

/** The custom resource a component registered as a `k8s.apiextensions.CustomResource`, if any. */
async function customResourceOf(component: AnyComponent, name: string): Promise<Registration | undefined> {
  if (!component.customResource) return undefined;
  await valueOf(component.customResource.urn);
  await settle();
  const parent = await valueOf(component.urn);
  return mocked.registrations.find((x) => x.parent === parent && x.name === name && x.type !== 'kubernetes:yaml/v2:ConfigGroup');
}

/**
 * The objects handed to Pulumi, by group: the `objs` inputs of the ConfigGroups, the component's
 * own custom resource first in its workloads.
 */
async function objectsHandedToPulumi(component: AnyComponent, name: string): Promise<Partial<Record<Group, any[]>>> {
  const groups = await configGroupsOf(component, name);
  const handed: Partial<Record<Group, any[]>> = Object.fromEntries(Object.entries(groups).map(([g, r]) => [g, r!.inputs.objs]));
  const own = await customResourceOf(component, name);
  if (own) handed.workloads = [own.inputs, ...(handed.workloads ?? [])];
  return handed;
}


/**
 * The groups together hold exactly the synthesised objects, and each group keeps cdk8s'
 * (dependency) order.
 */
function expectSameObjects(groups: Partial<Record<Group, any[]>>, synthesized: any[]): void {
  const handed = Object.values(groups).flat();
  const byKey = (a: any, b: any) => keyOf(a).localeCompare(keyOf(b));
  expect([...handed].sort(byKey)).toEqual([...synthesized].sort(byKey));
  for (const objs of Object.values(groups)) {
    const keys = new Set(objs.map(keyOf));
    expect(objs).toEqual(synthesized.filter((o) => keys.has(keyOf(o))));
  }
}

describe('objects handed to Pulumi equal what cdk8s synth writes for the same props', () => {
  test('GenericJob', async () => {
    const job = new kj.GenericJob('train', trainerProps());
    const handed = await objectsHandedToPulumi(job, 'train');
    expect(Object.keys(handed)).toEqual(['workloads']);
    expectSameObjects(handed, cdk8sSynth('train', (chart, id) => new core.GenericJob(chart, id, trainerProps())));
    expect(handed.workloads![0]).toMatchObject({ kind: 'GenericJob', metadata: { name: 'mnist-train', namespace: 'ml' } });
    expect(validateManifest(handed.workloads![0])).toEqual([]);
  });

  test('ArenaSource and Provider', async () => {
    const sourceProps: core.ArenaSourceProps = { metadata: { name: 'pack' }, configMap: { name: 'pack-bundle' }, interval: Duration.minutes(1) };
    const providerProps: core.ProviderProps = { metadata: { name: 'claude' }, type: core.ProviderType.CLAUDE, model: 'claude-sonnet-4-20250514', secretName: 'anthropic' };
    const handedSource = await objectsHandedToPulumi(new kj.ArenaSource('pack', sourceProps), 'pack');
    expectSameObjects(handedSource, cdk8sSynth('pack', (chart, id) => new core.ArenaSource(chart, id, sourceProps)));
    const handedProvider = await objectsHandedToPulumi(new kj.Provider('claude', providerProps), 'claude');
    expectSameObjects(handedProvider, cdk8sSynth('claude', (chart, id) => new core.Provider(chart, id, providerProps)));
    expect(handedSource.workloads![0].spec).toEqual({ type: 'configmap', configMap: { name: 'pack-bundle' }, interval: '1m' });
    for (const o of [...handedSource.workloads!, ...handedProvider.workloads!]) expect(validateManifest(o)).toEqual([]);
  });

  test('ArenaConfig and ArenaJob', async () => {
    const configProps: core.ArenaConfigProps = {
      metadata: { name: 'smoke' },
      sourceName: 'smoke-pack',
      providers: [{ name: 'mock', namespace: 'providers' }],
      evaluation: { timeout: Duration.minutes(2), maxRetries: 1 },
    };
    const jobProps = (): Omit<core.ArenaJobProps, 'config'> => ({
      metadata: { name: 'smoke-eval', namespace: 'ml' },
      type: core.ArenaJobType.LOAD_TEST,
      loadTest: { rampUp: Duration.seconds(10), targetRps: 5 },
      output: core.ArenaOutput.s3({ bucket: 'results', prefix: 'smoke/', secretName: 's3-creds' }),
      schedule: { cron: '0 3 * * *', timeZone: 'Europe/Oslo' },
      ttlAfterFinished: Duration.hours(1),
    });
    const config = new kj.ArenaConfig('smoke', configProps);
    const job = new kj.ArenaJob('smoke-eval', { ...jobProps(), config });

    const handedConfig = await objectsHandedToPulumi(config, 'smoke');
    expectSameObjects(handedConfig, cdk8sSynth('smoke', (chart, id) => new core.ArenaConfig(chart, id, configProps)));
    const handedJob = await objectsHandedToPulumi(job, 'smoke-eval');
    expectSameObjects(handedJob, cdk8sSynth('smoke-eval', (chart, id) => new core.ArenaJob(chart, id, { ...jobProps(), config: core.ArenaConfig.fromConfigName('smoke') })));
    expect(handedJob.workloads![0].spec).toMatchObject({ configRef: { name: 'smoke' }, ttlSecondsAfterFinished: 3600 });
    for (const o of [...handedConfig.workloads!, ...handedJob.workloads!]) expect(validateManifest(o)).toEqual([]);
  });

  test.each<[string, core.KubejobsControllerProps]>([
    ['defaults', {}],
    ['one watched namespace, no namespace created', { namespace: 'jobs-system', createNamespace: false, watchNamespace: 'ml', replicas: 2, logLevel: core.LogLevel.DEBUG }],
  ])('KubejobsController (%s): CRDs in one group, the controller in the next', async (_case, props) => {
    const name = `kubejobs-${_case.length}`;
    const controller = new kj.KubejobsController(name, props);
    const handed = await objectsHandedToPulumi(controller, name);
    expect(Object.keys(handed)).toEqual(['crds', 'controller']);
    // What cdk8s synth writes, plus one annotation on each CRD: the provider waits until it is Established.
    const withWaitFor = (o: any) => (o.kind !== 'CustomResourceDefinition' ? o
      : { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [kj.WAIT_FOR_ANNOTATION]: 'condition=Established' } } });
    expectSameObjects(handed, cdk8sSynth(name, (chart, id) => new core.KubejobsController(chart, id, props)).map(withWaitFor));
    expect(handed.crds!.map((o) => o.kind)).toEqual(core.api.KUBEJOBS_DEFINITIONS.map(() => 'CustomResourceDefinition'));
    expect(handed.controller!.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'Deployment', 'Service']));
    expect(handed.controller!.some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
  });

  test('RadixJobScheduler', async () => {
    const props = schedulerProps();
    const scheduler = new kj.RadixJobScheduler('compute', props);
    const handed = await objectsHandedToPulumi(scheduler, 'compute');
    expect(Object.keys(handed)).toEqual(['workloads']);
    expectSameObjects(handed, cdk8sSynth('compute', (chart, id) => new core.RadixJobScheduler(chart, id, schedulerProps())));
    expect(handed.workloads!.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
  });

  test('AppWrapperJob, queued in a LocalQueue component', async () => {
    const props = { metadata: { name: 'ddp' }, image: 'pytorch/pytorch:2.3', command: ['python', 'train.py'], workers: 2, gpusPerPod: 1 };
    const localQueue = new kj.KueueLocalQueue('aw-lq', { metadata: { name: 'team-a', namespace: 'ml' }, clusterQueue: 'team-a' });
    const job = new kj.AppWrapperJob('ddp', { ...props, queue: localQueue });
    const handed = await objectsHandedToPulumi(job, 'ddp');
    expect(Object.keys(handed)).toEqual(['workloads']);
    expectSameObjects(handed, cdk8sSynth('ddp', (chart, id) => new core.AppWrapperJob(chart, id, { ...props, queue: 'team-a' })));
    expect(handed.workloads![0].metadata.labels['kueue.x-k8s.io/queue-name']).toEqual('team-a');
  });

  test('Kueue ResourceFlavor, ClusterQueue and LocalQueue, referring to each other by component', async () => {
    const flavorProps = { metadata: { name: 'gpu-flavor' }, nodeLabels: { 'node.kubernetes.io/instance-type': 'gpu' } };
    const queueProps = (flavor: { name: any }): any => ({
      metadata: { name: 'team-a' },
      cohort: 'research',
      resourceGroups: [{ flavors: [{ flavor, nominalQuota: { cpu: kplus.Cpu.units(8), memory: Size.gibibytes(32), nvidiaGpus: 4 } }] }],
    });
    const flavor = new kj.KueueResourceFlavor('gpu-flavor', flavorProps);
    const clusterQueue = new kj.KueueClusterQueue('team-a-cq', queueProps(flavor));
    const localQueue = new kj.KueueLocalQueue('team-a-lq', { metadata: { name: 'team-a', namespace: 'ml' }, clusterQueue });

    expectSameObjects(await objectsHandedToPulumi(flavor, 'gpu-flavor'), cdk8sSynth('gpu-flavor', (chart, id) => new KueueResourceFlavor(chart, id, flavorProps)));
    expectSameObjects(await objectsHandedToPulumi(clusterQueue, 'team-a-cq'),
      cdk8sSynth('team-a-cq', (chart, id) => new KueueClusterQueue(chart, id, queueProps(KueueResourceFlavor.fromResourceFlavorName('gpu-flavor')) as KueueClusterQueueProps)));
    const handed = await objectsHandedToPulumi(localQueue, 'team-a-lq');
    expectSameObjects(handed, cdk8sSynth('team-a-lq', (chart, id) => new KueueLocalQueue(chart, id, { metadata: { name: 'team-a', namespace: 'ml' }, clusterQueue: 'team-a' })));
    expect(handed.workloads![0].spec).toEqual({ clusterQueue: 'team-a' });
    // Cluster-scoped kinds have no namespace.
    expect(await valueOf(clusterQueue.namespace)).toBeUndefined();
    expect(await valueOf(localQueue.namespace)).toEqual('ml');
  });

  test('a generated name is `<component name>-<hash>`, as cdk8s names the construct `Default` of chart `<name>`', async () => {
    const props: core.GenericJobProps = { replicaSpecs: [{ type: 'main', containers: [{ image: 'busybox' }] }] };
    const job = new kj.GenericJob('nightly', props);
    const [synthesized] = cdk8sSynth('nightly', (chart, id) => new core.GenericJob(chart, id, props));
    expect(synthesized.metadata.name).toMatch(/^nightly-[0-9a-f]{8}$/);
    expect(await valueOf(job.name)).toEqual(synthesized.metadata.name);
    expect(await valueOf(job.namespace)).toBeUndefined();
  });
});

describe('outputs', () => {
  test('custom resource components output name and namespace', async () => {
    const job = new kj.GenericJob('out-train', trainerProps());
    expect(await valueOf(job.name)).toEqual('mnist-train');
    expect(await valueOf(job.namespace)).toEqual('ml');
  });

  test('KubejobsController outputs its namespace, ServiceAccount and CRD names', async () => {
    const controller = new kj.KubejobsController('out-controller', { namespace: 'batch-system' });
    expect(await valueOf(controller.namespace)).toEqual('batch-system');
    expect(await valueOf(controller.serviceAccountName)).toEqual('kubejobs-controller');
    expect(await valueOf(controller.crdNames)).toEqual(['genericjobs.batch.tensorstack.dev', 'arenajobs.omnia.altairalabs.ai', 'arenaconfigs.omnia.altairalabs.ai',
      'arenasources.omnia.altairalabs.ai', 'providers.omnia.altairalabs.ai', 'radixbatches.kubejobs.dev']);
  });

  test('RadixJobScheduler outputs its name, namespace and URLs', async () => {
    const scheduler = new kj.RadixJobScheduler('out-scheduler', schedulerProps());
    expect(await valueOf(mocked.pulumi.all([scheduler.name, scheduler.namespace, scheduler.url, scheduler.qualifiedUrl]))).toEqual([
      'compute', 'ml', 'http://compute:8000', 'http://compute.ml.svc:8000',
    ]);
  });

  test('components register with type token kubejobs:index:<Name>, and their groups as children', async () => {
    const controller = new kj.KubejobsController('token-controller');
    const groups = await configGroupsOf(controller, 'token-controller');
    const urn = await valueOf(controller.urn);
    expect(urn).toEqual('urn:pulumi:test::kubejobs::kubejobs:index:KubejobsController::token-controller');
    expect(groups.crds!.parent).toEqual(urn);
    expect(groups.controller!.parent).toEqual(urn);
  });
});

describe('dependency order: workloads after the controller, the controller after the CRDs', () => {
  /**
   * Everything in one component: a test-only component over a construct that holds all three
   * groups. (Defined once the SDK is mocked; a component is a few lines over `KubejobsComponent`.)
   */
  function platform(name: string, groups: readonly Group[] = ['crds', 'controller', 'workloads']): AnyComponent {
    class Platform extends kj.KubejobsComponent<Record<string, never>, Record<string, never>, Construct> {
      public constructor() {
        super({
          typeName: 'TestPlatform',
          groups,
          construct: (scope, id) => {
            const p = new Construct(scope, id);
            new core.KubejobsController(p, 'controller');
            new core.GenericJob(p, 'job', { metadata: { name: 'job' }, replicaSpecs: [{ type: 'main', containers: [{ image: 'busybox' }] }] });
            return p;
          },
        }, name, {});
        this.registerOutputs({});
      }
    }
    return new Platform();
  }

  test('within one component the groups are chained with dependsOn', async () => {
    const groups = await configGroupsOf(platform('platform'), 'platform');
    const [crds, controller] = await Promise.all([groups.crds!.urn, groups.controller!.urn]);
    expect(groups.crds!.dependencies).toEqual([]);
    expect(groups.controller!.dependencies).toEqual([crds]);
    expect(groups.workloads!.dependencies).toEqual([controller]);
    expect(groups.workloads!.inputs.objs.map((o: any) => o.kind)).toEqual(['GenericJob']);
  });

  test('across components: a job given `dependsOn: [controller]` waits for both controller groups', async () => {
    const controller = new kj.KubejobsController('dep-controller');
    const job = new kj.GenericJob('dep-train', trainerProps(), { dependsOn: [controller] });
    const controllerGroups = await configGroupsOf(controller, 'dep-controller');
    const jobGroups = await configGroupsOf(job, 'dep-train');
    const [crds, ctrl] = await Promise.all([controllerGroups.crds!.urn, controllerGroups.controller!.urn]);
    expect(controllerGroups.controller!.dependencies).toEqual([crds]);
    expect(jobGroups.workloads!.dependencies.sort()).toEqual([crds, ctrl].sort());
    // The job's own custom resource waits for the same.
    expect((await customResourceOf(job, 'dep-train'))!.dependencies.sort()).toEqual([crds, ctrl].sort());
  });

  test('a construct rendering into a group its component does not declare is a bug, reported as such', () => {
    expect(() => platform('undeclared', ['controller', 'workloads'])).toThrow(
      'TestPlatform rendered CustomResourceDefinition \'genericjobs.batch.tensorstack.dev\' into the \'crds\' group, which the component does not declare: add \'crds\' to its groups',
    );
  });
});

describe('pulumi.Input values flow into the rendered objects', () => {
  test('GenericJob: namespace, labels, image and queue from other resources', async () => {
    const ns = testResource('test:index:Namespace', 'input-ns');
    const registry = testResource('test:index:Image', 'input-image');
    const namespace = pulumi.output(ns.urn).apply(() => 'ml-from-resource');
    const image = pulumi.output(registry.id).apply((id) => `registry.example/${id}:1`);
    const job = new kj.GenericJob('input-train', {
      metadata: { name: 'train', namespace, labels: { team: pulumi.output('vision') } },
      replicaSpecs: [{ type: 'worker', replicas: 2, containers: [{ image, envVariables: { MODE: kplus.EnvValue.fromValue('fast') } }] }],
      t9kScheduler: { queue: Promise.resolve('gpu-queue') },
      successRules: [core.FinishRule.ranks('worker', 0)],
    });
    const { workloads } = await objectsHandedToPulumi(job, 'input-train');
    const [obj] = workloads!;
    expect(obj.metadata).toEqual({ name: 'train', namespace: 'ml-from-resource', labels: { team: 'vision' } });
    expect(obj.spec.replicaSpecs[0].template.spec.containers[0]).toMatchObject({ image: 'registry.example/input-image-id:1', env: [{ name: 'MODE', value: 'fast' }] });
    expect(obj.spec.scheduler).toEqual({ t9kScheduler: { queue: 'gpu-queue' } });
    // Class instances among the props (FinishRule, EnvValue) survive the resolution of the inputs.
    expect(obj.spec.successRules).toEqual([{ worker: [0] }]);
    // The objects depend on the resources the inputs came from, so those are created first.
    expect((await customResourceOf(job, 'input-train'))!.dependencies.sort()).toEqual([await valueOf(ns.urn), await valueOf(registry.urn)].sort());
    expect(await valueOf(job.namespace)).toEqual('ml-from-resource');
    // Same objects as cdk8s for the resolved values.
    expectSameObjects({ workloads }, cdk8sSynth('input-train', (chart, id) => new core.GenericJob(chart, id, {
      metadata: { name: 'train', namespace: 'ml-from-resource', labels: { team: 'vision' } },
      replicaSpecs: [{ type: 'worker', replicas: 2, containers: [{ image: 'registry.example/input-image-id:1', envVariables: { MODE: kplus.EnvValue.fromValue('fast') } }] }],
      t9kScheduler: { queue: 'gpu-queue' },
      successRules: [core.FinishRule.ranks('worker', 0)],
    })));
  });

  test('ArenaJob: the config is an ArenaConfig component, bucket and secret name are outputs', async () => {
    const bucket = testResource('test:index:Bucket', 'results-bucket');
    const config = new kj.ArenaConfig('input-config', { metadata: { name: pulumi.output('smoke') }, sourceName: pulumi.output('smoke-pack') });
    const job = new kj.ArenaJob('input-eval', {
      metadata: { name: 'smoke-eval' },
      config,
      output: { s3: { bucket: bucket.id as pulumiTypes.Output<string>, secretName: pulumi.output('s3-creds'), region: 'eu-north-1' } },
    });
    const configObjs = (await objectsHandedToPulumi(config, 'input-config')).workloads!;
    expect(configObjs[0]).toMatchObject({ kind: 'ArenaConfig', metadata: { name: 'smoke' }, spec: { sourceRef: { name: 'smoke-pack' } } });
    const { workloads } = await objectsHandedToPulumi(job, 'input-eval');
    expect(workloads![0].spec).toEqual({
      configRef: { name: 'smoke' },
      output: { type: 's3', s3: { bucket: 'results-bucket-id', region: 'eu-north-1', secretRef: { name: 's3-creds' } } },
    });
    expect((await customResourceOf(job, 'input-eval'))!.dependencies).toEqual(expect.arrayContaining([await valueOf(bucket.urn)]));
  });

  test('KubejobsController: namespace, image and tag', async () => {
    const controller = new kj.KubejobsController('input-controller', {
      namespace: pulumi.output('batch-system'),
      image: pulumi.output('registry.example/kubejobs'),
      tag: Promise.resolve('v9'),
    });
    const { crds, controller: group } = await configGroupsOf(controller, 'input-controller');
    expect(crds!.inputs.objs).toHaveLength(core.api.KUBEJOBS_DEFINITIONS.length);
    const deployment = group!.inputs.objs.find((o: any) => o.kind === 'Deployment');
    expect(deployment.metadata.namespace).toEqual('batch-system');
    expect(deployment.spec.template.spec.containers[0].image).toEqual('registry.example/kubejobs:v9');
    expect(await valueOf(controller.namespace)).toEqual('batch-system');
  });

  test('RadixJobScheduler: namespace, image and secret name', async () => {
    const secret = testResource('test:index:Secret', 'db-secret');
    const scheduler = new kj.RadixJobScheduler('input-scheduler', {
      ...schedulerProps(),
      namespace: pulumi.output('batch'),
      image: pulumi.output('registry.example.com/ml/compute:{imageTagName}'),
      imageTagName: Promise.resolve('2.0.0'),
      secrets: [{ name: 'DB_PASS', secretName: pulumi.output(secret.id).apply((id) => `${id}-name`), key: 'password' }],
    });
    const { workloads } = await configGroupsOf(scheduler, 'input-scheduler');
    const definition = JSON.parse(workloads!.inputs.objs.find((o: any) => o.kind === 'ConfigMap').data['job-definition.json']);
    expect(definition.job).toMatchObject({ image: 'registry.example.com/ml/compute:{imageTagName}', imageTagName: '2.0.0', secrets: [{ name: 'DB_PASS', secretKeyRef: { name: 'db-secret-id-name', key: 'password' } }] });
    expect(new Set(workloads!.inputs.objs.map((o: any) => o.metadata.namespace))).toEqual(new Set(['batch']));
    expect(workloads!.dependencies).toEqual([await valueOf(secret.urn)]);
    expect(await valueOf(scheduler.qualifiedUrl)).toEqual('http://compute.batch.svc:8000');
  });

  test('an ArenaOutput instance is passed through untouched', async () => {
    const job = new kj.ArenaJob('pvc-eval', { metadata: { name: 'pvc-eval', namespace: pulumi.output('ml') }, config: { name: 'smoke' }, output: core.ArenaOutput.pvc({ claimName: 'results' }) });
    const { workloads } = await objectsHandedToPulumi(job, 'pvc-eval');
    expect(workloads![0].spec.output).toEqual({ type: 'pvc', pvc: { claimName: 'results' } });
  });
});

describe('bad args raise pulumi.ResourceError with the construct\'s message', () => {
  const worker = { type: 'worker', containers: [{ image: 'busybox' }] };
  const cases: Array<[string, () => unknown, string]> = [
    ['GenericJob without replica specs (checked at synth)', () => new kj.GenericJob('bad-1', {}),
      '\'replicaSpecs\' is empty: a GenericJob needs at least one replica spec; pass \'replicaSpecs\' or call addReplicaSpec()'],
    ['GenericJob replica type not a DNS label', () => new kj.GenericJob('bad-2', { replicaSpecs: [{ ...worker, type: 'Worker' }] }),
      '\'replicaSpecs[0].type\' (\'Worker\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters'],
    ['GenericJob empty queue', () => new kj.GenericJob('bad-3', { replicaSpecs: [worker], t9kScheduler: { queue: ' ' } }),
      '\'t9kScheduler.queue\' is empty: name the T9k scheduler queue the job\'s PodGroup joins, e.g. \'default\''],
    ['GenericJob rules naming unknown types: every synth-time message, one per line',
      () => new kj.GenericJob('bad-4', { replicaSpecs: [worker], successRules: [core.FinishRule.ranks('chief', 0)], failureRules: [core.FinishRule.ranks('worker', 3)] }),
      '\'successRules[0]\' names replica type \'chief\', but the job declares only \'worker\'\n\'failureRules[0]\' names rank 3 of \'worker\', but \'worker\' has 1 replica (ranks 0 to 0)'],
    ['ArenaConfig empty source', () => new kj.ArenaConfig('bad-5', { sourceName: '' }),
      '\'sourceName\' is empty: name the ArenaSource that provides the scenario bundle'],
    ['ArenaJob block of another type', () => new kj.ArenaJob('bad-6', { config: { name: 'c' }, loadTest: { targetRps: 3 } }),
      '\'loadTest\' is set but \'type\' is \'evaluation\': set type to \'loadtest\' or remove \'loadTest\''],
    ['ArenaJob empty bucket (options form)', () => new kj.ArenaJob('bad-7', { config: { name: 'c' }, output: { s3: { bucket: '' } } }),
      '\'output.s3.bucket\' is empty: name the bucket results are written to'],
    ['ArenaJob config with an empty name', () => new kj.ArenaJob('bad-8', { config: { name: '' } }),
      '\'config\' has an empty name: pass an ArenaConfig or ArenaConfig.fromConfigName(\'<name>\')'],
    ['KubejobsController namespace', () => new kj.KubejobsController('bad-9', { namespace: 'Jobs_System' }),
      '\'namespace\' (\'Jobs_System\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
    ['KubejobsController replicas without leader election', () => new kj.KubejobsController('bad-10', { replicas: 2, leaderElection: false }),
      '\'replicas\' (2) needs \'leaderElection\': without it every replica would reconcile the same jobs; set leaderElection: true or replicas: 1'],
    ['RadixJobScheduler port below 1024', () => new kj.RadixJobScheduler('bad-11', { ...schedulerProps(), schedulerPort: 80 }),
      '\'schedulerPort\' (80) must be an integer from 1024 to 65535: Radix allows no other, and the scheduler runs as non-root'],
    ['AppWrapperJob min-available above replicas', () => new kj.AppWrapperJob('bad-13', {
      image: 'x', command: ['x'], innerType: core.InnerJobType.VOLCANO, replicas: 2, minAvailable: 3,
    }), '\'minAvailable\' (3) must be <= \'replicas\' (2)'],
    ['KueueLocalQueue ClusterQueue name', () => new kj.KueueLocalQueue('bad-12', { metadata: { name: 'q' }, clusterQueue: 'Team_A' }),
      '\'clusterQueue\' (\'Team_A\') must be a ClusterQueue name: a DNS-1123 subdomain of at most 253 characters'],
  ];

  test.each(cases)('%s: thrown by the constructor', (_case, create, message) => {
    let error: unknown;
    try {
      create();
    } catch (e) {
      error = e;
    }
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
    expect((error as Error).message).toEqual(message);
    // The resource in the error is the component, so the engine reports it against its URN.
    expect(pulumi.ComponentResource.isInstance((error as pulumiTypes.ResourceError).resource)).toBe(true);
  });

  test('the messages are the cdk8s constructs\' own', () => {
    expect(() => new core.KubejobsController(new Chart(new App(), 'c'), 'x', { namespace: 'Jobs_System' })).toThrow(cases[8][2]);
    const chart = new Chart(new App(), 'c');
    new core.GenericJob(chart, 'x', { replicaSpecs: [worker], successRules: [core.FinishRule.ranks('chief', 0)] });
    expect(() => chart.toJson()).toThrow('Validation failed with the following errors:\n  [c/x] \'successRules[0]\' names replica type \'chief\', but the job declares only \'worker\'');
  });

  test.each<[string, () => AnyComponent, string]>([
    ['GenericJob without replica specs, namespace an output', () => new kj.GenericJob('late-1', { metadata: { namespace: pulumi.output('ml') } }),
      '\'replicaSpecs\' is empty: a GenericJob needs at least one replica spec; pass \'replicaSpecs\' or call addReplicaSpec()'],
    ['KubejobsController namespace output not a DNS label', () => new kj.KubejobsController('late-2', { namespace: pulumi.output('Jobs_System') }),
      '\'namespace\' (\'Jobs_System\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
    ['ArenaJob bucket output empty', () => new kj.ArenaJob('late-3', { config: { name: 'c' }, output: { s3: { bucket: pulumi.output('') } } }),
      '\'output.s3.bucket\' is empty: name the bucket results are written to'],
    ['RadixJobScheduler namespace output not a DNS label', () => new kj.RadixJobScheduler('late-4', { ...schedulerProps(), namespace: pulumi.output('ML') }),
      '\'namespace\' (\'ML\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
  ])('%s: fails the deployment once the output resolves', async (_case, create, message) => {
    let component!: AnyComponent;
    const reported = await unhandledErrorsDuring(async () => {
      component = create(); // inputs unresolved: nothing to check yet
      await expect(valueOf(component.manifests)).rejects.toThrow(message);
    });
    // What `pulumi up` reports: ResourceErrors of the component, with the construct's message
    // (prefixed by the SDK with the property it was serialising).
    expect(reported.length).toBeGreaterThan(0);
    for (const e of reported) {
      expect(pulumi.ResourceError.isInstance(e)).toBe(true);
      expect((e as Error).message.endsWith(message)).toBe(true);
      expect((e as pulumiTypes.ResourceError).resource).toBe(component);
    }
    // None of its groups reaches the engine.
    const urn = await valueOf(component.urn);
    expect(mocked.registrations.filter((r) => r.parent === urn)).toEqual([]);
  });
});
