import { CustomResourceDefinitionSpec, JsonSchema } from '../crd';
import { METAV1_CONDITIONS } from '../schema-parts';
import { DNS_SUBDOMAIN_PATTERN, LABEL_SELECTOR, quantity, TAINT, TOLERATION } from './core-parts';

/**
 * Kueue's quota objects (`kueue.x-k8s.io/v1beta2`): `ResourceFlavor`, `ClusterQueue` and
 * `LocalQueue`, the fields kubejobs emits plus status basics.
 *
 * Why v1beta2: it is the storage version since Kueue 0.16 and the version AppWrapper's CI runs
 * against (Kueue 0.17); Kueue 0.20 no longer serves v1beta1. The only field of these kinds that
 * differs between the two is the cohort (`spec.cohort` in v1beta1, `spec.cohortName` here).
 * CEL rules are the upstream CRD's own, with messages that name the field and the fix.
 */

const GROUP = 'kueue.x-k8s.io';
const VERSION = 'v1beta2';

function objectName(description: string): JsonSchema {
  return { type: 'string', description, maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN };
}

const TAINT_EFFECTS = "['NoSchedule', 'PreferNoSchedule', 'NoExecute']";

const STOP_POLICY: JsonSchema = {
  type: 'string',
  enum: ['None', 'Hold', 'HoldAndDrain'],
  default: 'None',
  description: 'None admits workloads; Hold stops new admissions; HoldAndDrain also evicts admitted workloads.',
};

const RESOURCE_FLAVOR_SPEC: JsonSchema = {
  title: 'ResourceFlavorSpec',
  type: 'object',
  description: 'Which nodes a flavor stands for.',
  properties: {
    nodeLabels: {
      'type': 'object',
      'additionalProperties': { type: 'string' },
      'maxProperties': 8,
      'x-kubernetes-map-type': 'atomic',
      'description': 'Labels of the flavor\'s nodes; injected as node selector into admitted pods.',
    },
    nodeTaints: {
      'type': 'array',
      'items': TAINT,
      'maxItems': 8,
      'x-kubernetes-list-type': 'atomic',
      'description': 'Taints of the flavor\'s nodes; workloads must tolerate them to get this flavor.',
      'x-kubernetes-validations': [
        { rule: `self.all(x, x.effect in ${TAINT_EFFECTS})`, message: 'effect must be NoSchedule, PreferNoSchedule or NoExecute' },
      ],
    },
    tolerations: {
      'type': 'array',
      'items': TOLERATION,
      'maxItems': 8,
      'x-kubernetes-list-type': 'atomic',
      'description': 'Tolerations added to the pods admitted with this flavor.',
      'x-kubernetes-validations': [
        { rule: "self.all(x, !has(x.key) ? x.operator == 'Exists' : true)", message: "operator must be 'Exists' when 'key' is empty" },
        { rule: "self.all(x, has(x.tolerationSeconds) ? x.effect == 'NoExecute' : true)", message: "effect must be 'NoExecute' when 'tolerationSeconds' is set" },
        { rule: "self.all(x, !has(x.operator) || x.operator in ['Equal', 'Exists'])", message: "operator must be 'Equal' (the default) or 'Exists'" },
        { rule: "self.all(x, has(x.operator) && x.operator == 'Exists' ? !has(x.value) : true)", message: "value must be empty when operator is 'Exists'" },
        { rule: `self.all(x, !has(x.effect) || x.effect in ${TAINT_EFFECTS})`, message: 'effect must be NoSchedule, PreferNoSchedule or NoExecute' },
      ],
    },
    topologyName: objectName('Topology of a topology-aware flavor; needs at least one node label.'),
  },
};

/** The Kueue ResourceFlavor definition (cluster-scoped; upstream kind, never installed by kubejobs). */
export const KUEUE_RESOURCE_FLAVOR: CustomResourceDefinitionSpec = {
  group: GROUP,
  version: VERSION,
  kind: 'ResourceFlavor',
  plural: 'resourceflavors',
  singular: 'resourceflavor',
  shortNames: ['flavor', 'flavors', 'rf'],
  description: 'ResourceFlavor names a kind of node (labels, taints) whose resources ClusterQueues give quota for (Kueue kueue.x-k8s.io/v1beta2).',
  scope: 'Cluster',
  specRequired: false,
  spec: RESOURCE_FLAVOR_SPEC,
  status: { title: 'ResourceFlavorStatus', type: 'object', description: 'ResourceFlavor has no status.' },
  printerColumns: [],
};

const QUANTITY_RESOURCE: JsonSchema = {
  title: 'ResourceQuota',
  type: 'object',
  required: ['name', 'nominalQuota'],
  properties: {
    name: { type: 'string', description: 'Resource name, e.g. `cpu`, `memory`, `nvidia.com/gpu`.' },
    nominalQuota: quantity('Quantity available to the ClusterQueue\'s workloads.'),
    borrowingLimit: quantity('Most the ClusterQueue may borrow from its cohort; only with a cohort.'),
    lendingLimit: quantity('Most of its unused quota the ClusterQueue lends to its cohort.'),
  },
};

const RESOURCE_GROUP: JsonSchema = {
  'title': 'ResourceGroup',
  'type': 'object',
  'description': 'Resources that are given quota together, and the flavors that provide them.',
  'required': ['coveredResources', 'flavors'],
  'x-kubernetes-validations': [
    {
      rule: 'self.flavors.all(x, size(x.resources) == size(self.coveredResources))',
      message: 'every flavor must list exactly the coveredResources, in the same order',
    },
  ],
  'properties': {
    coveredResources: { 'type': 'array', 'items': { type: 'string' }, 'minItems': 1, 'maxItems': 64, 'x-kubernetes-list-type': 'atomic' },
    flavors: {
      'type': 'array',
      'minItems': 1,
      'maxItems': 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'items': {
        title: 'FlavorQuotas',
        type: 'object',
        required: ['name', 'resources'],
        properties: {
          name: objectName('Name of a ResourceFlavor.'),
          resources: {
            'type': 'array',
            'items': QUANTITY_RESOURCE,
            'minItems': 1,
            'maxItems': 64,
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
          },
        },
      },
    },
  },
};

const CLUSTER_QUEUE_SPEC: JsonSchema = {
  'title': 'ClusterQueueSpec',
  'type': 'object',
  'description': 'Quota and admission policy of a ClusterQueue.',
  'x-kubernetes-validations': [
    {
      rule: '!has(self.cohortName) && has(self.resourceGroups) ? self.resourceGroups.all(rg, rg.flavors.all(f, f.resources.all(r, !has(r.borrowingLimit)))) : true',
      message: 'borrowingLimit is only allowed when cohortName is set: join a cohort or remove the borrowing limits',
      fieldPath: '.resourceGroups',
    },
  ],
  'properties': {
    resourceGroups: { 'type': 'array', 'items': RESOURCE_GROUP, 'maxItems': 16, 'x-kubernetes-list-type': 'atomic' },
    cohortName: objectName('Cohort whose ClusterQueues borrow unused quota from each other.'),
    queueingStrategy: {
      type: 'string',
      enum: ['StrictFIFO', 'BestEffortFIFO'],
      default: 'BestEffortFIFO',
      description: 'StrictFIFO: older workloads block newer ones; BestEffortFIFO: newer workloads that fit are admitted.',
    },
    namespaceSelector: {
      ...LABEL_SELECTOR,
      description: 'Namespaces whose LocalQueues may use this ClusterQueue; absent means none, `{}` means all.',
    },
    flavorFungibility: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
    preemption: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
    admissionChecksStrategy: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
    stopPolicy: STOP_POLICY,
    fairSharing: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const USAGE: JsonSchema = {
  type: 'array',
  items: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

const QUEUE_COUNTS: Record<string, JsonSchema> = {
  pendingWorkloads: { type: 'integer', format: 'int32', description: 'Workloads waiting for admission.' },
  reservingWorkloads: { type: 'integer', format: 'int32', description: 'Workloads reserving quota.' },
  admittedWorkloads: { type: 'integer', format: 'int32', description: 'Admitted workloads not finished yet.' },
};

/** The Kueue ClusterQueue definition (cluster-scoped; upstream kind, never installed by kubejobs). */
export const KUEUE_CLUSTER_QUEUE: CustomResourceDefinitionSpec = {
  group: GROUP,
  version: VERSION,
  kind: 'ClusterQueue',
  plural: 'clusterqueues',
  singular: 'clusterqueue',
  shortNames: ['cq'],
  description: 'ClusterQueue holds quota per resource flavor and admits the workloads of its LocalQueues (Kueue kueue.x-k8s.io/v1beta2).',
  scope: 'Cluster',
  specRequired: false,
  spec: CLUSTER_QUEUE_SPEC,
  status: {
    title: 'ClusterQueueStatus',
    type: 'object',
    properties: { conditions: METAV1_CONDITIONS, ...QUEUE_COUNTS, flavorsReservation: USAGE, flavorsUsage: USAGE },
  },
  printerColumns: [
    { name: 'Cohort', type: 'string', jsonPath: '.spec.cohortName', description: 'Cohort that this ClusterQueue belongs to' },
    { name: 'Strategy', type: 'string', jsonPath: '.spec.queueingStrategy', description: 'The queueing strategy used to prioritize workloads', priority: 1 },
    { name: 'Pending Workloads', type: 'integer', jsonPath: '.status.pendingWorkloads', description: 'Number of pending workloads' },
    { name: 'Admitted Workloads', type: 'integer', jsonPath: '.status.admittedWorkloads', description: 'Number of admitted workloads that haven\'t finished yet', priority: 1 },
  ],
};

/** The Kueue LocalQueue definition (upstream kind, never installed by kubejobs). */
export const KUEUE_LOCAL_QUEUE: CustomResourceDefinitionSpec = {
  group: GROUP,
  version: VERSION,
  kind: 'LocalQueue',
  plural: 'localqueues',
  singular: 'localqueue',
  shortNames: ['queue', 'queues', 'lq'],
  description: 'LocalQueue is where a namespace submits workloads (label kueue.x-k8s.io/queue-name); it feeds one ClusterQueue (Kueue kueue.x-k8s.io/v1beta2).',
  specRequired: false,
  spec: {
    title: 'LocalQueueSpec',
    type: 'object',
    properties: {
      clusterQueue: {
        ...objectName('The ClusterQueue that backs this LocalQueue. Immutable.'),
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable: delete and recreate the LocalQueue to move it to another ClusterQueue' }],
      },
      stopPolicy: STOP_POLICY,
      fairSharing: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
  status: {
    title: 'LocalQueueStatus',
    type: 'object',
    properties: { conditions: METAV1_CONDITIONS, ...QUEUE_COUNTS, flavorsReservation: USAGE, flavorsUsage: USAGE },
  },
  printerColumns: [
    { name: 'ClusterQueue', type: 'string', jsonPath: '.spec.clusterQueue', description: 'Backing ClusterQueue' },
    { name: 'Pending Workloads', type: 'integer', jsonPath: '.status.pendingWorkloads', description: 'Number of pending workloads' },
    { name: 'Admitted Workloads', type: 'integer', jsonPath: '.status.admittedWorkloads', description: 'Number of admitted workloads that haven\'t finished yet.' },
  ],
};
