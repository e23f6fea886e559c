import { crdManifestOf, KUBEJOBS_DEFINITIONS } from '../../src/api';

/**
 * `kubectl explain` shows a field's `description`, or `<no description>`. Every field a user can
 * reach (every property, at any depth, through arrays and maps) of every CRD kubejobs installs
 * has one. Except `metadata`: the API server refuses anything there but bounds on `name` and
 * `generateName`, and publishes it as ObjectMeta, with ObjectMeta's documentation.
 */
function fieldsWithoutDescription(schema: any, path: string, out: string[]): void {
  for (const [name, field] of Object.entries<any>(schema.properties ?? {})) {
    const fieldPath = `${path}.${name}`;
    if (fieldPath === '.metadata') continue;
    if (typeof field.description !== 'string' || field.description.trim() === '') out.push(fieldPath);
    fieldsWithoutDescription(field, fieldPath, out);
  }
  if (schema.items) fieldsWithoutDescription(schema.items, `${path}[]`, out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    fieldsWithoutDescription(schema.additionalProperties, `${path}{}`, out);
  }
  // Fields a branch defines are fields too (`x-kubernetes-int-or-string`-like unions, one-of shapes).
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    (schema[combinator] ?? []).forEach((branch: any, i: number) => fieldsWithoutDescription(branch, `${path}<${combinator}[${i}]>`, out));
  }
  if (schema.not) fieldsWithoutDescription(schema.not, `${path}<not>`, out);
}

test.each(KUBEJOBS_DEFINITIONS.map((d) => [d.kind, d] as const))('every field of the %s CRD has a description', (_kind, def) => {
  const crd = crdManifestOf(def) as any;
  for (const version of crd.spec.versions) {
    const missing: string[] = [];
    fieldsWithoutDescription(version.schema.openAPIV3Schema, '', missing);
    // The walk reaches deep fields: it is not vacuous.
    expect(JSON.stringify(version.schema.openAPIV3Schema)).toContain('"description"');
    expect(missing).toEqual([]);
  }
});

test('the walk finds a field without a description', () => {
  const missing: string[] = [];
  fieldsWithoutDescription({ properties: { spec: { description: 'x', properties: { list: { type: 'array', description: 'y', items: { properties: { bare: { type: 'string' } } } } } } } }, '', missing);
  expect(missing).toEqual(['.spec.list[].bare']);
});

test('the walk looks inside anyOf, oneOf and allOf branches', () => {
  const missing: string[] = [];
  fieldsWithoutDescription({
    properties: {
      spec: {
        description: 'x',
        anyOf: [{ properties: { a: { type: 'string', description: 'a' } } }, { properties: { b: { type: 'string' } } }],
        oneOf: [{ properties: { c: { type: 'object', description: 'c', properties: { d: { type: 'string' } } } } }],
        allOf: [{ properties: { e: { type: 'string' } } }],
      },
    },
  }, '', missing);
  expect(missing).toEqual(['.spec<anyOf[1]>.b', '.spec<oneOf[0]>.c.d', '.spec<allOf[0]>.e']);
});
