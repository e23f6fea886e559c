/**
 * Every manifest kubejobs produces is accepted by the real API server: the output of every
 * example app (real `cdk8s synth`), of charts built with every exported construct, and the
 * reference manifests of the construct tests (test/fixtures). Each set is server-side applied for
 * real (no dry run, strict field validation) into its own namespaces, next to the CRDs of every
 * kind we emit (ours and the test CRDs of the upstream kinds). The pods of the Deployments we
 * emit (the controller and the job-scheduler) are then created in namespaces that enforce Pod
 * Security "restricted", so the real PodSecurity admission proves they meet the profile.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CoreV1Api, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { constructCharts, CORE_CONSTRUCTS } from './construct-charts';
import { applyManifests, freshNamespace, TEST_FIELD_MANAGER } from './kube-helpers';
import { useControlPlane } from './use-control-plane';
import { cdk8sExampleDirs, cdk8sSynth } from '../../projenrc/examples';
import { ALL_DEFINITIONS, crdManifestOf, validateManifest } from '../../src/api';

jest.setTimeout(180_000);

const plane = useControlPlane();

type Manifest = Record<string, any>;

const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

/** What was applied, for the report and the Pod Security checks. */
const applied: { source: string; objects: Manifest[] }[] = [];
let wrappedApplied = 0;
let restrictedPods = 0;

beforeAll(async () => {
  // Every kind we emit is served: ours, and the upstream kinds as test CRDs from our own schemas.
  await applyManifests(plane().kubeConfig, ALL_DEFINITIONS.map((d) => crdManifestOf(d) as KubernetesObject));
});

afterAll(() => {
  const bySource = applied.map((a) => `  ${a.objects.length}\t${a.source}`).join('\n');
  const total = applied.reduce((n, a) => n + a.objects.length, 0);
  process.stdout.write(`manifests.cluster.test: ${total} manifests server-side applied from ${applied.length} sources, ` +
    `plus ${wrappedApplied} objects wrapped in AppWrappers applied on their own; ` +
    `${restrictedPods} Pods from workload templates admitted under Pod Security "restricted":\n${bySource}\n`);
});

/**
 * Gives every namespace of a manifest set a fresh, unique counterpart, so sets never see each
 * other's objects: Namespace objects are renamed (keeping their labels), other namespaces are
 * created enforcing Pod Security "restricted". Cluster-scoped objects keep their names.
 */
async function isolate(kc: KubeConfig, objects: readonly Manifest[]): Promise<{ objects: Manifest[]; defaultNamespace: string }> {
  const copy: Manifest[] = structuredClone(objects as Manifest[]);
  const emitted = new Set(copy.filter(isNamespace).map((o) => o.metadata!.name!));
  const referenced = new Set(copy.map((o) => o.metadata?.namespace).filter((n): n is string => typeof n === 'string'));
  const mapping = new Map<string, string>();
  const suffix = Math.random().toString(36).slice(2, 7);
  for (const ns of emitted) mapping.set(ns, `${ns.slice(0, 50)}-${suffix}`);
  for (const ns of referenced) {
    if (!mapping.has(ns)) {
      mapping.set(ns, await freshNamespace(kc, RESTRICTED, { prefix: `${ns.slice(0, 40)}-`, waitForDefaultServiceAccount: false }));
    }
  }
  const rename = (ns: string | undefined) => (ns !== undefined && mapping.has(ns) ? mapping.get(ns) : ns);
  for (const o of copy) {
    if (isNamespace(o)) o.metadata!.name = rename(o.metadata!.name);
    if (o.metadata?.namespace !== undefined) o.metadata.namespace = rename(o.metadata.namespace);
    if (/^(Cluster)?RoleBinding$/.test(o.kind ?? '')) {
      for (const s of o.subjects ?? []) if (s.namespace !== undefined) s.namespace = rename(s.namespace);
    }
  }
  const defaultNamespace = await freshNamespace(kc, RESTRICTED, { prefix: 'kj-manifests-', waitForDefaultServiceAccount: false });
  return { objects: copy, defaultNamespace };
}

function isNamespace(o: Manifest): boolean {
  return o.apiVersion === 'v1' && o.kind === 'Namespace';
}

/** Applies a manifest set into fresh namespaces and checks what the API server stored. */
async function applySet(source: string, objects: readonly Manifest[]): Promise<void> {
  expect(objects.length).toBeGreaterThan(0);
  const kc = plane().kubeConfig;
  const isolated = await isolate(kc, objects);
  const stored = await applyManifests(kc, isolated.objects, { namespace: isolated.defaultNamespace });
  for (const [i, o] of stored.entries()) {
    expect({ object: describeObject(isolated.objects[i]), uid: typeof o.metadata?.uid }).toEqual({ object: describeObject(isolated.objects[i]), uid: 'string' });
    expect(o.metadata?.managedFields?.map((f) => f.manager)).toContain(TEST_FIELD_MANAGER);
  }
  // Namespaced objects that named no namespace landed in the default one.
  const withNamespace: Manifest[] = isolated.objects.map((o, i) => ({ ...o, metadata: { ...o.metadata, namespace: stored[i].metadata?.namespace } }));
  applied.push({ source, objects: withNamespace });

  // The objects an AppWrapper wraps (PyTorchJob, Volcano Job, ...) are checked against their own CRDs too.
  const wrapped = withNamespace
    .filter((o) => o.kind === 'AppWrapper')
    .flatMap((aw) => (aw.spec?.components ?? []).map((c: { template: Manifest }) => [aw.metadata.namespace as string, c.template] as const));
  for (const [namespace, template] of wrapped) {
    const [inner] = await applyManifests(kc, [template], { namespace });
    expect(inner.metadata?.uid).toEqual(expect.any(String));
    wrappedApplied++;
  }
}

function describeObject(o: Manifest): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}

function parseYaml(text: string): Manifest[] {
  return parseAllDocuments(text, { merge: true })
    .map((d) => JSON.parse(JSON.stringify(d.toJS() ?? null)))
    .filter((o): o is Manifest => o !== null && typeof o === 'object' && 'kind' in o);
}

describe.each(cdk8sExampleDirs().map((d) => [basename(d), d]))('example %s', (_name, dir) => {
  let objects: Manifest[];

  beforeAll(() => {
    const outdir = mkdtempSync(join(tmpdir(), 'kubejobs-example-'));
    try {
      cdk8sSynth(dir, outdir);
      objects = readdirSync(outdir).sort().flatMap((f) => parseYaml(readFileSync(join(outdir, f), 'utf8')));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  test('cdk8s synth output is server-side applied and accepted', async () => {
    await applySet(`example ${basename(dir)}`, objects);
  });
});

const { charts, unbuilt } = constructCharts();

test('every exported construct is built into a chart below', () => {
  expect(charts.flatMap((c) => c.constructs)).toEqual(expect.arrayContaining([...CORE_CONSTRUCTS]));
  // `CustomResource` is the abstract base of the single-resource constructs.
  expect(unbuilt.filter((name) => name !== 'CustomResource')).toEqual([]);
});

test.each(charts.map((c) => [c.name, c] as const))('construct chart "%s" is server-side applied and accepted', async (name, chart) => {
  await applySet(`constructs: ${name}`, chart.objects);
});

const FIXTURES_DIR = join(__dirname, '..', 'fixtures');
const fixtureFiles = readdirSync(FIXTURES_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

/**
 * The construct tests' reference manifests include upstream renderings with known quirks (e.g. the
 * arena fork's flat `spec.backoffLimit` on a PyTorchJob), which the construct tests expect
 * `validateManifest` to flag. So here the check is agreement: the API server accepts exactly the
 * objects (and wrapped objects) that `validateManifest` accepts, and rejects the others.
 */
test.each(fixtureFiles)('reference manifests of the construct tests, fixtures/%s: the API server accepts exactly what validateManifest accepts', async (file) => {
  const kc = plane().kubeConfig;
  const isolated = await isolate(kc, parseYaml(readFileSync(join(FIXTURES_DIR, file), 'utf8')));
  const objects = isolated.objects.flatMap((o) => [
    { object: o, namespace: isolated.defaultNamespace },
    ...(o.kind === 'AppWrapper'
      ? (o.spec?.components ?? []).map((c: { template: Manifest }) => ({ object: c.template, namespace: isolated.defaultNamespace }))
      : []),
  ]);
  const verdicts = [];
  const accepted: Manifest[] = [];
  for (const { object, namespace } of objects) {
    const synthErrors = validateManifest(object);
    const serverError = await applyManifests(kc, [object], { namespace }).then(
      ([stored]) => { accepted.push({ ...object, metadata: { ...object.metadata, namespace: stored.metadata?.namespace } }); return undefined; },
      (err: Error) => err.message,
    );
    // A rejected object: the server names a field that validateManifest names too.
    const fields = synthErrors.map((e) => e.split(':')[0]);
    verdicts.push({
      object: describeObject(object),
      synth: synthErrors.length === 0 ? 'accepted' : 'rejected',
      server: serverError === undefined ? 'accepted' : 'rejected',
      sameField: serverError === undefined || fields.length === 0 || fields.some((f) => serverError.includes(f)),
    });
  }
  expect(verdicts).toEqual(verdicts.map((v) => ({ ...v, server: v.synth, sameField: true })));
  expect(accepted.length).toBeGreaterThan(0);
  applied.push({ source: `fixtures/${file} (the ones validateManifest accepts)`, objects: accepted });
});

describe('Pod Security "restricted"', () => {
  /** Every workload pod template that was applied, with the namespace it was applied to. */
  const templates = () => applied.flatMap((a) => a.objects
    .filter((o) => WORKLOAD_KINDS.includes(o.kind ?? '') && /^(apps|batch)\/v1$/.test(o.apiVersion ?? ''))
    .map((o) => ({
      source: a.source,
      workload: `${o.kind} ${o.metadata.name}`,
      namespace: o.metadata.namespace as string,
      template: (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template) as Manifest,
    })));

  const podOf = (name: string, template: Manifest, mutate: (spec: Record<string, any>) => void = () => {}): Manifest => {
    const spec = structuredClone(template.spec);
    mutate(spec);
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: template.metadata?.labels ?? {} }, spec };
  };

  test('the controller and job-scheduler Deployments were applied into namespaces that enforce it', async () => {
    const core = plane().kubeConfig.makeApiClient(CoreV1Api);
    const all = templates();
    const workloads = all.map((t) => t.workload);
    expect(workloads).toContain('Deployment kubejobs-controller');
    if (charts.some((c) => c.constructs.includes('RadixJobScheduler'))) {
      expect(workloads).toEqual(expect.arrayContaining(['Deployment etl', 'Deployment compute']));
    }
    for (const t of all) {
      const ns = await core.readNamespace({ name: t.namespace });
      expect({ workload: `${t.source}: ${t.workload}`, enforce: ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] })
        .toEqual({ workload: `${t.source}: ${t.workload}`, enforce: 'restricted' });
    }
  });

  test('a Pod from every applied workload template is admitted there (the Deployment controller does not run)', async () => {
    const kc = plane().kubeConfig;
    const all = templates();
    expect(all.length).toBeGreaterThan(0);
    for (const [i, t] of all.entries()) {
      const [pod] = await applyManifests(kc, [podOf(`restricted-check-${i}`, t.template)], { namespace: t.namespace })
        .catch((err: Error) => { throw new Error(`${t.source}: ${t.workload}: ${err.message}`); });
      expect(pod.metadata?.uid).toEqual(expect.any(String));
      restrictedPods++;
    }
  });

  test('negative control: the same Pods with runAsNonRoot: false are rejected by PodSecurity', async () => {
    const kc = plane().kubeConfig;
    const all = templates();
    expect(all.length).toBeGreaterThan(0);
    for (const [i, t] of all.entries()) {
      const root = podOf(`root-check-${i}`, t.template, (spec) => {
        spec.securityContext = { ...spec.securityContext, runAsNonRoot: false };
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.securityContext = { ...c.securityContext, runAsNonRoot: false };
      });
      await expect(applyManifests(kc, [root], { namespace: t.namespace }))
        .rejects.toThrow(/HTTP 403 Forbidden: pods "root-check-\d+" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true/);
    }
  });
});
