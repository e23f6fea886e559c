/**
 * The shape of our CRD definitions and the one function that turns a definition into a
 * `apiextensions.k8s.io/v1` CustomResourceDefinition manifest.
 *
 * Every kind kubejobs owns is described once, as a {@link CustomResourceDefinitionSpec}; the CRD
 * manifests, the TypeScript types in `imports/` and synth-time validation are all derived from it.
 */

/** A (subset of an) OpenAPI v3 structural schema as the Kubernetes API server understands it. */
export interface JsonSchema {
  /** Name of the generated TypeScript type (json-schema-to-typescript); ignored by the API server. */
  readonly 'title'?: string;
  readonly 'type'?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly 'description'?: string;
  readonly 'properties'?: Record<string, JsonSchema>;
  readonly 'additionalProperties'?: JsonSchema | boolean;
  readonly 'items'?: JsonSchema;
  readonly 'required'?: readonly string[];
  readonly 'enum'?: readonly (string | number)[];
  readonly 'default'?: unknown;
  readonly 'format'?: string;
  readonly 'pattern'?: string;
  readonly 'minimum'?: number;
  readonly 'maximum'?: number;
  readonly 'minLength'?: number;
  readonly 'maxLength'?: number;
  readonly 'minItems'?: number;
  readonly 'maxItems'?: number;
  readonly 'minProperties'?: number;
  readonly 'maxProperties'?: number;
  readonly 'anyOf'?: readonly JsonSchema[];
  readonly 'nullable'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
}

/** A CEL rule (`x-kubernetes-validations`); `message` must name the field and the fix. */
export interface ValidationRule {
  readonly rule: string;
  readonly message: string;
  /**
   * A CEL expression that builds the message from the object (so it can quote the values at
   * fault); `message` is the fallback when it cannot be evaluated.
   */
  readonly messageExpression?: string;
  /** Path reported by the API server, relative to the schema node (e.g. `.successRules`). */
  readonly fieldPath?: string;
  /**
   * `FieldValueDuplicate` is left out on purpose: the API server then answers `Duplicate value: "object"`
   * and drops the rule's message, so the user never learns what to fix.
   */
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired';
}

/** A `kubectl get` column. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  /** 0 for the default view, 1 for `-o wide` only. */
  readonly priority?: number;
}

/** Everything that defines one of our kinds. */
export interface CustomResourceDefinitionSpec {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly spec: JsonSchema;
  readonly status: JsonSchema;
  readonly printerColumns: readonly PrinterColumn[];
  /** Whether the whole `spec` is required (true for every kind we own). */
  readonly specRequired: boolean;
  /**
   * Namespaced (the default) or cluster-scoped.
   *
   * @default 'Namespaced'
   */
  readonly scope?: 'Namespaced' | 'Cluster';
  /**
   * CEL rules on the whole object. Only a root rule can read `self.metadata.name` (and
   * `generateName`), so rules tying the name to the spec live here.
   *
   * @default - none
   */
  readonly validations?: readonly ValidationRule[];
}

/** Group/version/kind of a custom resource. */
export interface GroupVersionKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** `group/version` and kind of a definition. */
export function gvkOf(def: CustomResourceDefinitionSpec): GroupVersionKind {
  return { apiVersion: `${def.group}/${def.version}`, kind: def.kind };
}

/**
 * The metadata schema of a kind with root CEL rules. Those rules can read `metadata.name` and
 * `generateName`, which the API server otherwise costs as strings of unbounded length (a rule
 * that concatenates or matches them is then refused as too expensive). A CRD may bound only these
 * two fields; 253 is Kubernetes' own limit for a name, so nothing changes for users.
 */
const BOUNDED_METADATA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 253 },
    generateName: { type: 'string', maxLength: 253 },
  },
};

/** The root `openAPIV3Schema` of a definition (apiVersion, kind, metadata, spec, status). */
export function rootSchemaOf(def: CustomResourceDefinitionSpec): JsonSchema {
  return {
    'title': def.kind,
    'type': 'object',
    'description': def.description,
    'required': def.specRequired ? ['spec'] : undefined,
    'x-kubernetes-validations': def.validations && def.validations.length > 0 ? def.validations : undefined,
    'properties': {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      // No description: the API server refuses one here and documents metadata as ObjectMeta itself.
      metadata: def.validations && def.validations.length > 0 ? BOUNDED_METADATA : { type: 'object' },
      spec: def.spec,
      status: def.status,
    },
  };
}

/** The `apiextensions.k8s.io/v1` CustomResourceDefinition manifest of a definition. */
export function crdManifestOf(def: CustomResourceDefinitionSpec): Record<string, any> {
  return stripUndefined({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${def.group}`,
      labels: { 'app.kubernetes.io/part-of': 'kubejobs' },
    },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames.length > 0 ? [...def.shortNames] : undefined,
        categories: ['kubejobs'],
      },
      scope: def.scope ?? 'Namespaced',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: rootSchemaOf(def) },
        },
      ],
    },
  });
}

/** A deep copy without `undefined` values, so manifests serialise the same everywhere. */
export function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
