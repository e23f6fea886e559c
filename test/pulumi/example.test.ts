import { execFileSync } from 'child_process';
import { join } from 'path';
import { MockedPulumi, settle, useMocks, valueOf } from './pulumi-mocks';
import { validateManifest } from '../../src/api';

// examples/pulumi is a Pulumi TypeScript program importing 'kubejobs/pulumi' as users do; jest's
// moduleNameMapper maps 'kubejobs' and 'kubejobs/pulumi' to src/ (see .projenrc.ts).
const exampleDir = join(__dirname, '..', '..', 'examples', 'pulumi');

test('examples/pulumi type-checks', () => {
  const tsc = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsc');
  // Throws, with tsc's diagnostics in the message, if the program does not compile.
  execFileSync(tsc, ['--noEmit', '-p', join(exampleDir, 'tsconfig.json')], { stdio: 'pipe' });
}, 120_000);

describe('examples/pulumi runs under mocks', () => {
  let mocked: MockedPulumi;
  let program: Record<string, any>;

  beforeAll(async () => {
    mocked = await useMocks();
    // A computed path: tsc (test/tsconfig.json) must not follow it; the program has its own tsconfig.
    const entry = join(exampleDir, 'index.ts');
    program = await import(entry);
    await valueOf(mocked.pulumi.all(Object.values(program)));
    await settle();
  });

  const group = (name: string) => {
    const r = mocked.registrations.find((x) => x.type === 'kubernetes:yaml/v2:ConfigGroup' && x.name === name);
    if (!r) throw new Error(`no ConfigGroup '${name}' was registered`);
    return r;
  };

  test('registers the components with their ConfigGroups', () => {
    const components = mocked.registrations.filter((r) => r.type.startsWith('kubejobs:index:')).map((r) => `${r.type}::${r.name}`);
    expect(components).toEqual([
      'kubejobs:index:KubejobsController::kubejobs',
      'kubejobs:index:GenericJob::mnist-train',
      'kubejobs:index:ArenaConfig::smoke',
      'kubejobs:index:ArenaJob::smoke-eval',
    ]);
    expect(group('kubejobs-crds').inputs.objs.map((o: any) => o.metadata.name)).toEqual([
      'genericjobs.batch.tensorstack.dev', 'arenajobs.omnia.altairalabs.ai', 'arenaconfigs.omnia.altairalabs.ai',
      'arenasources.omnia.altairalabs.ai', 'providers.omnia.altairalabs.ai', 'radixbatches.kubejobs.dev',
    ]);
  });

  /** A component's own custom resource (a `k8s.apiextensions.CustomResource` child of the component). */
  const customResource = (name: string) => {
    const r = mocked.registrations.find((x) => x.name === name && x.type.startsWith('kubernetes:') && !x.type.startsWith('kubernetes:yaml/'));
    if (!r) throw new Error(`no custom resource '${name}' was registered`);
    return r;
  };

  test('the jobs wait for the CRDs and the controller, and for the namespace they are in', async () => {
    const crds = await group('kubejobs-crds').urn;
    const controller = await group('kubejobs-controller').urn;
    const namespace = await mocked.registrations.find((r) => r.type === 'kubernetes:core/v1:Namespace')!.urn;
    expect(group('kubejobs-controller').dependencies).toEqual([crds]);
    for (const name of ['mnist-train', 'smoke', 'smoke-eval']) {
      expect(group(`${name}-workloads`).dependencies.sort()).toEqual([crds, controller, namespace].sort());
      expect(customResource(name).dependencies.sort()).toEqual([crds, controller, namespace].sort());
    }
  });

  test('every object is valid, in the namespace that came from the Namespace resource', () => {
    const jobs = ['mnist-train', 'smoke', 'smoke-eval'].flatMap((n) => [customResource(n).inputs, ...group(`${n}-workloads`).inputs.objs]);
    expect(jobs.map((o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'GenericJob/ml/mnist-train', 'ArenaConfig/ml/smoke', 'ArenaJob/ml/smoke-eval',
    ]);
    expect(jobs[2].spec.configRef).toEqual({ name: 'smoke' });
    const all = [...group('kubejobs-crds').inputs.objs, ...group('kubejobs-controller').inputs.objs, ...jobs];
    for (const o of all) expect({ object: `${o.kind}/${o.metadata.name}`, errors: validateManifest(o) }).toEqual({ object: `${o.kind}/${o.metadata.name}`, errors: [] });
  });

  test('stack outputs', async () => {
    expect(await valueOf(mocked.pulumi.all({
      controllerNamespace: program.controllerNamespace,
      trainJob: program.trainJob,
      evaluationJob: program.evaluationJob,
      jobsNamespace: program.jobsNamespace,
    }))).toEqual({ controllerNamespace: 'kubejobs-system', trainJob: 'mnist-train', evaluationJob: 'smoke-eval', jobsNamespace: 'ml' });
  });
});
