/**
 * The RBAC that `KubejobsController` synthesises is proven against the real authorizer: its
 * ServiceAccount can do what the controller needs (generated from `CONTROLLER_PERMISSIONS` and
 * `LEADER_ELECTION_PERMISSIONS`, so the table cannot drift), nothing else that is tested, and the
 * SubjectAccessReview answers match what really happens when requests are made as the
 * ServiceAccount (impersonation).
 *
 * @jest-environment ./test/cluster/environment.ts
 */
import {
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
  V1ResourceAttributes,
} from '@kubernetes/client-node';
import { Chart, Testing } from 'cdk8s';
import { applyManifests, describeError, freshNamespace } from './kube-helpers';
import { impersonating, serviceAccountUser } from './kube-requests';
import { useControlPlane } from './use-control-plane';
import { ControllerPermission, CONTROLLER_PERMISSIONS, KubejobsController, LEADER_ELECTION_PERMISSIONS } from '../../src';
import { GENERIC_JOB } from '../../src/api';

jest.setTimeout(120_000);

const plane = useControlPlane();

const SA_NAME = 'kubejobs-controller';
/** Each variant runs in its own namespace, so the two installs never share a binding. */
const CLUSTER_WIDE_NS = 'kubejobs-rbac';
const SCOPED_NS = 'kubejobs-rbac-scoped';

/** A request as `kubectl auth can-i` phrases it; `namespace` undefined = all namespaces / cluster scope. */
interface Access {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
}

function describeAccess(a: Access): string {
  const resource = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}`;
  return `${a.verb} ${resource} ${a.namespace === undefined ? '(all namespaces)' : `in ${a.namespace}`}`;
}

/** Every verb on every resource of `permissions`, as accesses in `namespace`. */
function accessesOf(permissions: readonly ControllerPermission[], namespace: string | undefined): Access[] {
  return permissions.flatMap((p) => p.resources.flatMap((r) => {
    const [resource, subresource] = r.split('/');
    return p.verbs.map((verb) => ({ verb, group: p.apiGroup, resource, subresource, namespace }));
  }));
}

/** Asks the authorizer whether the controller's ServiceAccount (with the groups its tokens carry) may do `a`. */
async function allowed(kc: KubeConfig, saNamespace: string, a: Access): Promise<boolean> {
  const attributes: V1ResourceAttributes = {
    verb: a.verb, group: a.group, resource: a.resource, subresource: a.subresource, namespace: a.namespace,
  };
  const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: serviceAccountUser(saNamespace, SA_NAME),
        groups: ['system:serviceaccounts', `system:serviceaccounts:${saNamespace}`, 'system:authenticated'],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed === true;
}

/** Expects every access to get `expected` from the authorizer; reports all mismatches at once. */
async function expectAccess(kc: KubeConfig, saNamespace: string, accesses: readonly Access[], expected: boolean): Promise<void> {
  const answers = await Promise.all(accesses.map(async (a) => [describeAccess(a), await allowed(kc, saNamespace, a)] as const));
  expect(answers.filter(([, ok]) => ok !== expected).map(([what]) => what)).toEqual([]);
  expect(answers.length).toBeGreaterThan(0);
}

/** `group|resource|verb` triples the user may use in `namespace` (SelfSubjectRulesReview), without resourceNames. */
async function rulesOf(kc: KubeConfig, namespace: string): Promise<Set<string>> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
  });
  expect(review.status?.incomplete).toBe(false);
  const triples = new Set<string>();
  for (const rule of review.status?.resourceRules ?? []) {
    expect(rule.resourceNames ?? []).toEqual([]);
    for (const g of rule.apiGroups ?? []) for (const r of rule.resources ?? []) for (const v of rule.verbs) triples.add(`${g}|${r}|${v}`);
  }
  return triples;
}

function triplesOf(permissions: readonly ControllerPermission[]): string[] {
  return permissions.flatMap((p) => p.resources.flatMap((r) => p.verbs.map((v) => `${p.apiGroup}|${r}|${v}`))).sort();
}

/** Accesses the controller must never have, wherever it is installed. */
function forbidden(controllerNs: string, workloadNs: string, otherNs: string): Access[] {
  return [
    { verb: 'list', group: '', resource: 'secrets', namespace: workloadNs },
    { verb: 'list', group: '', resource: 'secrets' },
    { verb: 'watch', group: '', resource: 'secrets' },
    { verb: 'list', group: '', resource: 'configmaps', namespace: workloadNs },
    { verb: 'watch', group: '', resource: 'configmaps' },
    { verb: 'update', group: '', resource: 'secrets', namespace: workloadNs },
    { verb: 'create', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, namespace: workloadNs },
    { verb: 'update', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, namespace: workloadNs },
    { verb: 'patch', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, namespace: workloadNs },
    { verb: 'delete', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, namespace: workloadNs },
    { verb: 'update', group: 'omnia.altairalabs.ai', resource: 'arenajobs', namespace: workloadNs },
    { verb: 'delete', group: 'omnia.altairalabs.ai', resource: 'arenaconfigs', namespace: workloadNs },
    { verb: 'update', group: 'omnia.altairalabs.ai', resource: 'arenaconfigs', namespace: workloadNs },
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: workloadNs },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: otherNs },
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system' },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases' },
    { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: controllerNs },
    { verb: 'delete', group: '', resource: 'nodes' },
    { verb: 'patch', group: '', resource: 'namespaces' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: workloadNs },
    { verb: 'impersonate', group: '', resource: 'users' },
    { verb: 'create', group: 'apps', resource: 'deployments', namespace: workloadNs },
    { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: controllerNs },
    { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    // Nothing the controller does not call: no pod or Service patches, no Job updates (Jobs are
    // created, deleted, and an ArenaJob's worker Job patched to scale), no status patches, no RadixBatch writes.
    { verb: 'patch', group: '', resource: 'pods', namespace: workloadNs },
    { verb: 'update', group: '', resource: 'pods', namespace: workloadNs },
    { verb: 'patch', group: '', resource: 'services', namespace: workloadNs },
    { verb: 'update', group: 'batch', resource: 'jobs', namespace: workloadNs },
    { verb: 'create', group: 'kubejobs.dev', resource: 'radixbatches', namespace: workloadNs },
    { verb: 'update', group: 'kubejobs.dev', resource: 'radixbatches', namespace: workloadNs },
    { verb: 'patch', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, subresource: 'status', namespace: workloadNs },
    { verb: 'patch', group: 'omnia.altairalabs.ai', resource: 'arenajobs', subresource: 'status', namespace: workloadNs },
  ];
}

function controllerManifests(props: ConstructorParameters<typeof KubejobsController>[2]): KubernetesObject[] {
  const chart = new Chart(Testing.app(), 'platform');
  new KubejobsController(chart, 'kubejobs', props);
  return Testing.synth(chart) as KubernetesObject[];
}

/** Runs `request` and returns `'allowed'`, or the API error as `HTTP <code> <reason>: <message>`. */
async function outcome(request: () => Promise<unknown>): Promise<string> {
  try {
    await request();
    return 'allowed';
  } catch (err) {
    return describeError(err);
  }
}

describe('cluster-wide install (ClusterRole)', () => {
  let workloadNs: string;
  let otherNs: string;
  let manifests: KubernetesObject[];

  beforeAll(async () => {
    const kc = plane().kubeConfig;
    manifests = controllerManifests({ namespace: CLUSTER_WIDE_NS });
    await applyManifests(kc, manifests);
    workloadNs = await freshNamespace(kc, {}, { prefix: 'team-' });
    otherNs = await freshNamespace(kc, {}, { prefix: 'other-', waitForDefaultServiceAccount: false });
  });

  test('the controller binds exactly the synthesised RBAC to its ServiceAccount', () => {
    const kinds = manifests.map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']));
    const clusterBinding = manifests.find((o) => o.kind === 'ClusterRoleBinding') as unknown as { subjects: unknown[] };
    expect(clusterBinding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: SA_NAME, namespace: CLUSTER_WIDE_NS })]);
  });

  test('allowed: every CONTROLLER_PERMISSIONS verb, in any namespace and across all namespaces', async () => {
    const kc = plane().kubeConfig;
    await expectAccess(kc, CLUSTER_WIDE_NS, [
      ...accessesOf(CONTROLLER_PERMISSIONS, workloadNs),
      ...accessesOf(CONTROLLER_PERMISSIONS, otherNs),
      ...accessesOf(CONTROLLER_PERMISSIONS, undefined),
    ], true);
  });

  test('allowed: the leader-election Lease verbs in the controller\'s own namespace', async () => {
    await expectAccess(plane().kubeConfig, CLUSTER_WIDE_NS, accessesOf(LEADER_ELECTION_PERMISSIONS, CLUSTER_WIDE_NS), true);
  });

  test('the needs of the brief are among the allowed accesses', async () => {
    const kc = plane().kubeConfig;
    const needs: Access[] = [
      ...['get', 'list', 'watch', 'create', 'delete'].flatMap((verb) => ['pods', 'services'].map((resource) => ({ verb, group: '', resource, namespace: workloadNs }))),
      { verb: 'update', group: '', resource: 'services', namespace: workloadNs },
      { verb: 'update', group: GENERIC_JOB.group, resource: GENERIC_JOB.plural, subresource: 'status', namespace: workloadNs },
      ...['get', 'create', 'update'].map((verb) => ({ verb, group: 'coordination.k8s.io', resource: 'leases', namespace: CLUSTER_WIDE_NS })),
      { verb: 'create', group: '', resource: 'events', namespace: workloadNs },
      { verb: 'patch', group: '', resource: 'events', namespace: workloadNs },
    ];
    await expectAccess(kc, CLUSTER_WIDE_NS, needs, true);
  });

  test('denied: Secrets, writing its inputs, Leases elsewhere, nodes, RBAC, impersonation, ...', async () => {
    await expectAccess(plane().kubeConfig, CLUSTER_WIDE_NS, forbidden(CLUSTER_WIDE_NS, workloadNs, otherNs), false);
  });

  test('nothing else: its rules are exactly the permissions plus what every authenticated user has', async () => {
    const kc = plane().kubeConfig;
    const asController = impersonating(kc, serviceAccountUser(CLUSTER_WIDE_NS, SA_NAME));
    // The `default` ServiceAccount of the workload namespace has no bindings: its rules are the baseline.
    const baseline = await rulesOf(impersonating(kc, serviceAccountUser(workloadNs, 'default')), workloadNs);
    const extra = async (ns: string) => [...await rulesOf(asController, ns)].filter((t) => !baseline.has(t)).sort();
    expect(await extra(workloadNs)).toEqual(triplesOf(CONTROLLER_PERMISSIONS));
    expect(await extra(CLUSTER_WIDE_NS)).toEqual(triplesOf([...CONTROLLER_PERMISSIONS, ...LEADER_ELECTION_PERMISSIONS]));
  });

  test('real requests as the ServiceAccount match the review answers', async () => {
    const kc = plane().kubeConfig;
    const asController = impersonating(kc, serviceAccountUser(CLUSTER_WIDE_NS, SA_NAME));
    const core = asController.makeApiClient(CoreV1Api);
    const custom = asController.makeApiClient(CustomObjectsApi);
    const gj = { group: GENERIC_JOB.group, version: GENERIC_JOB.version, plural: GENERIC_JOB.plural };

    // The admin creates a GenericJob, as a user would.
    await applyManifests(kc, [{
      apiVersion: `${GENERIC_JOB.group}/${GENERIC_JOB.version}`,
      kind: GENERIC_JOB.kind,
      metadata: { name: 'train' },
      spec: { replicaSpecs: [{ type: 'worker', template: { spec: { containers: [{ name: 'main', image: 'registry.invalid/x:1' }] } } }] },
    } as KubernetesObject], { namespace: workloadNs });

    const results = {
      'list pods in all namespaces': await outcome(() => core.listPodForAllNamespaces()),
      'create a replica Pod': await outcome(() => core.createNamespacedPod({
        namespace: workloadNs,
        body: { metadata: { name: 'train-worker-0' }, spec: { containers: [{ name: 'main', image: 'registry.invalid/x:1' }] } },
      })),
      'create a Service': await outcome(() => core.createNamespacedService({
        namespace: workloadNs,
        body: { metadata: { name: 'train-worker-0' }, spec: { clusterIP: 'None', ports: [{ port: 2222 }], selector: { app: 'x' } } },
      })),
      // As the controller does: a full update guarded by the resourceVersion it read (from its cache).
      'update the GenericJob status': await outcome(async () => {
        const seen = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...gj, namespace: workloadNs, name: 'train' }) as object;
        return custom.replaceNamespacedCustomObjectStatus({ ...gj, namespace: workloadNs, name: 'train', body: { ...seen, status: { phase: 'Running' } } });
      }),
      'record an Event': await outcome(() => core.createNamespacedEvent({
        namespace: workloadNs,
        body: {
          metadata: { name: 'train.started' },
          involvedObject: { apiVersion: `${gj.group}/${gj.version}`, kind: GENERIC_JOB.kind, name: 'train', namespace: workloadNs },
          reason: 'Started',
          message: 'replicas created',
          type: 'Normal',
        },
      })),
      'take the leader-election Lease': await outcome(() => asController.makeApiClient(CoordinationV1Api).createNamespacedLease({
        namespace: CLUSTER_WIDE_NS, body: { metadata: { name: 'kubejobs-controller' }, spec: { holderIdentity: 'pod-a' } },
      })),
    };
    expect(results).toEqual(Object.fromEntries(Object.keys(results).map((k) => [k, 'allowed'])));

    // The status really changed, and its spec is untouched.
    const stored = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...gj, namespace: workloadNs, name: 'train' }) as { status?: { phase?: string } };
    expect(stored.status?.phase).toBe('Running');

    const user = serviceAccountUser(CLUSTER_WIDE_NS, SA_NAME);
    const denied = {
      'list Secrets in a namespace': await outcome(() => core.listNamespacedSecret({ namespace: workloadNs })),
      'list Secrets cluster-wide': await outcome(() => core.listSecretForAllNamespaces()),
      'create a GenericJob': await outcome(() => custom.createNamespacedCustomObject({
        ...gj, namespace: workloadNs, body: { apiVersion: `${gj.group}/${gj.version}`, kind: GENERIC_JOB.kind, metadata: { name: 'x' }, spec: {} },
      })),
      'patch a GenericJob spec': await outcome(() => custom.patchNamespacedCustomObject({
        ...gj, namespace: workloadNs, name: 'train', body: [{ op: 'add', path: '/spec/cleanUpPolicy', value: 'All' }],
      })),
      'take a Lease in another namespace': await outcome(() => asController.makeApiClient(CoordinationV1Api).createNamespacedLease({
        namespace: otherNs, body: { metadata: { name: 'kubejobs-controller' }, spec: { holderIdentity: 'pod-a' } },
      })),
      'delete a node': await outcome(() => core.deleteNode({ name: 'any' })),
    };
    expect(denied).toEqual({
      'list Secrets in a namespace': `HTTP 403 Forbidden: secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" in the namespace "${workloadNs}"`,
      'list Secrets cluster-wide': `HTTP 403 Forbidden: secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" at the cluster scope`,
      'create a GenericJob': `HTTP 403 Forbidden: genericjobs.batch.tensorstack.dev is forbidden: User "${user}" cannot create resource "genericjobs" in API group "batch.tensorstack.dev" in the namespace "${workloadNs}"`,
      'patch a GenericJob spec': `HTTP 403 Forbidden: genericjobs.batch.tensorstack.dev "train" is forbidden: User "${user}" cannot patch resource "genericjobs" in API group "batch.tensorstack.dev" in the namespace "${workloadNs}"`,
      'take a Lease in another namespace': `HTTP 403 Forbidden: leases.coordination.k8s.io is forbidden: User "${user}" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "${otherNs}"`,
      'delete a node': `HTTP 403 Forbidden: nodes "any" is forbidden: User "${user}" cannot delete resource "nodes" in API group "" at the cluster scope`,
    });
  });
});

describe('install watching one namespace (Role instead of ClusterRole)', () => {
  let watchedNs: string;
  let otherNs: string;

  beforeAll(async () => {
    const kc = plane().kubeConfig;
    watchedNs = await freshNamespace(kc, {}, { prefix: 'watched-', waitForDefaultServiceAccount: false });
    otherNs = await freshNamespace(kc, {}, { prefix: 'other-', waitForDefaultServiceAccount: false });
    const manifests = controllerManifests({ namespace: SCOPED_NS, watchNamespace: watchedNs });
    expect(manifests.map((o) => o.kind)).not.toContain('ClusterRole');
    await applyManifests(kc, manifests);
  });

  test('allowed: every CONTROLLER_PERMISSIONS verb in the watched namespace, and the Lease at home', async () => {
    await expectAccess(plane().kubeConfig, SCOPED_NS, [
      ...accessesOf(CONTROLLER_PERMISSIONS, watchedNs),
      ...accessesOf(LEADER_ELECTION_PERMISSIONS, SCOPED_NS),
    ], true);
  });

  test('denied: the same permissions in any other namespace and across all namespaces', async () => {
    await expectAccess(plane().kubeConfig, SCOPED_NS, [
      ...accessesOf(CONTROLLER_PERMISSIONS, otherNs),
      ...accessesOf(CONTROLLER_PERMISSIONS, undefined),
      ...forbidden(SCOPED_NS, watchedNs, otherNs),
    ], false);
  });

  test('a real request outside the watched namespace is refused', async () => {
    const asController = impersonating(plane().kubeConfig, serviceAccountUser(SCOPED_NS, SA_NAME));
    const core = asController.makeApiClient(CoreV1Api);
    expect(await outcome(() => core.listNamespacedPod({ namespace: watchedNs }))).toBe('allowed');
    expect(await outcome(() => core.listNamespacedPod({ namespace: otherNs }))).toMatch(/^HTTP 403 Forbidden: pods is forbidden/);
  });
});
