import { JsonSchema } from './crd';
import { DNS_LABEL_PATTERN, imageReference, stringList, stringMap } from './schema-parts';

/**
 * The schema of the pod templates inside our CRDs (GenericJob `replicaSpecs[].template`).
 *
 * Why not the full `corev1.PodTemplateSpec` schema: expanded, it is several hundred KiB, which
 * pushes the GenericJob CRD past the 256 KiB limit of the `kubectl.kubernetes.io/last-applied-configuration`
 * annotation, so plain `kubectl apply -f` of the CRD fails (the reason Kubeflow's training CRDs
 * need `--server-side`). Instead we validate, structurally and strictly, the parts the controller
 * reads or rewrites (containers, their names, images, commands, args, env, ports; init containers;
 * the restart policy) and keep the rest of the pod spec as-is. The rest is validated by the API
 * server when the controller creates the Pod, with strict field validation, so a typo surfaces as
 * a condition on the job instead of being dropped. `test/api/pod-template.test.ts` checks the size
 * budget and that the validated core rejects what it should.
 */
const ENV_VAR: JsonSchema = {
  title: 'EnvVar',
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Environment variable name.' },
    value: { type: 'string', description: 'Value; T9k variables such as `$(rank)` are substituted by the controller.' },
    valueFrom: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'description': 'Source for the value (corev1.EnvVarSource).' },
  },
};

const CONTAINER_PORT: JsonSchema = {
  title: 'ContainerPort',
  type: 'object',
  required: ['containerPort'],
  properties: {
    containerPort: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535, description: 'Port the container listens on.' },
    name: { type: 'string', maxLength: 15, description: 'Port name (IANA service name), unique in the pod.' },
    protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP', description: 'Protocol of the port.' },
    hostPort: { type: 'integer', format: 'int32', description: 'Port exposed on the node; rarely needed.' },
    hostIP: { type: 'string', description: 'Node IP the host port binds to.' },
  },
};

/** The extended resource of NVIDIA GPUs, as the NVIDIA device plugin advertises it. */
export const NVIDIA_GPU = 'nvidia.com/gpu';

/** `corev1.Container`: name, image, command, args, env and ports validated; the rest kept. */
export const CONTAINER: JsonSchema = {
  'title': 'Container',
  'type': 'object',
  'required': ['name'],
  'x-kubernetes-preserve-unknown-fields': true,
  'properties': {
    name: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS_LABEL_PATTERN, description: 'Container name (DNS-1123 label).' },
    image: imageReference('Container image reference, e.g. `python:3.12-slim` or `registry.example.com/team/train:1.0@sha256:<64 hex digits>`.'),
    command: stringList('Entrypoint array; T9k variables are substituted.'),
    args: stringList('Arguments to the entrypoint; T9k variables are substituted.'),
    env: { type: 'array', items: ENV_VAR, description: 'Environment variables; T9k variables are substituted in values.' },
    ports: { type: 'array', items: CONTAINER_PORT, description: 'Ports the container exposes (informational, as in a Pod).' },
    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], description: 'When the kubelet pulls the image. Defaults to `Always` for `:latest` or no tag, `IfNotPresent` otherwise.' },
    workingDir: { type: 'string', description: 'Working directory of the container. Defaults to the image\'s.' },
  },
};

/** `corev1.PodTemplateSpec` as validated inside our CRDs (see the module comment). */
export const POD_TEMPLATE: JsonSchema = {
  title: 'PodTemplateSpec',
  type: 'object',
  description: 'Template of the replica\'s pods (corev1.PodTemplateSpec). Containers are validated here; the rest of the pod spec by the API server when the Pod is created.',
  required: ['spec'],
  properties: {
    metadata: {
      type: 'object',
      description: 'Labels and annotations of the replica\'s pods.',
      properties: {
        labels: stringMap('Labels added to every pod of the replica type.'),
        annotations: stringMap('Annotations added to every pod of the replica type.'),
      },
    },
    spec: {
      'title': 'PodSpec',
      'type': 'object',
      'description': 'The pod spec (corev1.PodSpec) of each replica. Fields beyond the containers are passed to the Pod as written.',
      'required': ['containers'],
      'x-kubernetes-preserve-unknown-fields': true,
      'properties': {
        containers: { type: 'array', minItems: 1, items: CONTAINER, description: 'At least one container.' },
        initContainers: { type: 'array', items: CONTAINER, description: 'Containers run to completion, in order, before the main containers start.' },
        restartPolicy: {
          type: 'string',
          enum: ['Always', 'OnFailure', 'Never'],
          description: 'Ignored: the controller creates pods with `Never` and restarts replicas itself per `restartPolicy.policy`.',
        },
      },
    },
  },
};
