import { JsonSchema } from '../crd';

/**
 * Core Kubernetes fragments used by the upstream kinds (AppWrapper, Volcano Job, Kueue): the
 * fields of `corev1.Toleration`, `corev1.Taint`, `metav1.LabelSelector` and `resource.Quantity`
 * as their CRDs declare them.
 */

/** A DNS-1123 subdomain (object names, queue names, cohort names). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** `resource.Quantity` as the API server validates it (e.g. `8`, `500m`, `64Gi`). */
export const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A `resource.Quantity` field: an integer or a quantity string. */
export function quantity(description: string): JsonSchema {
  return {
    description,
    'x-kubernetes-int-or-string': true,
    'anyOf': [{ type: 'integer' }, { type: 'string' }],
    'pattern': QUANTITY_PATTERN,
  };
}

/** `corev1.Toleration`. */
export const TOLERATION: JsonSchema = {
  title: 'Toleration',
  type: 'object',
  description: 'Tolerates the taints matching <key, value, effect> with the operator.',
  properties: {
    key: { type: 'string', description: 'Taint key; empty with operator Exists matches every taint.' },
    operator: { type: 'string', description: 'Exists or Equal (the default).' },
    value: { type: 'string', description: 'Taint value; empty with operator Exists.' },
    effect: { type: 'string', description: 'NoSchedule, PreferNoSchedule or NoExecute; empty matches all effects.' },
    tolerationSeconds: { type: 'integer', format: 'int64', description: 'How long a NoExecute taint is tolerated.' },
  },
};

/** `corev1.Taint`. */
export const TAINT: JsonSchema = {
  title: 'Taint',
  type: 'object',
  required: ['key', 'effect'],
  properties: {
    key: { type: 'string' },
    value: { type: 'string' },
    effect: { type: 'string', description: 'NoSchedule, PreferNoSchedule or NoExecute.' },
    timeAdded: { type: 'string', format: 'date-time' },
  },
};

/** `metav1.LabelSelector`. */
export const LABEL_SELECTOR: JsonSchema = {
  'title': 'LabelSelector',
  'type': 'object',
  'x-kubernetes-map-type': 'atomic',
  'properties': {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        title: 'LabelSelectorRequirement',
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', description: 'In, NotIn, Exists or DoesNotExist.' },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};
