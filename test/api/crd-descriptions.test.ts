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
