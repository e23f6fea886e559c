import type { ParseResult } from '@marcbachmann/cel-js';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CustomResourceDefinitionSpec, JsonSchema, rootSchemaOf, ValidationRule } from './crd';
// eslint-disable-next-line import/no-cycle
import { definitionOf } from './index';
import { IMAGE_REFERENCE_PATTERN } from './schema-parts';

/**
 * What the API server does with a field its schema does not declare: `kubectl apply` and `create`
 * ask for strict field validation (the default since Kubernetes 1.27), and the request fails;
 * a client that asks for `Warn` or `Ignore` gets the field pruned from the stored object.
 */
const UNKNOWN_FIELD_ON_THE_SERVER = 'the API server rejects it under strict field validation (the kubectl default) and prunes it when validation is off';

/**
 * Synth-time validation of a custom resource against the same definition its CRD is made from:
 * the structural schema (ajv, with the API server's defaulting and "unknown fields are an error"
 * instead of silent pruning) and the CEL rules (`x-kubernetes-validations`, evaluated with
 * `@marcbachmann/cel-js`). Transition rules (those reading `oldSelf`) need a previous object and
 * are left to the API server.
 */
export function validateManifest(manifest: Record<string, any>): string[] {
  const noted = jsonTextOf.get(manifest);
  jsonTextOf.delete(manifest);
  const def = definitionOf(manifest.apiVersion, manifest.kind);
  if (!def) return [];
  // Defaults are applied to a copy, as the API server does before it runs CEL rules.
  const defaulted = JSON.parse(noted ?? JSON.stringify(manifest));
  const validate = compiledValidator(def);
  if (!validate(defaulted)) {
    return (validate.errors ?? []).map((e) => formatAjvError(e, defaulted));
  }
  const root = rootSchemaOf(def);
  return celErrors(root, toCelValue(defaulted, root), '');
}

/** JSON texts of manifests just rendered, noted by {@link noteJsonText}. */
const jsonTextOf = new WeakMap<object, string>();

/**
 * Notes the JSON text of a manifest just rendered (a custom resource's synth makes it anyway), so
 * that the next {@link validateManifest} of that very object copies it from the text instead of
 * serialising it again (issue 14). Used once: a later validation of the same object, which may
 * have been changed in between, serialises it afresh. Not part of the package's API.
 */
export function noteJsonText(manifest: object, json: string): void {
  jsonTextOf.set(manifest, json);
}

/** Forgets a noted text: the object is handed out (synth output), and its holder may change it. */
export function forgetJsonText(manifest: object): void {
  jsonTextOf.delete(manifest);
}

/**
 * Validation of a document that is not a custom resource (the job-scheduler's job definition) against
 * one of our schemas, by the same rules as {@link validateManifest}: defaults applied to a copy,
 * unknown fields are errors, then the CEL rules. `unknownField` tells the reader what would happen
 * to an undeclared field.
 */
export function validateDocument(schema: JsonSchema, doc: unknown, unknownField: string = UNKNOWN_FIELD_ON_THE_SERVER): string[] {
  const defaulted = JSON.parse(JSON.stringify(doc ?? null));
  let validate = documentValidators.get(schema);
  if (!validate) {
    validate = ajv().compile(toAjvSchema(schema));
    documentValidators.set(schema, validate);
  }
  if (!validate(defaulted)) {
    return (validate.errors ?? []).map((e) => formatAjvError(e, defaulted, unknownField));
  }
  return celErrors(schema, toCelValue(defaulted, schema), '');
}

/**
 * ajv and cel-js are loaded on the first validation, not by `require('kubejobs')`: together they
 * were a third of its load time (issue 14), and a program that only reads our types, schemas or
 * CRDs never validates.
 */
let ajvInstance: Ajv | undefined;

function ajv(): Ajv {
  if (!ajvInstance) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = (require('ajv') as typeof import('ajv')).default;
    ajvInstance = new AjvClass({ allErrors: true, strict: false, useDefaults: true, validateFormats: false });
  }
  return ajvInstance;
}

let celParse: typeof import('@marcbachmann/cel-js').parse | undefined;

function parse(expression: string): ParseResult {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  celParse ??= (require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js')).parse;
  return celParse(expression);
}
const validators = new Map<CustomResourceDefinitionSpec, ValidateFunction>();
const documentValidators = new Map<JsonSchema, ValidateFunction>();

function compiledValidator(def: CustomResourceDefinitionSpec): ValidateFunction {
  let v = validators.get(def);
  if (!v) {
    const root = toAjvSchema(rootSchemaOf(def));
    // metadata is an ObjectMeta: its schema may bound name and generateName, the rest stays open.
    if (root.properties?.metadata) root.properties.metadata.additionalProperties = true;
    v = ajv().compile(root);
    validators.set(def, v);
  }
  return v;
}

/**
 * The API server prunes fields a structural schema does not declare; at synth that would lose
 * data silently, so undeclared fields are an error instead.
 */
function toAjvSchema(schema: JsonSchema): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || value === undefined) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, s]) => [k, toAjvSchema(s)]));
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = toAjvSchema(value as JsonSchema);
    } else if (key === 'anyOf') {
      out.anyOf = (value as JsonSchema[]).map(toAjvSchema);
    } else {
      out[key] = value;
    }
  }
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function formatAjvError(e: ErrorObject, doc: unknown, unknownField: string = UNKNOWN_FIELD_ON_THE_SERVER): string {
  const path = toFieldPath(e.instancePath);
  const value = valueAt(doc, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return `${join(path, e.params.additionalProperty)}: unknown field; ${unknownField}. Remove it or check its spelling`;
    case 'required':
      return `${join(path, e.params.missingProperty)}: required field is missing`;
    case 'enum':
      return `${path}: ${JSON.stringify(value)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      if (e.params.pattern === IMAGE_REFERENCE_PATTERN) {
        return `${path}: ${JSON.stringify(value)} is not an image reference: write [registry[:port]/]path[:tag][@algorithm:digest] with a lowercase path, e.g. 'python:3.12-slim'`;
      }
      return `${path}: ${e.message} (got ${JSON.stringify(value)})`;
    default:
      return `${path}: ${e.message} (got ${JSON.stringify(value)})`;
  }
}

function join(path: string, field: string): string {
  if (!field) return path;
  return path ? `${path}.${field}` : field;
}

/** `/spec/replicaSpecs/0/type` -> `spec.replicaSpecs[0].type`. */
function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : join(acc, p)), '');
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur: any = doc;
  for (const p of pointer.split('/').slice(1)) cur = cur?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

/**
 * Walks schema and value together and evaluates every CEL rule that applies, as the API server does.
 * `value` is already a CEL value (see {@link toCelValue}), converted once for the whole document:
 * converting each rule's `self` anew converted every subtree once per rule above it.
 */
function celErrors(schema: JsonSchema, value: unknown, path: string): string[] {
  if (value === undefined || value === null || !hasRules(schema)) return [];
  const errors: string[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    if (isTransitionRule(rule.rule)) continue; // transition rules need the previous object
    let ok: unknown;
    try {
      ok = compiled(rule.rule)({ self: value });
    } catch (err) {
      ok = `evaluation error: ${(err as Error).message}`;
    }
    if (ok !== true) {
      const field = join(path, (rule.fieldPath ?? '').replace(/^\./, ''));
      const message = messageOf(rule, value);
      // Our messages already start with the field they are about; don't say it twice.
      errors.push(message.startsWith(field) ? message : `${field}: ${message}`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => errors.push(...celErrors(schema.items!, v, `${path}[${i}]`)));
  } else if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      const sub = subSchema(schema, k);
      if (sub) errors.push(...celErrors(sub, v, join(path, k)));
    }
  }
  return errors;
}

/**
 * Parsed rules, by source text: parsing (and the type check cel-js does on first evaluation) is
 * most of a rule's cost, and the same few dozen rules run for every object synthesised. Our
 * variables are untyped (`dyn`), so the checked AST does not depend on the value it is evaluated on.
 */
const parsedRules = new Map<string, ParseResult>();

function compiled(expression: string): ParseResult {
  let fn = parsedRules.get(expression);
  if (!fn) {
    fn = parse(expression);
    parsedRules.set(expression, fn);
  }
  return fn;
}

const transitionRules = new Map<string, boolean>();

function isTransitionRule(expression: string): boolean {
  let transition = transitionRules.get(expression);
  if (transition === undefined) {
    transition = /\boldSelf\b/.test(expression);
    transitionRules.set(expression, transition);
  }
  return transition;
}

/** The rule's `messageExpression` evaluated as the API server does, else its `message`. */
function messageOf(rule: ValidationRule, self: unknown): string {
  if (!rule.messageExpression) return rule.message;
  try {
    const message = compiled(rule.messageExpression)({ self });
    return typeof message === 'string' && message.trim() !== '' ? message : rule.message;
  } catch {
    return rule.message;
  }
}

/**
 * Integers become CEL ints (BigInt), as the API server types them from the schema. Converted in
 * place: `value` is always the private, defaulted copy of the document, and copying it once more
 * was a fifth of the validation's cost (issue 14). Without a schema (preserved unknown fields)
 * nothing is typed, so nothing changes below.
 */
function toCelValue(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  if (typeof value === 'number') return schema.type === 'integer' && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = toCelValue(value[i], schema.items);
  } else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = toCelValue(obj[k], subSchema(schema, k));
  }
  return value;
}

function subSchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  return schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
}

/** Whether a CEL rule applies anywhere in the schema's subtree, by schema node. */
const subtreeHasRules = new WeakMap<JsonSchema, boolean>();

/** Subtrees without rules (most of a pod template) need no walk. */
function hasRules(schema: JsonSchema): boolean {
  let has = subtreeHasRules.get(schema);
  if (has === undefined) {
    has = (schema['x-kubernetes-validations']?.length ?? 0) > 0
      || Object.values(schema.properties ?? {}).some(hasRules)
      || (schema.items !== undefined && hasRules(schema.items))
      || (typeof schema.additionalProperties === 'object' && hasRules(schema.additionalProperties));
    subtreeHasRules.set(schema, has);
  }
  return has;
}
