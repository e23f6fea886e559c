import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { AppWrapperJob, AppWrapperVolcanoAccess, ArenaConfig, ArenaJob, GenericJob, KubejobsController, KueueLocalQueue, RadixJobScheduler } from '../src';
import { omitServerDroppedZeroValues } from '../src/internal/stable-objects';

/**
 * What makes the objects kubejobs emits re-appliable (issue 13): selectors that do not depend on
 * the construct path, and none of the zero values the API server does not store (client-side
 * `kubectl apply` would send them again on every run).
 */
function synthAt(chartId: string, constructId: string): any[] {
  const app = new App();
  const chart = new Chart(app, chartId, { namespace: 'ml' });
  new KubejobsController(chart, constructId);
  new RadixJobScheduler(chart, `${constructId}-scheduler`, { name: 'compute', image: 'registry.example.com/compute:1.0', schedulerPort: 8000 });
  new AppWrapperVolcanoAccess(chart, `${constructId}-volcano-access`);
  return Testing.synth(chart);
}

const selectorsOf = (objects: any[]) => objects
  .filter((o) => ['Deployment', 'Service', 'NetworkPolicy'].includes(o.kind))
  .map((o) => ({ kind: o.kind, name: o.metadata.name, selector: o.spec.selector ?? o.spec.podSelector }));

test('selectors are the same whatever the chart and construct are called', () => {
  const before = selectorsOf(synthAt('training', 'controller'));
  expect(selectorsOf(synthAt('renamed-chart', 'renamed-controller'))).toEqual(before);
  expect(before).toContainEqual({
    kind: 'Deployment',
    name: 'kubejobs-controller',
    selector: { matchLabels: { 'app.kubernetes.io/name': 'kubejobs', 'app.kubernetes.io/instance': 'kubejobs-controller', 'app.kubernetes.io/component': 'controller' } },
  });
  expect(before).toContainEqual({
    kind: 'Service',
    name: 'kubejobs-controller-metrics',
    selector: { 'app.kubernetes.io/name': 'kubejobs', 'app.kubernetes.io/instance': 'kubejobs-controller', 'app.kubernetes.io/component': 'controller' },
  });
  // Every selector selects something specific, and by the stable labels only.
  for (const s of before) {
    const labels = s.selector.matchLabels ?? s.selector;
    expect(Object.keys(labels).length).toBeGreaterThan(0);
    expect(JSON.stringify(s.selector)).not.toContain('cdk8s.io');
  }
  expect(JSON.stringify(synthAt('training', 'controller'))).not.toContain('cdk8s.io/metadata.addr');
});

test('no zero value the API server drops is emitted', () => {
  const text = JSON.stringify(synthAt('training', 'controller'));
  for (const dropped of ['"resourceNames":[]', '"apiGroup":""', '"hostNetwork":false', '"externalIPs":[]', '"minReadySeconds":0']) {
    expect(text).not.toContain(dropped);
  }
});

describe('JavaScript callers who leave out a required prop get the prop-naming error, not a TypeError', () => {
  const chart = () => Testing.chart();
  test.each<[string, () => unknown, string]>([
    ['AppWrapperJob without props', () => new AppWrapperJob(chart(), 'job', undefined as any),
      'AppWrapperJob needs props: \'image\' and \'command\' are required, e.g. new AppWrapperJob(scope, \'id\', { image: ..., command: ... })'],
    ['AppWrapperJob without image', () => new AppWrapperJob(chart(), 'job', { command: ['python'] } as any),
      '\'image\' is required by AppWrapperJob but was not given: set it to the container image of every pod, e.g. \'python:3.12-slim\''],
    ['AppWrapperJob without command', () => new AppWrapperJob(chart(), 'job', { image: 'python:3.12-slim' } as any),
      '\'command\' is required by AppWrapperJob but was not given: set it to the command the pods run, e.g. [\'python\', \'train.py\']'],
    ['ArenaJob without config', () => new ArenaJob(chart(), 'job', {} as any),
      '\'config\' is required by ArenaJob but was not given: set it to the ArenaConfig to run: an ArenaConfig construct, or ArenaConfig.fromConfigName(\'my-config\')'],
    ['ArenaConfig without sourceName', () => new ArenaConfig(chart(), 'config', {} as any),
      '\'sourceName\' is required by ArenaConfig but was not given: set it to the name of the ArenaSource that provides the scenario bundle, e.g. \'support-bot-scenarios\''],
    ['KueueLocalQueue without clusterQueue', () => new KueueLocalQueue(chart(), 'queue', {} as any),
      '\'clusterQueue\' is required by KueueLocalQueue but was not given: set it to the ClusterQueue the queue submits to: a KueueClusterQueue construct or its name, e.g. \'cluster-queue\''],
    ['RadixJobScheduler without image', () => new RadixJobScheduler(chart(), 'scheduler', { name: 'compute', schedulerPort: 8000 } as any),
      '\'image\' is required by RadixJobScheduler but was not given: set it to the image of the job container, e.g. \'registry.example.com/compute:1.0\''],
    ['GenericJob replica without type', () => new GenericJob(chart(), 'job', { replicaSpecs: [{ containers: [{ image: 'python:3.12-slim' }] } as any] }),
      '\'replicaSpecs[0].type\' is required: name the replica type, e.g. { type: \'worker\', containers: [{ image: \'python:3.12-slim\' }] }'],
    ['GenericJob container without image', () => new GenericJob(chart(), 'job', { replicaSpecs: [{ type: 'worker', containers: [{} as any] }] }),
      '\'replicaSpecs[0].containers[0].image\' (undefined) must be a string: the container image, e.g. \'python:3.12-slim\''],
  ])('%s', (_name, create, message) => {
    expect(create).toThrow(message);
    try {
      create();
    } catch (e) {
      expect(e).not.toBeInstanceOf(TypeError);
    }
  });
});

test('defaults the API server fills in inside lists are written out (client-side apply replaces a list whole)', () => {
  const chart = Testing.chart();
  new GenericJob(chart, 'job', {
    metadata: { name: 'job' },
    replicaSpecs: [
      { type: 'worker', containers: [{ image: 'python:3.12-slim', ports: [{ number: 2222 }] }] },
      { type: 'raw', podTemplate: { spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] } } },
    ],
    servicePorts: [{ name: 'http', port: 2222 }],
    debug: { enabled: true, replicas: [{ type: 'worker' }] },
    pause: { enabled: false, resume: [{ type: 'worker' }] },
  });
  const [job] = Testing.synth(chart);
  expect(job.spec.replicaSpecs.map((r: any) => r.template.spec.containers[0].ports)).toEqual([
    [{ containerPort: 2222, protocol: 'TCP' }],
    [{ containerPort: 80, protocol: 'TCP' }],
  ]);
  expect(job.spec.service.ports).toEqual([{ name: 'http', port: 2222, protocol: 'TCP' }]);
  expect(job.spec.runMode.debug.replicaSpecs).toEqual([{ type: 'worker', skipInitContainer: false }]);
  expect(job.spec.runMode.pause.resumeSpecs).toEqual([{ type: 'worker', skipInitContainer: false }]);
});

test('only the known fields lose their zero values: a user\'s key or label with the same name stays', () => {
  const chart = Testing.chart();
  new kplus.ConfigMap(chart, 'config', { metadata: { labels: { apiGroup: '' } }, data: { apiGroup: '', hostNetwork: '', other: 'v' } });
  const role = new kplus.Role(chart, 'role', { metadata: { name: 'r' } });
  new kplus.RoleBinding(chart, 'binding', { metadata: { name: 'b' }, role }).addSubjects(new kplus.ServiceAccount(chart, 'sa', { metadata: { name: 'sa' } }));
  omitServerDroppedZeroValues(chart);
  const [config] = Testing.synth(chart).filter((o) => o.kind === 'ConfigMap');
  expect(config.data).toEqual({ apiGroup: '', hostNetwork: '', other: 'v' });
  expect(config.metadata.labels).toEqual({ apiGroup: '' });
  const [binding] = Testing.synth(chart).filter((o) => o.kind === 'RoleBinding');
  // The ServiceAccount subject's empty apiGroup is what the removal is for.
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sa' }]);
  expect(binding.roleRef.apiGroup).toBe('rbac.authorization.k8s.io');
});
