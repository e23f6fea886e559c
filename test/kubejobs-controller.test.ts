import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ArenaConfig, ArenaJob, CONTROLLER_PERMISSIONS, GenericJob, KubejobsController, KubejobsControllerProps, LEADER_ELECTION_PERMISSIONS } from '../src';
import { KUBEJOBS_DEFINITIONS } from '../src/api';
import { PACKAGE_VERSION } from '../src/package-version';

function synth(props: KubejobsControllerProps = {}): any[] {
  const chart = Testing.chart();
  new KubejobsController(chart, 'kubejobs', props);
  return Testing.synth(chart);
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

describe('KubejobsController', () => {
  test('emits the CRDs first, then the namespace, RBAC, the Deployment and the metrics Service', () => {
    const kinds = synth().map((o) => o.kind);
    expect(kinds.slice(0, 3)).toEqual(['CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition']);
    expect(kinds.indexOf('Namespace')).toBeLessThan(kinds.indexOf('Deployment'));
    expect(new Set(kinds)).toEqual(new Set([
      'CustomResourceDefinition', 'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service',
    ]));
    const crdNames = byKind(synth(), 'CustomResourceDefinition').map((c) => c.metadata.name);
    expect(crdNames).toEqual([
      'genericjobs.batch.tensorstack.dev', 'arenajobs.omnia.altairalabs.ai', 'arenaconfigs.omnia.altairalabs.ai',
      'arenasources.omnia.altairalabs.ai', 'providers.omnia.altairalabs.ai', 'radixbatches.kubejobs.dev',
    ]);
  });

  test('the controller pod meets Pod Security "restricted"', () => {
    const [deployment] = byKind(synth(), 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    for (const c of pod.containers) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 65532,
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(pod.hostNetwork).toBeUndefined(); // false is the default; the server would drop it
    expect(pod.automountServiceAccountToken).toBe(true);
    const [ns] = byKind(synth(), 'Namespace');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toEqual('restricted');
  });

  test('runs `kubejobs controller` with the flags from the props, probes and resources', () => {
    const [deployment] = byKind(synth({ namespace: 'jobs-system', tag: '1.2.3', concurrency: 8, watchNamespace: 'ml', leaderElection: true }), 'Deployment');
    const [c] = deployment.spec.template.spec.containers;
    expect(c.image).toEqual('ghcr.io/kubejobs/kubejobs:1.2.3');
    expect(c.args).toEqual([
      'controller', '--leader-elect=true', '--leader-election-namespace=jobs-system', '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081', '--concurrency=8', '--log-level=info', '--namespace=ml',
    ]);
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8081 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8081 });
    expect(c.resources).toEqual({ limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(deployment.metadata.namespace).toEqual('jobs-system');
  });

  test('arenaWorkerImage becomes --arena-worker-image; a malformed one is refused with its prop name', () => {
    const [deployment] = byKind(synth({ arenaWorkerImage: 'reg.example.com/arena-worker:2.0.0' }), 'Deployment');
    expect(deployment.spec.template.spec.containers[0].args).toContain('--arena-worker-image=reg.example.com/arena-worker:2.0.0');
    expect(() => synth({ arenaWorkerImage: 'Bad Image' })).toThrow(
      '\'arenaWorkerImage\' ("Bad Image") is not a valid image reference: it contains whitespace: separate the tag with \':\', e.g. \'python:3.12-slim\'');
  });

  test('RBAC: exactly the controller permissions cluster-wide, Leases only in its namespace, Secrets only by name', () => {
    const objects = synth();
    const clusterRole = byKind(objects, 'ClusterRole').find((r) => r.metadata.name === 'kubejobs-controller');
    const granted = clusterRole.rules.flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`)).sort();
    const expected = CONTROLLER_PERMISSIONS.flatMap((p) => p.resources.map((res) => `${p.apiGroup}/${res}:${[...p.verbs].sort().join(',')}`)).sort();
    expect(granted).toEqual(expected);
    // Secrets: only `get` (a Provider's one Secret), never list or watch.
    expect(clusterRole.rules.filter((r: any) => r.resources.includes('secrets'))).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(JSON.stringify(clusterRole.rules)).not.toContain('"*"');
    const [role] = byKind(objects, 'Role');
    expect(role.metadata.namespace).toEqual('kubejobs-system');
    const leases = LEADER_ELECTION_PERMISSIONS.map((p) => ({ apiGroups: [p.apiGroup], resources: [...p.resources], verbs: [...p.verbs] }));
    expect(role.rules).toEqual(leases);
    const bindings = [...byKind(objects, 'ClusterRoleBinding'), ...byKind(objects, 'RoleBinding')];
    for (const b of bindings) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kubejobs-controller', namespace: 'kubejobs-system' }]);
  });

  test('watching one namespace uses a namespaced Role instead of a ClusterRole', () => {
    const objects = synth({ watchNamespace: 'ml' });
    expect(byKind(objects, 'ClusterRole')).toEqual([]);
    expect(byKind(objects, 'Role').map((r) => r.metadata.namespace).sort()).toEqual(['kubejobs-system', 'ml']);
  });

  describe('ClusterRoles for the users of our kinds, aggregated into the built-in roles', () => {
    /** `group/resource:verbs` of every rule of a role. */
    const grants = (role: any): string[] => role.rules.flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g}/${res}:${r.verbs.join(',')}`))).sort();
    const kinds = [
      'batch.tensorstack.dev/genericjobs', 'omnia.altairalabs.ai/arenajobs', 'omnia.altairalabs.ai/arenaconfigs',
      'omnia.altairalabs.ai/arenasources', 'omnia.altairalabs.ai/providers', 'kubejobs.dev/radixbatches',
    ];
    const roleNamed = (objects: any[], name: string) => byKind(objects, 'ClusterRole').find((r) => r.metadata.name === name);

    test('kubejobs-edit: aggregated into edit and admin; manages the kinds, reads their status', () => {
      const controller = new KubejobsController(Testing.chart(), 'k');
      expect(controller.editRole).toBeDefined();
      const edit = roleNamed(synth(), 'kubejobs-edit');
      expect(edit.metadata.labels).toEqual({
        'app.kubernetes.io/part-of': 'kubejobs',
        'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
        'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
      });
      expect(grants(edit)).toEqual([
        ...kinds.map((k) => `${k}:get,list,watch,create,update,patch,delete,deletecollection`),
        ...kinds.map((k) => `${k}/status:get`),
      ].sort());
    });

    test('kubejobs-view: aggregated into view; reads the kinds and their status', () => {
      const view = roleNamed(synth(), 'kubejobs-view');
      expect(view.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'kubejobs', 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
      expect(grants(view)).toEqual([...kinds, ...kinds.map((k) => `${k}/status`)].map((k) => `${k}:get,list,watch`).sort());
    });

    test('cover every kind kubejobs owns, and grant nothing but those kinds', () => {
      const resources = new Set([...grants(roleNamed(synth(), 'kubejobs-edit')), ...grants(roleNamed(synth(), 'kubejobs-view'))].map((g) => g.split(':')[0]));
      expect([...resources].sort()).toEqual(KUBEJOBS_DEFINITIONS.flatMap((d) => [`${d.group}/${d.plural}`, `${d.group}/${d.plural}/status`]).sort());
    });

    test('are bound to nobody: the built-in roles carry them to whoever has those', () => {
      const bindings = [...byKind(synth(), 'ClusterRoleBinding'), ...byKind(synth(), 'RoleBinding')];
      expect(bindings.map((b) => b.roleRef.name)).not.toEqual(expect.arrayContaining(['kubejobs-edit']));
      expect(bindings.map((b) => b.roleRef.name)).not.toEqual(expect.arrayContaining(['kubejobs-view']));
    });

    test.each<[string, KubejobsControllerProps, string[]]>([
      ['on by default', {}, ['kubejobs-controller', 'kubejobs-edit', 'kubejobs-view']],
      ['turned off', { aggregateToBuiltInRoles: false }, ['kubejobs-controller']],
      ['off by default for a watchNamespace install (no cluster-wide role unless asked)', { watchNamespace: 'ml' }, []],
      ['turned on for a watchNamespace install', { watchNamespace: 'ml', aggregateToBuiltInRoles: true }, ['kubejobs-edit', 'kubejobs-view']],
    ])('%s', (_name, props, names) => {
      expect(byKind(synth(props), 'ClusterRole').map((r) => r.metadata.name).sort()).toEqual(names);
    });
  });

  test('createNamespace: false emits no Namespace', () => {
    expect(byKind(synth({ createNamespace: false }), 'Namespace')).toEqual([]);
  });

  test('metrics Service selects the controller pods', () => {
    const objects = synth();
    const [svc] = byKind(objects, 'Service');
    const [deployment] = byKind(objects, 'Deployment');
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 8080 }]);
    expect(deployment.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
  });

  test.each(['before', 'after'])('custom resources are ordered after the CRDs when the controller is defined %s them', (order) => {
    const chart = Testing.chart();
    const addJobs = () => {
      new GenericJob(chart, 'job', { replicaSpecs: [{ type: 'w', containers: [{ image: 'busybox' }] }] });
      new ArenaJob(chart, 'eval', { config: ArenaConfig.fromConfigName('c') });
    };
    if (order === 'after') addJobs();
    new KubejobsController(chart, 'kubejobs');
    if (order === 'before') addJobs();
    const kinds = Testing.synth(chart).map((o: any) => o.kind);
    const lastCrd = kinds.lastIndexOf('CustomResourceDefinition');
    expect(kinds.indexOf('GenericJob')).toBeGreaterThan(lastCrd);
    expect(kinds.indexOf('ArenaJob')).toBeGreaterThan(lastCrd);
  });

  test('snapshot', () => {
    expect(synth({ tag: 'snapshot' })).toMatchSnapshot();
  });
});

describe('KubejobsController bad props', () => {
  const at = (props: KubejobsControllerProps) => () => new KubejobsController(Testing.chart(), 'k', props);
  test.each<[string, () => void, string]>([
    ['bad namespace', at({ namespace: 'Kube_Jobs' }), '\'namespace\' (\'Kube_Jobs\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
    ['bad watch namespace', at({ watchNamespace: 'ML' }), '\'watchNamespace\' (\'ML\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
    ['zero replicas', at({ replicas: 0 }), '\'replicas\' (0) must be an integer from 1 to 100'],
    ['replicas without leader election', at({ replicas: 2, leaderElection: false }),
      '\'replicas\' (2) needs \'leaderElection\': without it every replica would reconcile the same jobs; set leaderElection: true or replicas: 1'],
    ['zero concurrency', at({ concurrency: 0 }), '\'concurrency\' (0) must be an integer from 1 to 1000'],
    ['privileged metrics port', at({ metricsPort: 80 }), '\'metricsPort\' (80) must be an integer from 1024 to 65535: the controller runs as non-root and cannot bind lower ports'],
    ['health port out of range', at({ healthPort: 70000 }), '\'healthPort\' (70000) must be an integer from 1024 to 65535: the controller runs as non-root and cannot bind lower ports'],
    ['same ports', at({ metricsPort: 9000, healthPort: 9000 }), '\'metricsPort\' and \'healthPort\' are both 9000: give them different ports'],
    ['empty tag', at({ tag: '' }), '\'tag\' is empty: give an image tag, or leave it unset for this package\'s version'],
    ['upper-case image', at({ image: 'Registry.example.com/Kubejobs' }),
      '\'image\' ("Registry.example.com/Kubejobs") is not a valid image reference: the repository path must be lowercase; use \'Registry.example.com/kubejobs\''],
    ['upper-case image with a tag', at({ image: 'Registry.example.com/Kubejobs', tag: '1.0' }),
      '\'image\' ("Registry.example.com/Kubejobs") is not a valid image reference: the repository path must be lowercase; use \'Registry.example.com/kubejobs\''],
    ['tag with a space', at({ tag: '0.1 rc' }),
      '\'tag\' ("0.1 rc") is not a valid image tag: up to 128 letters, digits, \'_\', \'.\' and \'-\', starting with a letter, digit or \'_\', e.g. \'1.2.3\''],
    ['tag starting with a dot', at({ tag: '.1' }),
      '\'tag\' (".1") is not a valid image tag: up to 128 letters, digits, \'_\', \'.\' and \'-\', starting with a letter, digit or \'_\', e.g. \'1.2.3\''],
    ['tag longer than 128', at({ tag: 'a'.repeat(129) }),
      `'tag' ("${'a'.repeat(129)}") is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', starting with a letter, digit or '_', e.g. '1.2.3'`],
    ['digest in tag', at({ tag: `v1@sha256:${'a'.repeat(64)}` }),
      `'tag' ("v1@sha256:${'a'.repeat(64)}") is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', starting with a letter, digit or '_', e.g. '1.2.3'; `
      + 'to pin a digest, write it in \'image\' (e.g. \'ghcr.io/kubejobs/kubejobs@sha256:<64 hex digits>\') and leave \'tag\' unset'],
    ['tag in image and tag', at({ image: 'reg.example.com/kubejobs:1.0', tag: '1.1' }),
      '\'image\' (\'reg.example.com/kubejobs:1.0\') already has a tag (\'1.0\') and \'tag\' (\'1.1\') gives another: drop \'tag\' to use the image as given, or give \'image\' without it (\'reg.example.com/kubejobs\') to use tag \'1.1\''],
    ['digest in image and tag', at({ image: `reg.example.com/kubejobs@sha256:${'b'.repeat(64)}`, tag: '1.1' }),
      `'image' ('reg.example.com/kubejobs@sha256:${'b'.repeat(64)}') already has a digest ('sha256:${'b'.repeat(64)}') and 'tag' ('1.1') gives another: `
      + 'drop \'tag\' to use the image as given, or give \'image\' without it (\'reg.example.com/kubejobs\') to use tag \'1.1\''],
    ['short digest in image', at({ image: 'reg.example.com/kubejobs@sha256:abc' }),
      '\'image\' ("reg.example.com/kubejobs@sha256:abc") is not a valid image reference: the digest after \'@\' (\'sha256:abc\') must be <algorithm>:<hex digits>, e.g. \'sha256:\' followed by 64 hex digits; copy the digest whole or drop \'@...\' and use a tag'],
    ['fractional replicas', at({ replicas: 1.5 }), '\'replicas\' (1.5) must be an integer from 1 to 100'],
    ['kube-system', at({ namespace: 'kube-system' }),
      '\'namespace\' (\'kube-system\') holds the cluster\'s system pods: KubejobsController labels its namespace pod-security.kubernetes.io/enforce: restricted, which would keep pods there that do not meet it from starting; give the controller a namespace of its own, e.g. \'kubejobs-system\' (the default)'],
    ['default', at({ namespace: 'default', createNamespace: false }),
      '\'namespace\' (\'default\') is shared with other workloads: KubejobsController labels its namespace pod-security.kubernetes.io/enforce: restricted, which would keep pods there that do not meet it from starting; give the controller a namespace of its own, e.g. \'kubejobs-system\' (the default)'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(new Error(message));
  });

  test.each([
    [{}, `ghcr.io/kubejobs/kubejobs:${PACKAGE_VERSION}`],
    [{ tag: 'v1_rc.2-x' }, 'ghcr.io/kubejobs/kubejobs:v1_rc.2-x'],
    [{ image: 'reg.example.com/kubejobs' }, `reg.example.com/kubejobs:${PACKAGE_VERSION}`],
    [{ image: 'reg.example.com:5000/kubejobs', tag: '2.0' }, 'reg.example.com:5000/kubejobs:2.0'],
    [{ image: 'reg.example.com/kubejobs:1.0' }, 'reg.example.com/kubejobs:1.0'],
    [{ image: 'reg.example.com:5000/kubejobs:1.0' }, 'reg.example.com:5000/kubejobs:1.0'],
    [{ image: `reg.example.com/kubejobs@sha256:${'c'.repeat(64)}` }, `reg.example.com/kubejobs@sha256:${'c'.repeat(64)}`],
    [{ image: `reg.example.com/kubejobs:1.0@sha256:${'c'.repeat(64)}` }, `reg.example.com/kubejobs:1.0@sha256:${'c'.repeat(64)}`],
  ])('image %j runs %s', (props, image) => {
    const [d] = byKind(synth(props), 'Deployment');
    expect(d.spec.template.spec.containers[0].image).toEqual(image);
  });

  test('a pull policy from cdk8s-plus is accepted', () => {
    const [d] = byKind(synth({ imagePullPolicy: kplus.ImagePullPolicy.ALWAYS }), 'Deployment');
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toEqual('Always');
  });
});
