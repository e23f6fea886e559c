/**
 * Every CRD kubejobs emits is accepted by the real API server and becomes Established: the kinds
 * we own (`KUBEJOBS_DEFINITIONS`, installed by `KubejobsController`) and the test CRDs of the
 * upstream kinds we emit but do not own (`UPSTREAM_DEFINITIONS`: AppWrapper, PyTorchJob, Volcano
 * Job, Kueue queues, ...). All come from `crdManifestOf()`, so this also proves the API server
 * accepts every CEL rule within its cost budget and every schema as structural.
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { applyManifests, freshNamespace, waitFor } from './kube-helpers';
import { getJson, getTable } from './kube-requests';
import { useControlPlane } from './use-control-plane';
import { ALL_DEFINITIONS, crdManifestOf, CustomResourceDefinitionSpec, KUBEJOBS_DEFINITIONS, UPSTREAM_DEFINITIONS } from '../../src/api';

jest.setTimeout(120_000);

const plane = useControlPlane();

/** The definitions as they are at run time: upstream kinds added later are picked up here. */
const DEFINITIONS: readonly (readonly [string, CustomResourceDefinitionSpec])[] =
  ALL_DEFINITIONS.map((d) => [`${d.plural}.${d.group}`, d] as const);

const established = new Set<string>();

afterAll(() => {
  process.stdout.write(`crds.cluster.test: ${established.size} of ${DEFINITIONS.length} CRDs Established ` +
    `(${KUBEJOBS_DEFINITIONS.length} kubejobs, ${UPSTREAM_DEFINITIONS.length} upstream test CRDs)\n`);
});

test('the list covers our kinds and the upstream ones, each once', () => {
  expect(ALL_DEFINITIONS).toEqual([...KUBEJOBS_DEFINITIONS, ...UPSTREAM_DEFINITIONS]);
  expect(KUBEJOBS_DEFINITIONS.map((d) => d.kind)).toEqual(expect.arrayContaining(['GenericJob', 'ArenaJob', 'ArenaConfig']));
  const names = DEFINITIONS.map(([name]) => name);
  expect(new Set(names).size).toBe(names.length);
});

/** A CRD as the API server stores it, read as plain JSON (client-node's typed model drops `x-kubernetes-*`). */
interface StoredCrd {
  readonly spec: {
    readonly scope: string;
    readonly versions: readonly {
      readonly name: string;
      readonly schema?: { readonly openAPIV3Schema?: unknown };
      readonly subresources?: unknown;
      readonly additionalPrinterColumns?: readonly Record<string, unknown>[];
    }[];
  };
  readonly status?: {
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly message?: string }[];
    readonly acceptedNames?: Record<string, unknown>;
  };
}

describe.each(DEFINITIONS)('CRD %s', (name, def) => {
  let applyError: unknown;
  let stored: StoredCrd | undefined;

  beforeAll(async () => {
    const kc = plane().kubeConfig;
    try {
      // applyManifests waits for Established; a rejected CRD fails with the API server's reason.
      await applyManifests(kc, [crdManifestOf(def) as V1CustomResourceDefinition]);
      stored = await getJson(kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`) as StoredCrd;
    } catch (err) {
      applyError = err;
    }
  });

  test('is applied and becomes Established with its names accepted', () => {
    expect(applyError).toBeUndefined();
    const conditions = Object.fromEntries((stored?.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
    expect(conditions.NonStructuralSchema).toBeUndefined();
    expect(stored?.status?.acceptedNames).toMatchObject({ kind: def.kind, plural: def.plural, singular: def.singular });
    established.add(name);
  });

  test('is stored exactly as emitted: no schema field, default or CEL rule was dropped', () => {
    expect(applyError).toBeUndefined();
    const emitted = crdManifestOf(def);
    expect(stored?.spec.versions).toHaveLength(1);
    const [version] = stored!.spec.versions;
    expect(version.name).toBe(def.version);
    expect(version.schema?.openAPIV3Schema).toEqual(emitted.spec.versions[0].schema.openAPIV3Schema);
    expect(version.subresources).toEqual({ status: {} });
    expect(stored!.spec.scope).toBe(def.scope ?? 'Namespaced');
  });

  test('serves its printer columns to `kubectl get` (server-side Table)', async () => {
    expect(applyError).toBeUndefined();
    const kc = plane().kubeConfig;
    expect(stored!.spec.versions[0].additionalPrinterColumns ?? []).toEqual(def.printerColumns.map((c) => expect.objectContaining(c)));
    const namespaced = (def.scope ?? 'Namespaced') === 'Namespaced';
    const ns = namespaced ? `namespaces/${await freshNamespace(kc, {}, { waitForDefaultServiceAccount: false })}/` : '';
    // Right after Established the kind's storage may still answer 429 "(re)initializing".
    const table = await waitFor(`a Table of ${name}`, () => getTable(kc, `/apis/${def.group}/${def.version}/${ns}${def.plural}`));
    expect(table.kind).toBe('Table');
    const columns = table.columnDefinitions.map((c) => ({ name: c.name, priority: c.priority ?? 0 }));
    const expected = def.printerColumns.length > 0
      ? def.printerColumns.map((c) => ({ name: c.name, priority: c.priority ?? 0 }))
      // Without additionalPrinterColumns the API server prints the default "Age" column.
      : [{ name: 'Age', priority: 0 }];
    expect(columns).toEqual([{ name: 'Name', priority: 0 }, ...expected]);
  });
});
