import { CustomResourceDefinitionSpec, JsonSchema } from '../crd';
import { METAV1_CONDITIONS, stringMap } from '../schema-parts';
import { TOLERATION } from './core-parts';

/**
 * `AppWrapper` (`workload.codeflare.dev/v1beta2`, project-codeflare/appwrapper 1.2): wraps one or
 * more Kubernetes objects so that Kueue admits them as one workload and the AppWrapper controller
 * deploys, watches, retries and cleans them up together.
 *
 * Written from the upstream API (shared/reference/appwrapper-radix.md §A1). Like the upstream CRD,
 * the wrapped object is an embedded resource whose content the API server keeps as-is; the
 * AppWrapper webhook then requires its `apiVersion` and `kind`, which this schema states.
 * `AppWrapperJob` validates the wrapped PyTorchJob or Volcano Job against their own definitions.
 */

const POD_SET: JsonSchema = {
  title: 'AppWrapperPodSet',
  type: 'object',
  description: 'A homogeneous set of pods of a component.',
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      description: 'Path within the component to its PodTemplateSpec: `template` then `.field` and `[index]` steps, e.g. `template.spec.tasks[0].template`.',
    },
    replicas: { type: 'integer', format: 'int32', description: 'Number of pods in this pod set. Defaults to 1.' },
    annotations: stringMap('Controller hints for this pod set (e.g. topology-aware scheduling).'),
  },
};

const POD_SET_INFO: JsonSchema = {
  title: 'AppWrapperPodSetInfo',
  type: 'object',
  description: 'What Kueue injects into an admitted pod set.',
  properties: {
    annotations: stringMap('Annotations added to the PodSpecTemplate.'),
    labels: stringMap('Labels added to the PodSpecTemplate.'),
    nodeSelector: stringMap('Node selector terms added to the PodSpecTemplate.'),
    tolerations: { type: 'array', items: TOLERATION, description: 'Tolerations added to the PodSpecTemplate.' },
    schedulingGates: {
      type: 'array',
      items: { title: 'PodSchedulingGate', type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      description: 'Scheduling gates added to the PodSpecTemplate.',
    },
  },
};

const COMPONENT: JsonSchema = {
  title: 'AppWrapperComponent',
  type: 'object',
  description: 'One wrapped Kubernetes object.',
  required: ['template'],
  properties: {
    annotations: stringMap('Hints about the component for the AppWrapper controller.'),
    podSets: {
      type: 'array',
      items: POD_SET,
      description: 'Declared pod sets. Optional for kinds whose pod sets the controller infers (Pod, Deployment, StatefulSet, batch Job, JobSet, PyTorchJob, RayCluster, RayJob), where they must match the inferred ones; required for every other kind with pods (e.g. Volcano Job).',
    },
    podSetInfos: { type: 'array', items: POD_SET_INFO, description: 'Written by Kueue on admission, one per pod set.' },
    template: {
      'title': 'EmbeddedResource',
      'type': 'object',
      'description': 'The wrapped object: any namespaced Kubernetes object in the AppWrapper\'s namespace.',
      'required': ['apiVersion', 'kind'],
      'x-kubernetes-embedded-resource': true,
      'x-kubernetes-preserve-unknown-fields': true,
      'properties': {
        apiVersion: { type: 'string', description: 'API version of the wrapped object.' },
        kind: { type: 'string', description: 'Kind of the wrapped object.' },
      },
    },
  },
};

const SPEC: JsonSchema = {
  title: 'AppWrapperSpec',
  type: 'object',
  description: 'AppWrapperSpec defines the desired state of the AppWrapper.',
  required: ['components'],
  properties: {
    components: { type: 'array', items: COMPONENT, description: 'The wrapped objects.' },
    suspend: {
      type: 'boolean',
      description: 'Suspends the AppWrapper. Kueue sets it on creation of a queued AppWrapper and clears it on admission.',
    },
    managedBy: {
      type: 'string',
      description: 'The controller that manages the AppWrapper; the AppWrapper controller only acts when unset or `workload.codeflare.dev/appwrapper-controller`. Immutable.',
    },
  },
};

const STATUS: JsonSchema = {
  title: 'AppWrapperStatus',
  type: 'object',
  description: 'AppWrapperStatus is the observed state of the AppWrapper.',
  properties: {
    phase: {
      type: 'string',
      description: 'Suspended, Resuming, Running, Resetting, Suspending, Succeeded, Failed or Terminating (empty before the first reconcile).',
    },
    resettingCount: { type: 'integer', format: 'int32', description: 'How many times the AppWrapper has been reset (retried).' },
    conditions: {
      ...METAV1_CONDITIONS,
      description: 'QuotaReserved, ResourcesDeployed, PodsReady, Unhealthy and DeletingResources.',
    },
    componentStatus: {
      type: 'array',
      description: 'The deployed objects, parallel to spec.components.',
      items: {
        title: 'AppWrapperComponentStatus',
        type: 'object',
        required: ['apiVersion', 'kind', 'name', 'podSets'],
        properties: {
          name: { type: 'string' },
          kind: { type: 'string' },
          apiVersion: { type: 'string' },
          podSets: { type: 'array', items: POD_SET },
          conditions: METAV1_CONDITIONS,
        },
      },
    },
  },
};

/** The AppWrapper definition (upstream kind; emitted by `AppWrapperJob`, never installed by kubejobs). */
export const APP_WRAPPER: CustomResourceDefinitionSpec = {
  group: 'workload.codeflare.dev',
  version: 'v1beta2',
  kind: 'AppWrapper',
  plural: 'appwrappers',
  singular: 'appwrapper',
  shortNames: ['aw'],
  description: 'AppWrapper wraps Kubernetes objects into one workload that Kueue admits and the AppWrapper controller deploys, monitors and retries as a unit (project-codeflare workload.codeflare.dev/v1beta2).',
  specRequired: false,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Quota Reserved', type: 'string', jsonPath: '.status.conditions[?(@.type=="QuotaReserved")].status' },
    { name: 'Resources Deployed', type: 'string', jsonPath: '.status.conditions[?(@.type=="ResourcesDeployed")].status' },
    { name: 'Unhealthy', type: 'string', jsonPath: '.status.conditions[?(@.type=="Unhealthy")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
