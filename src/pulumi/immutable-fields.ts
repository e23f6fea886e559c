import { CustomResourceDefinitionSpec, JsonSchema, ValidationRule } from '../api';

/**
 * Fields that an upstream admission webhook (not a CEL rule of the CRD) refuses to change once the
 * object exists, by `<group>/<kind>`, as Pulumi property paths.
 *
 * AppWrapper (`project-codeflare/appwrapper`, `internal/webhook/appwrapper_webhook.go`,
 * `validateAppWrapperUpdate`): every component's template and declared pod sets (their count,
 * paths and replicas), the number of components, and `spec.managedBy` are immutable, whatever the
 * AppWrapper's state. Kueue's job webhook also makes the `kueue.x-k8s.io/queue-name` and
 * `kueue.x-k8s.io/priority-class` labels immutable, but only while the AppWrapper runs (is not
 * suspended), so they are not listed: a change is planned as an update, which Kueue accepts for a
 * queued AppWrapper and refuses for a running one.
 */
export const ADMISSION_IMMUTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'workload.codeflare.dev/AppWrapper': ['spec.components', 'spec.managedBy'],
};

/**
 * The fields of a kind that cannot change once the object exists, as Pulumi property paths
 * (`spec.clusterQueue`, `spec.runMode.debug`): those of {@link ADMISSION_IMMUTABLE_FIELDS}, and every
 * field that a CEL transition rule holds equal to its old value ({@link immutablePathOf}).
 *
 * The components pass these as `replaceOnChanges` of their custom resource. The Kubernetes
 * provider knows which fields of the built-in kinds are immutable, but not those of a custom
 * resource: without this, changing one would plan an update that the API server then refuses
 * (`field is immutable`) during the preview. For the replacement's preview the provider retries its
 * dry-run under another name when the API server's message says `field is immutable`, which is
 * why kubejobs' own immutability rules use those words.
 *
 * Pulumi replaces when a changed path lies at or under one of these paths, not above it: adding a
 * whole parent object (`spec.runMode` where `spec.runMode.debug` is immutable) would be an update.
 * So the constructs always write the parents of their immutable fields (the GenericJob's
 * `spec.runMode` is `{}` when no run mode is set).
 */
export function immutableFields(definition: CustomResourceDefinitionSpec): string[] {
  const paths = [
    ...(ADMISSION_IMMUTABLE_FIELDS[`${definition.group}/${definition.kind}`] ?? []),
    ...guarded(definition.validations, ''),
    ...fieldsOf(definition.spec, 'spec'),
  ];
  return [...new Set(paths)];
}

/**
 * The field a CEL rule at schema node `nodePath` makes immutable, or `undefined` when the rule is
 * not an immutability rule. A rule is one when it compares the field at its `fieldPath` with the
 * old value of that same field: `self == oldSelf` on the field itself, or e.g.
 * `self.runMode.debug == oldSelf.runMode.debug` with fieldPath `.runMode.debug` (possibly inside a
 * condition that also compares presence). Other transition rules (`self >= oldSelf`, rules that
 * read `oldSelf` to allow some changes, comparisons of a field other than the rule's fieldPath)
 * constrain a change without forbidding it, so they do not force a replacement. A rule on the root
 * of the object without a fieldPath names no field, so it never does either.
 */
export function immutablePathOf(rule: ValidationRule, nodePath: string): string | undefined {
  const fieldPath = rule.fieldPath ?? '';
  // Only plain `.name.name` field paths: the form every rule here uses, and one a regex can match exactly.
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(fieldPath)) return undefined;
  const path = `${nodePath}${fieldPath}`.replace(/^\./, '');
  if (path === '') return undefined;
  const expression = rule.rule.replace(/\s+/g, '');
  const field = fieldPath.replace(/\./g, '\\.');
  // `self<fp> == oldSelf<fp>` or the other way round, not part of a longer name or path.
  const comparison = new RegExp(`(?<![\\w.])(self${field}==oldSelf${field}|oldSelf${field}==self${field})(?![\\w.\\[(])`);
  return comparison.test(expression) ? path : undefined;
}

function fieldsOf(schema: JsonSchema, path: string): string[] {
  const own = guarded(schema['x-kubernetes-validations'], path);
  const properties = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => fieldsOf(child, `${path}.${name}`));
  const items = schema.items ? fieldsOf(schema.items, `${path}[*]`) : [];
  const values = typeof schema.additionalProperties === 'object' ? fieldsOf(schema.additionalProperties, `${path}.*`) : [];
  const alternatives = (schema.anyOf ?? []).flatMap((s) => fieldsOf(s, path));
  return [...own, ...properties, ...items, ...values, ...alternatives];
}

function guarded(rules: readonly ValidationRule[] | undefined, path: string): string[] {
  return (rules ?? []).flatMap((r) => immutablePathOf(r, path) ?? []);
}
