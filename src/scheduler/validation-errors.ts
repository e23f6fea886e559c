import { QUANTITY_PATTERN } from '../api';

/** What fastify hands over of an ajv error. */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** `/jobScheduleDescriptions/0/resources` -> `jobScheduleDescriptions[0].resources`. */
export function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : (out === '' ? p : `.${p}`);
  return out;
}

/**
 * A value for an error message: a number, boolean, null or (shortened) string as JSON; objects and
 * arrays only by their kind, since they may hold payloads (e.g. a body that is an array of jobs).
 */
function show(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** True when `instancePath` is a `payload` field or lies inside one. */
function inPayload(instancePath: string): boolean {
  return /(^|\/)payload(\/|$)/.test(instancePath);
}

/**
 * One sentence for the first schema error: the field (as a JSON path), what is wrong and how to
 * fix it. `body` is the parsed request, for quoting the value at fault when it is a scalar, never
 * when it is a `payload` (or inside one), an object or an array.
 */
export function describeSchemaError(e: SchemaError, body: unknown): string {
  const at = (path: string): unknown => path.split('/').filter((p) => p !== '').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), body);
  const field = fieldPath(e.instancePath);
  const value = inPayload(e.instancePath) ? '(payload not shown)' : show(at(e.instancePath));
  const p = e.params;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${fieldPath(e.instancePath, String(p.additionalProperty))}: unknown field: remove it or check its spelling`;
    case 'required':
      return `${fieldPath(e.instancePath, String(p.missingProperty))}: is required`;
    case 'type':
      return `${field || 'the body'}: must be ${p.type === 'integer' ? 'an integer' : p.type === 'object' ? 'an object' : p.type === 'array' ? 'an array' : `a ${String(p.type)}`}, got ${value}`;
    case 'minimum':
      return `${field}: must be >= ${String(p.limit)}, got ${value}`;
    case 'maximum':
      return `${field}: must be <= ${String(p.limit)}, got ${value}`;
    case 'minItems':
      return `${field}: must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${field}: must have at most ${String(p.limit)} items, got ${Array.isArray(at(e.instancePath)) ? (at(e.instancePath) as unknown[]).length : '?'}`;
    case 'maxProperties':
      return `${field}: must have at most ${String(p.limit)} entries`;
    case 'minLength':
      return `${field}: must not be empty`;
    case 'maxLength':
      return `${field}: must be at most ${String(p.limit)} characters`;
    case 'enum':
      return `${field}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${value}`;
    case 'pattern':
      if (p.pattern === QUANTITY_PATTERN) return `${field}: ${value} is not a Kubernetes quantity: use e.g. "250m", "2", "512Mi" or "1Gi"`;
      return `${field}: ${value} does not match ${String(p.pattern)}`;
    default:
      return `${field || 'the body'}: ${e.message ?? e.keyword}`;
  }
}
