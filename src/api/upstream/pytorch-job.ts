import { CustomResourceDefinitionSpec, JsonSchema } from '../crd';
import { POD_TEMPLATE } from '../pod-template';
import { quantity } from './core-parts';

/**
 * `PyTorchJob` (`kubeflow.org/v1`, Kubeflow training-operator 1.9): the fields `AppWrapperJob`
 * emits and the status basics (shared/reference/appwrapper-radix.md §A4).
 *
 * Replica types are the two the training-operator's webhook accepts, `Master` and `Worker`, so a
 * misspelt type fails here instead of at admission. Run policies live under `spec.runPolicy`
 * (the flat `spec.cleanPodPolicy`/`spec.backoffLimit` of older releases are not part of v1 any
 * more and would be pruned). `elasticPolicy` is kept as-is for wrapped jobs written by hand.
 */

const REPLICA_SPEC: JsonSchema = {
  title: 'PyTorchReplicaSpec',
  type: 'object',
  description: 'Pods of one replica type.',
  properties: {
    replicas: { type: 'integer', format: 'int32', description: 'Number of pods; 1 by default. Master must have exactly 1.' },
    restartPolicy: {
      type: 'string',
      enum: ['Always', 'OnFailure', 'Never', 'ExitCode'],
      description: 'How the pods restart; OnFailure by default.',
    },
    template: POD_TEMPLATE,
  },
};

const RUN_POLICY: JsonSchema = {
  title: 'RunPolicy',
  type: 'object',
  description: 'Runtime policies of the job: cleanup, deadlines, retries, gang scheduling.',
  properties: {
    cleanPodPolicy: {
      type: 'string',
      enum: ['All', 'Running', 'None'],
      description: 'Which pods are deleted when the job finishes; None by default.',
    },
    ttlSecondsAfterFinished: { type: 'integer', format: 'int32', description: 'Seconds after which a finished job is deleted.' },
    activeDeadlineSeconds: { type: 'integer', format: 'int64', description: 'Seconds the job may stay active before it is failed.' },
    backoffLimit: { type: 'integer', format: 'int32', description: 'Retries before the job is marked failed.' },
    schedulingPolicy: {
      title: 'SchedulingPolicy',
      type: 'object',
      description: 'Gang-scheduling settings (PodGroup).',
      properties: {
        minAvailable: { type: 'integer', format: 'int32' },
        queue: { type: 'string' },
        minResources: { type: 'object', additionalProperties: quantity('Resource quantity.') },
        priorityClass: { type: 'string' },
        scheduleTimeoutSeconds: { type: 'integer', format: 'int32' },
      },
    },
    suspend: { type: 'boolean', default: false, description: 'Suspends the job (used by Kueue).' },
    managedBy: {
      type: 'string',
      enum: ['kubeflow.org/training-operator', 'kueue.x-k8s.io/multikueue'],
      description: 'The controller that manages the job. Immutable.',
    },
  },
};

const SPEC: JsonSchema = {
  title: 'PyTorchJobSpec',
  type: 'object',
  description: 'PyTorchJobSpec is the desired state of a PyTorchJob.',
  required: ['pytorchReplicaSpecs'],
  properties: {
    runPolicy: RUN_POLICY,
    elasticPolicy: {
      'type': 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'description': 'Elastic training (torchrun rendezvous) settings; not emitted by AppWrapperJob.',
    },
    pytorchReplicaSpecs: {
      title: 'PyTorchReplicaSpecs',
      type: 'object',
      description: 'The replica types: Master (exactly one pod) and Worker.',
      properties: { Master: REPLICA_SPEC, Worker: REPLICA_SPEC },
    },
    nprocPerNode: {
      type: 'string',
      description: 'Processes per pod for torchrun: `auto` (the default), `cpu`, `gpu` or an integer.',
    },
  },
};

const STATUS: JsonSchema = {
  title: 'PyTorchJobStatus',
  type: 'object',
  description: 'Observed state of a PyTorchJob.',
  properties: {
    conditions: {
      type: 'array',
      items: {
        title: 'PyTorchJobCondition',
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', description: 'Created, Running, Restarting, Succeeded, Suspended or Failed.' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          lastUpdateTime: { type: 'string', format: 'date-time' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
    replicaStatuses: {
      type: 'object',
      additionalProperties: {
        title: 'PyTorchReplicaStatus',
        type: 'object',
        properties: {
          active: { type: 'integer', format: 'int32' },
          succeeded: { type: 'integer', format: 'int32' },
          failed: { type: 'integer', format: 'int32' },
          labelSelector: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
          selector: { type: 'string' },
        },
      },
    },
    startTime: { type: 'string', format: 'date-time' },
    completionTime: { type: 'string', format: 'date-time' },
    lastReconcileTime: { type: 'string', format: 'date-time' },
  },
};

/** The PyTorchJob definition (upstream kind; emitted inside AppWrappers, never installed by kubejobs). */
export const PYTORCH_JOB: CustomResourceDefinitionSpec = {
  group: 'kubeflow.org',
  version: 'v1',
  kind: 'PyTorchJob',
  plural: 'pytorchjobs',
  singular: 'pytorchjob',
  shortNames: [],
  description: 'PyTorchJob runs distributed PyTorch training as one Master and any number of Workers (Kubeflow training-operator kubeflow.org/v1).',
  specRequired: false,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.conditions[-1:].type' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
