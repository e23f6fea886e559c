import { KubernetesObject } from '@kubernetes/client-node';
import * as k8s from '@pulumi/kubernetes';
import { EngineEvent, OpType } from '@pulumi/pulumi/automation';
import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { skipKubeletReadinessWaits } from './engine-program';
import { differences, isEstablished, kubernetesObjectsInState, readLive } from './live-objects';
import { ensurePulumiEngine, PULUMI_BUILD_TIMEOUT_MS, PulumiEngine } from './pulumi-engine';
import { createTestStack, TestStack } from './test-stack';
import * as core from '../../../src';
import { KueueClusterQueue, KueueClusterQueueProps } from '../../../src/kueue-cluster-queue';
import { KueueLocalQueue } from '../../../src/kueue-local-queue';
import { KueueResourceFlavor } from '../../../src/kueue-resource-flavor';
import * as kj from '../../../src/pulumi';
import { applyManifests } from '../../cluster/kube-helpers';
import { upstreamCrds } from '../../cluster/tiers/operators-tier';
import { ensureTierBinaries } from '../../cluster/tiers/tier-binaries';
import { useControlPlane } from '../../cluster/use-control-plane';
import { cdk8sSynth, keyOf, schedulerProps, trainerProps } from '../component-fixtures';

// Every kubejobs Pulumi component deployed by the real Pulumi engine (Automation API, inline
// program) against the real control plane: what `up` creates, an unchanged preview, updates and
// replacements, and `destroy`.

const plane = useControlPlane();
let engine: PulumiEngine;
beforeAll(async () => {
  const [built, pulumiEngine] = await Promise.all([ensureTierBinaries('operators'), ensurePulumiEngine()]);
  engine = pulumiEngine;
  // The upstream CRDs the AppWrapperJob and Kueue components write (no operator runs: this is about
  // what Pulumi creates, not what Kueue does with it).
  await applyManifests(plane().kubeConfig, upstreamCrds(built) as KubernetesObject[], { timeoutMs: 120_000 });
}, PULUMI_BUILD_TIMEOUT_MS);

/** What the tests may change between two `up`s. */
interface Variant {
  /** ArenaConfig retries: a mutable field, so an in-place update. */
  readonly maxRetries: number;
  /**
   * GenericJob and AppWrapperJob worker replicas: the GenericJob's `spec.replicaSpecs` is immutable
   * (a transition rule of our CRD) and so are the AppWrapper's `spec.components` (its admission
   * webhook), so replacements.
   */
  readonly workers: number;
  /** The ClusterQueue the LocalQueue feeds: immutable in Kueue's CRD, so a replacement. */
  readonly clusterQueue: string;
}

const arenaConfigProps = (v: Variant): core.ArenaConfigProps => ({
  metadata: { name: 'smoke', namespace: 'ml' },
  sourceName: 'smoke-pack',
  providers: [{ name: 'mock', namespace: 'ml' }],
  evaluation: { timeout: Duration.minutes(2), maxRetries: v.maxRetries },
});
const arenaJobProps = (): Omit<core.ArenaJobProps, 'config'> => ({
  metadata: { name: 'smoke-eval', namespace: 'ml' },
  type: core.ArenaJobType.LOAD_TEST,
  loadTest: { rampUp: Duration.seconds(10), targetRps: 5 },
  output: core.ArenaOutput.s3({ bucket: 'results', prefix: 'smoke/', secretName: 's3-creds' }),
  ttlAfterFinished: Duration.hours(1),
});
const flavorProps = { metadata: { name: 'gpu-flavor' }, nodeLabels: { 'node.kubernetes.io/instance-type': 'gpu' } };
const clusterQueueProps = (name: string, flavor: { name: any }): any => ({
  metadata: { name },
  cohort: 'research',
  resourceGroups: [{ flavors: [{ flavor, nominalQuota: { cpu: kplus.Cpu.units(8), memory: Size.gibibytes(32), nvidiaGpus: 4 } }] }],
});
const appWrapperProps = (v: Variant) => ({ metadata: { name: 'ddp', namespace: 'ml' }, image: 'pytorch/pytorch:2.3', command: ['python', 'train.py'], workers: v.workers, gpusPerPod: 1 });
const genericJobProps = (v: Variant): core.GenericJobProps => {
  const props = trainerProps();
  return { ...props, replicaSpecs: (props.replicaSpecs ?? []).map((r) => (r.type === 'worker' ? { ...r, replicas: v.workers } : r)) };
};

/** The program: every component, the jobs after the controller. */
function program(v: Variant) {
  return async () => {
    skipKubeletReadinessWaits();
    const ml = new k8s.core.v1.Namespace('ml', { metadata: { name: 'ml' } });
    const controller = new kj.KubejobsController('kubejobs');
    const after = { dependsOn: [controller, ml] };
    new kj.GenericJob('train', genericJobProps(v), after);
    const config = new kj.ArenaConfig('smoke', arenaConfigProps(v), after);
    new kj.ArenaJob('smoke-eval', { ...arenaJobProps(), config }, after);
    new kj.RadixJobScheduler('compute', schedulerProps(), { dependsOn: [ml] });
    const flavor = new kj.KueueResourceFlavor('gpu-flavor', flavorProps);
    const queues = new Map(['team-a', 'team-b'].map((name) => [name, new kj.KueueClusterQueue(`${name}-cq`, clusterQueueProps(name, flavor))]));
    const localQueue = new kj.KueueLocalQueue('team-lq', { metadata: { name: 'team', namespace: 'ml' }, clusterQueue: queues.get(v.clusterQueue)! }, { dependsOn: [ml] });
    new kj.AppWrapperJob('ddp', { ...appWrapperProps(v), queue: localQueue }, { dependsOn: [ml] });
  };
}

/** What `cdk8s synth` writes for the same props, component by component. */
function synthesized(v: Variant): Record<string, any>[] {
  return [
    ...cdk8sSynth('kubejobs', (chart, id) => new core.KubejobsController(chart, id, {})),
    ...cdk8sSynth('train', (chart, id) => new core.GenericJob(chart, id, genericJobProps(v))),
    ...cdk8sSynth('smoke', (chart, id) => new core.ArenaConfig(chart, id, arenaConfigProps(v))),
    ...cdk8sSynth('smoke-eval', (chart, id) => new core.ArenaJob(chart, id, { ...arenaJobProps(), config: core.ArenaConfig.fromConfigName('smoke') })),
    ...cdk8sSynth('compute', (chart, id) => new core.RadixJobScheduler(chart, id, schedulerProps())),
    ...cdk8sSynth('gpu-flavor', (chart, id) => new KueueResourceFlavor(chart, id, flavorProps)),
    ...['team-a', 'team-b'].flatMap((name) => cdk8sSynth(`${name}-cq`, (chart, id) =>
      new KueueClusterQueue(chart, id, clusterQueueProps(name, KueueResourceFlavor.fromResourceFlavorName('gpu-flavor')) as KueueClusterQueueProps))),
    ...cdk8sSynth('team-lq', (chart, id) => new KueueLocalQueue(chart, id, { metadata: { name: 'team', namespace: 'ml' }, clusterQueue: v.clusterQueue })),
    ...cdk8sSynth('ddp', (chart, id) => new core.AppWrapperJob(chart, id, { ...appWrapperProps(v), queue: 'team' })),
  ];
}

/** `<op> <type>::<name>` of every step the engine took, in order, for `pre` (sent) or `outputs` (done) events. */
function steps(events: readonly EngineEvent[], phase: 'pre' | 'outputs'): { op: OpType; type: string; name: string }[] {
  return events
    .map((e) => (phase === 'pre' ? e.resourcePreEvent : e.resOutputsEvent)?.metadata)
    .filter((m) => m !== undefined)
    .map((m) => ({ op: m!.op, type: m!.type, name: m!.urn.split('::').pop()! }));
}
/** A Kubernetes object's type (not a ConfigGroup, a component or a provider). */
const isObjectType = (type: string): boolean => type.startsWith('kubernetes:') && !type.startsWith('kubernetes:yaml/');
const CRD_TYPE = 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition';

/** A CRD the stack itself creates (the KubejobsController's), with the Pulumi type of its custom resources. */
interface OwnCrd {
  /** `metadata.name`, e.g. `genericjobs.batch.tensorstack.dev`. */
  readonly name: string;
  /** `kubernetes:<group>/<version>:<kind>` of its storage version. */
  readonly customType: string;
}
/**
 * The CRDs the program's components create. The upstream CRDs (AppWrapper, Kueue) are installed by
 * the test before the stack exists, so their custom resources may be sent at any time.
 */
function ownCrds(v: Variant): OwnCrd[] {
  return synthesized(v).filter((o) => o.kind === 'CustomResourceDefinition').map((crd) => ({
    name: crd.metadata.name,
    customType: `kubernetes:${crd.spec.group}/${crd.spec.versions.find((x: any) => x.storage).name}:${crd.spec.names.kind}`,
  }));
}
/** Index of the first event of `op` on the CRD named `name` in `phase`; -1 when there is none. */
function crdEventIndex(events: readonly EngineEvent[], name: string, op: OpType, phase: 'pre' | 'outputs'): number {
  return events.findIndex((e) => {
    const m = (phase === 'pre' ? e.resourcePreEvent : e.resOutputsEvent)?.metadata;
    return m?.type === CRD_TYPE && m.op === op && m.urn.endsWith(`:${name}`);
  });
}
/** Indexes of the events of `op` on resources of `type` in `phase`. */
function eventIndexes(events: readonly EngineEvent[], type: string, op: OpType, phase: 'pre' | 'outputs'): number[] {
  return events.flatMap((e, i) => {
    const m = (phase === 'pre' ? e.resourcePreEvent : e.resOutputsEvent)?.metadata;
    return m?.type === type && m.op === op ? [i] : [];
  });
}

/** Every field of the synthesised object is in the live one, with the same value. */
function expectSameFields(synthesizedObject: Record<string, any>, live: Record<string, any> | undefined): void {
  const object = keyOf(synthesizedObject);
  expect({ object, differences: live ? differences(synthesizedObject, live) : ['not found'] }).toEqual({ object, differences: [] });
}

/** The steps of a replacement that deletes the old object before it creates the new one (`deleteBeforeReplace`). */
const REPLACED_DELETING_FIRST: OpType[] = ['delete-replaced', 'replace', 'create-replacement'];

const v1: Variant = { maxRetries: 1, workers: 2, clusterQueue: 'team-a' };
const v2: Variant = { maxRetries: 2, workers: 3, clusterQueue: 'team-b' };
const ML_NAMESPACE = keyOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });

describe('every component through the real Pulumi engine', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack({ engine, kubeconfigPath: plane().kubeconfigPath, program: program(v1) });
  }, 60_000);
  afterAll(async () => { await stack?.remove(); }, 300_000);

  let upEvents: EngineEvent[] = [];
  test('up creates exactly the objects cdk8s synth writes for the same props', async () => {
    const result = await stack.stack.up({ ...stack.opts, onEvent: (e) => upEvents.push(e) });
    expect(result.summary.result).toBe('succeeded');
    // The SDK (@pulumi/kubernetes at PULUMI_VERSIONS' provider-version) and the provider plugin agree: no version warning.
    expect(stack.printed()).toContain('kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition');
    expect(stack.printed()).not.toMatch(/is expected to have version/);
    const expected = synthesized(v1);
    expect(await kubernetesObjectsInState(stack.stack)).toEqual([...expected.map(keyOf), ML_NAMESPACE].sort());
    // CRDs included: their schemas (defaults, enums, CEL rules) as the API server stores them.
    expect(expected.filter((o) => o.kind === 'CustomResourceDefinition').length).toBe(core.api.KUBEJOBS_DEFINITIONS.length);
    for (const obj of expected) {
      const live = await readLive(plane().kubeConfig, obj);
      expectSameFields(obj, live);
      // The one addition: CRDs ask the provider to wait until they are Established.
      if (obj.kind === 'CustomResourceDefinition') expect(live?.metadata.annotations?.[kj.WAIT_FOR_ANNOTATION]).toBe('condition=Established');
    }
  }, 600_000);

  test('each CRD the stack creates is Established before any custom resource of its kind is sent', async () => {
    const crds = ownCrds(v1);
    expect(crds.map((c) => c.customType)).toContain('kubernetes:batch.tensorstack.dev/v1beta1:GenericJob');
    for (const crd of crds) {
      const done = crdEventIndex(upEvents, crd.name, 'create', 'outputs');
      const sent = eventIndexes(upEvents, crd.customType, 'create', 'pre');
      // The outputs the engine recorded when the CRD's create step finished: Established by then.
      const outputs = upEvents[done]?.resOutputsEvent?.metadata.new?.outputs;
      expect({ crd: crd.name, done: done > -1, established: outputs ? isEstablished(outputs) : false })
        .toEqual({ crd: crd.name, done: true, established: true });
      expect({ crd: crd.name, sentBeforeEstablished: sent.filter((i) => i < done) }).toEqual({ crd: crd.name, sentBeforeEstablished: [] });
    }
    // The program does send custom resources of these kinds (else the check above proves nothing).
    const customTypesSent = new Set(steps(upEvents, 'pre').map((x) => x.type).filter((t) => crds.some((c) => c.customType === t)));
    expect([...customTypesSent].sort()).toEqual([
      'kubernetes:batch.tensorstack.dev/v1beta1:GenericJob',
      'kubernetes:omnia.altairalabs.ai/v1alpha1:ArenaConfig',
      'kubernetes:omnia.altairalabs.ai/v1alpha1:ArenaJob',
    ]);
  });

  test('a preview of the unchanged stack reports no changes', async () => {
    const preview = await stack.stack.preview(stack.opts);
    const changed = Object.entries(preview.changeSummary).filter(([op, n]) => op !== 'same' && n > 0);
    expect(changed).toEqual([]);
  }, 300_000);

  test('a prop change is an in-place update where Kubernetes allows one and a replacement where it does not, and the plan says which', async () => {
    stack.stack.workspace.program = program(v2);
    const planned: EngineEvent[] = [];
    await stack.stack.preview({ diff: true, ...stack.opts, onEvent: (e) => planned.push(e) });
    const changes = steps(planned, 'pre').filter((x) => x.op !== 'same' && x.op !== 'read' && isObjectType(x.type));
    const opsOf = (name: string) => changes.filter((x) => x.name === name).map((x) => x.op);
    // ArenaConfig's evaluation.maxRetries: mutable, an update in place.
    expect(opsOf('smoke')).toEqual(['update']);
    // Every replacement deletes the old object first: the new one has the same name, so creating
    // it first would conflict with the old one.
    // GenericJob's worker count: spec.replicaSpecs is immutable (our CRD's transition rule), a replacement.
    expect(opsOf('train')).toEqual(REPLACED_DELETING_FIRST);
    // The LocalQueue's ClusterQueue: immutable (Kueue's CEL rule), a replacement.
    expect(opsOf('team-lq')).toEqual(REPLACED_DELETING_FIRST);
    // The AppWrapper's components: immutable (AppWrapper's admission webhook), a replacement.
    expect(opsOf('ddp')).toEqual(REPLACED_DELETING_FIRST);
    // Nothing else changes.
    expect([...new Set(changes.map((x) => x.name))].sort()).toEqual(['ddp', 'smoke', 'team-lq', 'train']);

    const kc = plane().kubeConfig;
    const localQueue = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'team', namespace: 'ml' } };
    const genericJob = { apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name: 'mnist-train', namespace: 'ml' } };
    const arenaConfig = { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaConfig', metadata: { name: 'smoke', namespace: 'ml' } };
    const appWrapper = { apiVersion: 'workload.codeflare.dev/v1beta2', kind: 'AppWrapper', metadata: { name: 'ddp', namespace: 'ml' } };
    const uids = async () => Promise.all([localQueue, genericJob, arenaConfig, appWrapper].map(async (o) => (await readLive(kc, o))!.metadata.uid));
    const before = await uids();
    const result = await stack.stack.up(stack.opts);
    expect(result.summary.resourceChanges).toMatchObject({ update: 1, replace: 3 });
    const after = await uids();
    expect(after[0]).not.toEqual(before[0]); // LocalQueue replaced
    expect(after[1]).not.toEqual(before[1]); // GenericJob replaced
    expect(after[2]).toEqual(before[2]); // ArenaConfig updated in place
    expect(after[3]).not.toEqual(before[3]); // AppWrapper replaced
    for (const obj of synthesized(v2)) {
      const live = await readLive(kc, obj);
      expectSameFields(obj, live);
    }
  }, 600_000);

  test('destroy removes every object, each custom resource before its CRD', async () => {
    const events: EngineEvent[] = [];
    const result = await stack.stack.destroy({ ...stack.opts, onEvent: (e) => events.push(e) });
    expect(result.summary.result).toBe('succeeded');
    const crds = ownCrds(v2);
    for (const crd of crds) {
      const crdDeleteSent = crdEventIndex(events, crd.name, 'delete', 'pre');
      const customDeleted = eventIndexes(events, crd.customType, 'delete', 'outputs');
      expect({ crd: crd.name, deleted: crdDeleteSent > -1 }).toEqual({ crd: crd.name, deleted: true });
      const deletedAfterIt = customDeleted.filter((i) => i > crdDeleteSent);
      expect({ crd: crd.name, customResourcesDeletedAfterIt: deletedAfterIt }).toEqual({ crd: crd.name, customResourcesDeletedAfterIt: [] });
    }
    expect(eventIndexes(events, 'kubernetes:batch.tensorstack.dev/v1beta1:GenericJob', 'delete', 'outputs')).toHaveLength(1);
    for (const obj of [...synthesized(v2), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } }]) {
      expect({ object: keyOf(obj), live: await readLive(plane().kubeConfig, obj) }).toEqual({ object: keyOf(obj), live: undefined });
    }
    expect(await kubernetesObjectsInState(stack.stack)).toEqual([]);
  }, 600_000);
});

describe('run modes of a GenericJob created without one: the plan is what its CEL rules allow', () => {
  const name = 'toggle';
  const job = (modes: Pick<core.GenericJobProps, 'debug' | 'pause'>): core.GenericJobProps => ({
    metadata: { name, namespace: 'default' },
    replicaSpecs: [{ type: 'worker', containers: [{ image: 'busybox:1.36', command: ['sleep', '1'] }] }],
    ...modes,
  });
  const togglingProgram = (modes: Pick<core.GenericJobProps, 'debug' | 'pause'>) => async () => {
    skipKubeletReadinessWaits();
    const controller = new kj.KubejobsController('kubejobs');
    new kj.GenericJob(name, job(modes), { dependsOn: [controller] });
  };
  const live = async () => (await readLive(plane().kubeConfig, { apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name, namespace: 'default' } }))!;
  /** The steps the preview of `modes` plans for the GenericJob. */
  const planFor = async (modes: Pick<core.GenericJobProps, 'debug' | 'pause'>): Promise<OpType[]> => {
    stack.stack.workspace.program = togglingProgram(modes);
    const planned: EngineEvent[] = [];
    await stack.stack.preview({ diff: true, ...stack.opts, onEvent: (e) => planned.push(e) });
    return steps(planned, 'pre').filter((x) => x.name === name && isObjectType(x.type) && x.op !== 'same').map((x) => x.op);
  };

  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack({ engine, kubeconfigPath: plane().kubeconfigPath, program: togglingProgram({}) });
  }, 60_000);
  afterAll(async () => { await stack?.remove(); }, 300_000);

  test('the job goes up with an empty run mode', async () => {
    const result = await stack.stack.up(stack.opts);
    expect(result.summary.result).toBe('succeeded');
    expect((await live()).spec.runMode).toEqual({});
  }, 600_000);

  test('enabling debug is a replacement, deleting first (the API server refuses adding spec.runMode.debug to an existing job)', async () => {
    expect(await planFor({ debug: { enabled: true } })).toEqual(REPLACED_DELETING_FIRST);
    const before = (await live()).metadata.uid;
    const result = await stack.stack.up(stack.opts);
    expect(result.summary.resourceChanges).toMatchObject({ replace: 1 });
    const after = await live();
    expect(after.metadata.uid).not.toEqual(before);
    expect(after.spec.runMode.debug.enabled).toBe(true);
  }, 600_000);

  test('pausing it is an update in place (the CEL rules allow adding the pause block)', async () => {
    expect(await planFor({ debug: { enabled: true }, pause: { enabled: true } })).toEqual(['update']);
    const before = (await live()).metadata.uid;
    const result = await stack.stack.up(stack.opts);
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    const after = await live();
    expect(after.metadata.uid).toEqual(before);
    expect(after.spec.runMode).toMatchObject({ debug: { enabled: true }, pause: { enabled: true } });
  }, 600_000);
});
