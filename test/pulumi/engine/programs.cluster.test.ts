import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiextensionsV1Api, KubernetesObject } from '@kubernetes/client-node';
import * as k8s from '@pulumi/kubernetes';
import { App, Chart } from 'cdk8s';
import { runInOwnProcessGroup } from './engine-processes';
import { skipKubeletReadinessWaits } from './engine-program';
import { kubernetesObjectsInState, readLive } from './live-objects';
import { ensurePulumiEngine, PULUMI_BUILD_TIMEOUT_MS, PulumiEngine } from './pulumi-engine';
import { createTestStack, TestStack, testWorkspaceSettings } from './test-stack';
import * as core from '../../../src';
import * as kj from '../../../src/pulumi';
import { applyManifests, waitFor } from '../../cluster/kube-helpers';
import { getJson } from '../../cluster/kube-requests';
import { useControlPlane } from '../../cluster/use-control-plane';
import { cdk8sSynth } from '../component-fixtures';

// Programs through the real Pulumi engine: outputs of one resource flowing into a component, a bad
// prop stopping the preview, and the repository's examples/pulumi program.

const plane = useControlPlane();
let engine: PulumiEngine;
beforeAll(async () => { engine = await ensurePulumiEngine(); }, PULUMI_BUILD_TIMEOUT_MS);

const GENERIC_JOBS_CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'genericjobs.batch.tensorstack.dev' } };
const genericJob = (name: string, namespace: string) => ({ apiVersion: 'batch.tensorstack.dev/v1beta1', kind: 'GenericJob', metadata: { name, namespace } });

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.remove();
  stack = undefined;
}, 300_000);

test('pulumi.Inputs resolved from other resources\' outputs flow into the objects', async () => {
  stack = await createTestStack({
    engine,
    kubeconfigPath: plane().kubeconfigPath,
    program: async () => {
      skipKubeletReadinessWaits();
      const controller = new kj.KubejobsController('kubejobs');
      // The namespace's name and the image come from other resources' outputs, unknown until they exist.
      const ns = new k8s.core.v1.Namespace('team'); // auto-named by Pulumi: team-<random>
      const settings = new k8s.core.v1.ConfigMap('settings', { metadata: { namespace: ns.metadata.name }, data: { image: 'registry.example/train:2.1' } });
      const job = new kj.GenericJob('train', {
        metadata: { name: 'train', namespace: ns.metadata.name, labels: { configmap: settings.metadata.name } },
        replicaSpecs: [{ type: 'worker', replicas: 2, containers: [{ image: settings.data.apply((d) => d.image) }] }],
      }, { dependsOn: [controller] });
      return { namespace: job.namespace, configMap: settings.metadata.name };
    },
  });
  const result = await stack.stack.up(stack.opts);
  const namespace = result.outputs.namespace.value as string;
  expect(namespace).toMatch(/^team-[a-z0-9]+$/);
  const live = await readLive(plane().kubeConfig, genericJob('train', namespace));
  expect(live).toBeDefined();
  expect(live!.metadata.labels.configmap).toEqual(result.outputs.configMap.value);
  expect(live!.spec.replicaSpecs[0].template.spec.containers[0].image).toEqual('registry.example/train:2.1');
}, 600_000);

describe('a bad prop fails preview and up with the construct\'s message and creates nothing', () => {
  // The construct refuses it (a synth-time check) but the API server would store it: no CEL rule
  // relates debug settings to replica types. So if the component let it through, `up` would create it.
  const badProps: core.GenericJobProps = {
    metadata: { name: 'bad', namespace: 'default' },
    replicaSpecs: [{ type: 'worker', containers: [{ image: 'busybox' }] }],
    debug: { replicas: [{ type: 'ps' }] },
  };
  const constructMessage = (() => {
    const chart = new Chart(new App(), 'c');
    new core.GenericJob(chart, 'bad', badProps);
    return chart.node.findAll().flatMap((c) => c.node.validate()).join('\n');
  })();
  const genericJobsCrd = () => cdk8sSynth('kubejobs', (chart, id) => new core.KubejobsController(chart, id, {}))
    .find((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === GENERIC_JOBS_CRD.metadata.name)!;
  beforeAll(async () => {
    // The kind is served, so nothing but the component's own check stands between the bad prop and the cluster.
    await applyManifests(plane().kubeConfig, [genericJobsCrd() as KubernetesObject], { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    // The next test creates the CRD through Pulumi, which refuses an object that already exists.
    await plane().kubeConfig.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: GENERIC_JOBS_CRD.metadata.name });
    await waitFor('the GenericJob CRD to be gone', async () => (await readLive(plane().kubeConfig, GENERIC_JOBS_CRD)) === undefined, { timeoutMs: 120_000 });
  }, 180_000);

  test('the construct refuses the props (else this proves nothing)', () => {
    expect(constructMessage).toBe("'debug.replicas[0].type' names replica type 'ps', but the job declares only 'worker'");
  });

  test.each([['a plain value', 'known'], ['an output', 'output']] as const)('the bad value arrives as %s', async (_how, input) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-pulumi-bad-'));
    try {
      const settings = testWorkspaceSettings(engine, dir, plane().kubeconfigPath, 'kubejobs-bad-prop');
      // Its own process group: whatever it started (pulumi, the provider plugin) is killed with it.
      const run = await runInOwnProcessGroup(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bad-prop-run.ts')], {
        cwd: path.join(__dirname, '..', '..', '..'),
        timeoutMs: 300_000,
        env: {
          ...process.env,
          TS_NODE_PROJECT: 'tsconfig.json',
          NODE_NO_WARNINGS: '1',
          KUBEJOBS_TEST_WORKSPACE: JSON.stringify(settings),
          KUBEJOBS_TEST_PULUMI_ROOT: engine.root,
          KUBEJOBS_TEST_BAD_PROPS: JSON.stringify(badProps),
          KUBEJOBS_TEST_BAD_INPUT: input,
        },
      });
      if (run.status !== 0) throw new Error(`bad-prop-run.ts failed (${run.status ?? run.signal}):\n${run.stderr.slice(-6000)}`);
      const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as { previewError?: string; upError?: string; unhandled: string[]; inState: string[] };
      // Both fail, each with the construct's own words.
      expect(report.previewError).toContain(constructMessage);
      expect(report.upError).toContain(constructMessage);
      // With an output, Pulumi's runtime also rejects the outputs derived from the failed render (the
      // component's name, namespace, the ConfigGroup's inputs), and nothing awaits those: in the
      // program's own process they are unhandled rejections, which is why this runs in a child
      // process and not in jest's. They carry the same message and nothing else.
      expect(report.unhandled.filter((m) => !m.endsWith(`: ${constructMessage}`) && m !== constructMessage)).toEqual([]);
      // Nothing in the state.
      expect(report.inState.filter((t) => t.startsWith('kubernetes:'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  afterEach(async () => {
    // Nothing in the cluster: the API server lists no GenericJob in any namespace.
    const list = await getJson(plane().kubeConfig, '/apis/batch.tensorstack.dev/v1beta1/genericjobs') as { items: unknown[] };
    expect(list.items).toEqual([]);
  });
});

test('examples/pulumi goes up and is destroyed', async () => {
  // A computed path: tsc (test/tsconfig.json) must not follow it; the program has its own tsconfig.
  const entry = path.join(__dirname, '..', '..', '..', 'examples', 'pulumi', 'index.ts');
  stack = await createTestStack({
    engine,
    kubeconfigPath: plane().kubeconfigPath,
    project: 'kubejobs-example',
    program: async () => {
      skipKubeletReadinessWaits();
      return { ...(await import(entry)) };
    },
  });
  const result = await stack.stack.up(stack.opts);
  expect(result.summary.result).toBe('succeeded');
  expect(Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]))).toEqual({
    controllerNamespace: 'kubejobs-system', trainJob: 'mnist-train', evaluationJob: 'smoke-eval', jobsNamespace: 'ml',
  });
  const kc = plane().kubeConfig;
  expect(await readLive(kc, genericJob('mnist-train', 'ml'))).toBeDefined();
  expect(await readLive(kc, { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', metadata: { name: 'smoke-eval', namespace: 'ml' } })).toBeDefined();
  const deployment = await readLive(kc, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kubejobs-controller', namespace: 'kubejobs-system' } });
  expect(deployment?.spec.replicas).toBe(2);
  const inState = await kubernetesObjectsInState(stack.stack);

  const destroyed = await stack.stack.destroy(stack.opts);
  expect(destroyed.summary.result).toBe('succeeded');
  expect(destroyed.summary.resourceChanges?.delete).toBeGreaterThanOrEqual(inState.length);
  expect(await readLive(kc, GENERIC_JOBS_CRD)).toBeUndefined();
  expect(await readLive(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } })).toBeUndefined();
  expect(await kubernetesObjectsInState(stack.stack)).toEqual([]);
}, 900_000);
