import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import {
  AppWrapperJob,
  FlavorQuotaOptions,
  KueueClusterQueue,
  KueueClusterQueueProps,
  KueueLocalQueue,
  KueueResourceFlavor,
  KueueResourceFlavorProps,
  QueueingStrategy,
} from '../src';
import { validateManifest } from '../src/api';

const GPU_FLAVOR: KueueResourceFlavorProps = {
  metadata: { name: 'a100' },
  nodeLabels: { 'nvidia.com/gpu.product': 'A100-SXM4-80GB' },
  nodeTaints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
};

/** AppWrapper's sample quota (hack/default-queues.yaml): default-flavor, cluster-queue (cpu 8, nvidia.com/gpu 16), default/default-queue. */
function defaultQueues(chart: Chart): { flavor: KueueResourceFlavor; clusterQueue: KueueClusterQueue; localQueue: KueueLocalQueue } {
  const flavor = new KueueResourceFlavor(chart, 'flavor', { metadata: { name: 'default-flavor' } });
  const clusterQueue = new KueueClusterQueue(chart, 'cluster-queue', {
    metadata: { name: 'cluster-queue' },
    resourceGroups: [{ flavors: [{ flavor, nominalQuota: { cpu: kplus.Cpu.units(8), nvidiaGpus: 16 } }] }],
  });
  const localQueue = new KueueLocalQueue(chart, 'local-queue', { metadata: { name: 'default-queue', namespace: 'default' }, clusterQueue });
  return { flavor, clusterQueue, localQueue };
}

const byKind = (objects: any[], kind: string): any => objects.find((o) => o.kind === kind);

describe('Kueue constructs', () => {
  test('AppWrapper\'s sample queues, written with the constructs', () => {
    const chart = Testing.chart();
    defaultQueues(chart);
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'kueue.x-k8s.io/v1beta2 ResourceFlavor', 'kueue.x-k8s.io/v1beta2 ClusterQueue', 'kueue.x-k8s.io/v1beta2 LocalQueue',
    ]);
    expect(byKind(objects, 'ResourceFlavor')).toEqual({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: 'default-flavor' }, spec: {} });
    expect(byKind(objects, 'ClusterQueue').spec).toEqual({
      namespaceSelector: {},
      resourceGroups: [{
        coveredResources: ['cpu', 'nvidia.com/gpu'],
        flavors: [{ name: 'default-flavor', resources: [{ name: 'cpu', nominalQuota: '8' }, { name: 'nvidia.com/gpu', nominalQuota: '16' }] }],
      }],
    });
    expect(byKind(objects, 'LocalQueue')).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default-queue', namespace: 'default' }, spec: { clusterQueue: 'cluster-queue' },
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  test('defaultChild is the API object of each construct', () => {
    const chart = Testing.chart();
    const { flavor, clusterQueue, localQueue } = defaultQueues(chart);
    expect([flavor, clusterQueue, localQueue].map((c) => (Node.of(c).defaultChild as ApiObject).kind)).toEqual(['ResourceFlavor', 'ClusterQueue', 'LocalQueue']);
    expect(localQueue.namespace).toEqual('default');
  });

  test('cluster-scoped ResourceFlavor and ClusterQueue drop the chart namespace; LocalQueue keeps it', () => {
    const chart = new Chart(Testing.app(), 'team', { namespace: 'team-a' });
    defaultQueues(chart);
    new KueueLocalQueue(chart, 'team-queue', { clusterQueue: 'cluster-queue' });
    const objects = Testing.synth(chart);
    expect(byKind(objects, 'ResourceFlavor').metadata).not.toHaveProperty('namespace');
    expect(byKind(objects, 'ClusterQueue').metadata).not.toHaveProperty('namespace');
    expect(objects.filter((o) => o.kind === 'LocalQueue').map((o) => o.metadata.namespace)).toEqual(['default', 'team-a']);
  });

  test('a ResourceFlavor with node labels, taints and tolerations', () => {
    const chart = Testing.chart();
    new KueueResourceFlavor(chart, 'gpu', GPU_FLAVOR);
    const [rf] = Testing.synth(chart);
    expect(rf.spec).toEqual({
      nodeLabels: { 'nvidia.com/gpu.product': 'A100-SXM4-80GB' },
      nodeTaints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    });
    expect(validateManifest(rf)).toEqual([]);
  });

  test('typed quotas per flavor, several groups, cohort with borrowing and lending limits', () => {
    const chart = Testing.chart();
    const a100 = new KueueResourceFlavor(chart, 'a100', GPU_FLAVOR);
    const cq = new KueueClusterQueue(chart, 'cq', {
      cohort: 'research',
      queueingStrategy: QueueingStrategy.STRICT_FIFO,
      namespaceSelector: { matchLabels: { team: 'nlp' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod'] }] },
      resourceGroups: [{
        flavors: [
          { flavor: a100, nominalQuota: { nvidiaGpus: 32, other: { 'rdma/hca': 8 } }, borrowingLimit: { nvidiaGpus: 8 } },
          { flavor: 'spot-a100', nominalQuota: { nvidiaGpus: 0, other: { 'rdma/hca': '0' } }, lendingLimit: { nvidiaGpus: 0 } },
        ],
      }],
    });
    cq.addResourceGroup({ flavors: [{ flavor: 'cpu-nodes', nominalQuota: { cpu: kplus.Cpu.millis(64500), memory: Size.gibibytes(512), pods: 100 } }] });
    const [, cqObject] = Testing.synth(chart);
    expect(cqObject.spec).toEqual({
      cohortName: 'research',
      queueingStrategy: 'StrictFIFO',
      namespaceSelector: { matchLabels: { team: 'nlp' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod'] }] },
      resourceGroups: [
        {
          coveredResources: ['nvidia.com/gpu', 'rdma/hca'],
          flavors: [
            { name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '32', borrowingLimit: '8' }, { name: 'rdma/hca', nominalQuota: '8' }] },
            { name: 'spot-a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '0', lendingLimit: '0' }, { name: 'rdma/hca', nominalQuota: '0' }] },
          ],
        },
        {
          coveredResources: ['cpu', 'memory', 'pods'],
          flavors: [{ name: 'cpu-nodes', resources: [{ name: 'cpu', nominalQuota: '64500m' }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'pods', nominalQuota: '100' }] }],
        },
      ],
    });
    expect(validateManifest(cqObject)).toEqual([]);
  });

  test('the ClusterQueue schema carries Kueue\'s CEL rules', () => {
    const chart = Testing.chart();
    new KueueClusterQueue(chart, 'cq', { resourceGroups: [{ flavors: [{ flavor: 'f', nominalQuota: { cpu: kplus.Cpu.units(1), nvidiaGpus: 1 } }] }] });
    const [cq] = Testing.synth(chart);
    const broken = JSON.parse(JSON.stringify(cq));
    broken.spec.resourceGroups[0].flavors[0].resources.pop();
    broken.spec.resourceGroups[0].flavors[0].resources[0].borrowingLimit = '1';
    expect(validateManifest(broken)).toEqual([
      'spec.resourceGroups: borrowingLimit is only allowed when cohortName is set: join a cohort or remove the borrowing limits',
      'spec.resourceGroups[0]: every flavor must list exactly the coveredResources, in the same order',
    ]);
    const rf = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: 'f' }, spec: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } };
    expect(validateManifest(rf)).toEqual(['spec.tolerations: value must be empty when operator is \'Exists\'']);
  });

  test('an AppWrapperJob submits to a LocalQueue of the same app', () => {
    const chart = new Chart(Testing.app(), 'ml', { namespace: 'ml' });
    const { clusterQueue } = defaultQueues(chart);
    const queue = new KueueLocalQueue(chart, 'ml-queue', { metadata: { name: 'ml-queue' }, clusterQueue });
    new AppWrapperJob(chart, 'job', { metadata: { name: 'train' }, image: 'pytorch/pytorch:latest', command: ['python', 'train.py'], queue });
    const objects = Testing.synth(chart);
    expect(byKind(objects, 'AppWrapper').metadata.labels['kueue.x-k8s.io/queue-name']).toEqual('ml-queue');
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    defaultQueues(chart);
    new KueueResourceFlavor(chart, 'gpu', GPU_FLAVOR);
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('Kueue bad props', () => {
  const flavor = (props: KueueResourceFlavorProps) => () => new KueueResourceFlavor(Testing.chart(), 'f', props);
  const cq = (props: KueueClusterQueueProps) => () => new KueueClusterQueue(Testing.chart(), 'cq', props);
  const oneGroup = (...flavors: FlavorQuotaOptions[]): KueueClusterQueueProps => ({ resourceGroups: [{ flavors }] });
  const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'x']));

  test.each<[string, () => void, string]>([
    ['nine node labels', flavor({ nodeLabels: labels(9) }), '\'nodeLabels\' has 9 labels: a ResourceFlavor has at most 8'],
    ['taint effect', flavor({ nodeTaints: [{ key: 'k', effect: 'Sometimes' }] }), '\'nodeTaints[0].effect\' (\'Sometimes\') must be NoSchedule, PreferNoSchedule or NoExecute'],
    ['toleration operator', flavor({ tolerations: [{ key: 'k', operator: 'In' }] }), '\'tolerations[0].operator\' (\'In\') must be \'Equal\' (the default) or \'Exists\''],
    ['toleration Exists with value', flavor({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }),
      '\'tolerations[0]\' has operator \'Exists\' and value \'v\': \'Exists\' matches any value; remove the value or use operator \'Equal\''],
    ['tolerationSeconds without NoExecute', flavor({ tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 30 }] }),
      '\'tolerations[0]\' sets tolerationSeconds, which only applies to effect \'NoExecute\': set effect: \'NoExecute\' or remove tolerationSeconds'],
    ['bad cohort', cq({ cohort: 'Research Team' }), '\'cohort\' (\'Research Team\') must be a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\', at most 253 characters'],
    ['group without flavors', cq({ resourceGroups: [{ flavors: [] }] }),
      '\'resourceGroups[0].flavors\' is empty: a resource group needs at least one flavor, e.g. { flavor: \'default-flavor\', nominalQuota: { cpu: Cpu.units(8) } }'],
    ['empty quota', cq(oneGroup({ flavor: 'f', nominalQuota: {} })),
      '\'resourceGroups[0].flavors[0].nominalQuota\' is empty: give a quota for at least one resource, e.g. { cpu: Cpu.units(8) }'],
    ['flavors covering different resources', cq(oneGroup({ flavor: 'a', nominalQuota: { cpu: kplus.Cpu.units(8), nvidiaGpus: 8 } }, { flavor: 'b', nominalQuota: { cpu: kplus.Cpu.units(8) } })),
      '\'resourceGroups[0].flavors[1].nominalQuota\' covers cpu, but the group covers cpu, nvidia.com/gpu (from \'flavors[0]\'): every flavor of a resource group covers the same resources; use 0 for a resource a flavor does not provide'],
    ['borrowing without cohort', cq(oneGroup({ flavor: 'a', nominalQuota: { nvidiaGpus: 8 }, borrowingLimit: { nvidiaGpus: 2 } })),
      '\'resourceGroups[0].flavors[0].borrowingLimit\' is set, but the ClusterQueue has no \'cohort\' to borrow from: set \'cohort\' or remove the borrowing limit'],
    ['limit on an uncovered resource', cq({ cohort: 'c', ...oneGroup({ flavor: 'a', nominalQuota: { nvidiaGpus: 8 }, lendingLimit: { cpu: kplus.Cpu.units(1) } }) }),
      '\'resourceGroups[0].flavors[0].lendingLimit\' names cpu, which the group does not cover (nvidia.com/gpu)'],
    ['fractional GPUs', cq(oneGroup({ flavor: 'a', nominalQuota: { nvidiaGpus: 1.5 } })), '\'resourceGroups[0].flavors[0].nominalQuota.nvidiaGpus\' (1.5) must be a non-negative integer'],
    ['bad quantity', cq(oneGroup({ flavor: 'a', nominalQuota: { other: { 'example.com/fpga': 'lots' } } })),
      '\'resourceGroups[0].flavors[0].nominalQuota.other[\'example.com/fpga\']\' (\'lots\') must be a non-negative Kubernetes quantity, e.g. 4, \'500m\' or \'64Gi\''],
    ['flavor listed twice', cq(oneGroup({ flavor: 'a', nominalQuota: { pods: 1 } }, { flavor: 'a', nominalQuota: { pods: 2 } })),
      '\'resourceGroups[0].flavors[1].flavor\' (\'a\') is listed twice in the group'],
    ['resource in two groups', cq({ resourceGroups: [{ flavors: [{ flavor: 'a', nominalQuota: { pods: 1 } }] }, { flavors: [{ flavor: 'b', nominalQuota: { pods: 1 } }] }] }),
      '\'resourceGroups[1]\' covers \'pods\', which \'resourceGroups[0]\' already covers: each resource belongs to one resource group; merge the groups'],
    ['flavor in two groups', cq({ resourceGroups: [{ flavors: [{ flavor: 'a', nominalQuota: { pods: 1 } }] }, { flavors: [{ flavor: 'a', nominalQuota: { cpu: kplus.Cpu.units(1) } }] }] }),
      '\'resourceGroups[1]\' uses flavor \'a\', which \'resourceGroups[0]\' already uses: each flavor belongs to one resource group; merge the groups'],
    ['local queue with a bad cluster queue name', () => new KueueLocalQueue(Testing.chart(), 'q', { clusterQueue: 'Cluster_Queue' }),
      '\'clusterQueue\' (\'Cluster_Queue\') must be a ClusterQueue name: a DNS-1123 subdomain of at most 253 characters'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});
