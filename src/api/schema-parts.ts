import { JsonSchema } from './crd';

/**
 * Schema fragments shared by several kinds. Each mirrors a Kubernetes core type as far as our
 * CRDs need it; limits (`maxItems`, `maxLength`) are there so the API server can bound the cost
 * of the CEL rules that read these fields.
 */

/** A DNS-1123 label (RFC 1123): what Kubernetes accepts as a name segment. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/**
 * A DNS-1035 label: what Kubernetes accepts as a Service name (a DNS-1123 label that starts
 * with a lowercase letter).
 */
export const DNS_1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/**
 * An image reference in the grammar of the distribution project (what `docker pull` and the
 * kubelet parse): `[host[:port]/]path[:tag][@algorithm:hex]`, with a lowercase path of
 * components separated by `/`, a tag of up to 128 word characters, `.` and `-` (not first), and a
 * digest of at least 32 hex digits. One pattern for the CRDs and the constructs' synth-time checks.
 */
export const IMAGE_REFERENCE_PATTERN = (() => {
  const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
  const hostComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
  const host = `(?:${hostComponent}(?:\\.${hostComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
  const name = `(?:${host}/)?${pathComponent}(?:/${pathComponent})*`;
  const tag = '[\\w][\\w.-]{0,127}';
  const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
  return `^${name}(?::${tag})?(?:@${digest})?$`;
})();

/** A container image reference (see {@link IMAGE_REFERENCE_PATTERN}). */
export function imageReference(description: string): JsonSchema {
  // No minLength: the pattern refuses '' too, and one error reads better than two.
  return { type: 'string', description, maxLength: 4096, pattern: IMAGE_REFERENCE_PATTERN };
}

/** A string that must be a DNS-1123 label. */
export function dnsLabel(description: string): JsonSchema {
  return { type: 'string', description, minLength: 1, maxLength: 63, pattern: DNS_LABEL_PATTERN };
}

/** `map[string]string`, e.g. labels or annotations. */
export function stringMap(description: string): JsonSchema {
  return { type: 'object', description, additionalProperties: { type: 'string' } };
}

/** `[]string`. */
export function stringList(description: string, maxItems?: number): JsonSchema {
  return { type: 'array', description, items: { type: 'string' }, maxItems };
}

/** `metav1.Condition`, as used by ArenaJob and ArenaConfig status. */
export const METAV1_CONDITIONS: JsonSchema = {
  'type': 'array',
  'description': 'The latest available observations of the object\'s state.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  'items': {
    title: 'Condition',
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: { type: 'string', maxLength: 316, description: 'Type of the condition, in CamelCase.' },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'Whether the condition holds.' },
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: '`metadata.generation` the condition was set for.' },
      lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the condition last changed status.' },
      reason: { type: 'string', maxLength: 1024, description: 'Machine-readable reason for the last transition, in CamelCase.' },
      message: { type: 'string', maxLength: 32768, description: 'Human-readable details of the last transition.' },
    },
  },
};

/** `corev1.ServicePort`, as listed under a GenericJob's `service.ports`. */
export const SERVICE_PORT: JsonSchema = {
  title: 'ServicePort',
  type: 'object',
  required: ['port'],
  properties: {
    name: { ...dnsLabel('Port name; referenced by `$(service.port[<name>])`.'), maxLength: 15 },
    port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535, description: 'Port exposed by the Service.' },
    targetPort: {
      'x-kubernetes-int-or-string': true,
      'anyOf': [{ type: 'integer' }, { type: 'string' }],
      'description': 'Container port (number or name) the Service forwards to. Defaults to `port`.',
    },
    protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP', description: 'Protocol of the port.' },
    appProtocol: { type: 'string', description: 'Application protocol of the port (e.g. `http`, `kubernetes.io/h2c`), a hint for proxies.' },
  },
};

/** A reference to a Secret or object in the same namespace. */
export function localObjectReference(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'Name of the referenced object.' } },
  };
}
