import { applyVerb } from '../../src/cli/apply-outcome';

const owned = (fields: object) => [{ manager: 'kubejobs', operation: 'Apply', fieldsV1: fields }];
const body = { metadata: { name: 'mnist', labels: { team: 'a' } }, spec: { replicas: 2, args: ['echo', 'hi'] } };
const server = (rv: string, spec: object, fields: object = { 'f:spec': {} }, extra: object = {}) => ({
  metadata: { name: 'mnist', labels: { team: 'a' }, resourceVersion: rv, managedFields: owned(fields), ...extra },
  spec,
});

test('an object that did not exist was created', () => {
  expect(applyVerb(body, 'kubejobs', undefined, server('1', body.spec))).toBe('created');
});

test('the same resourceVersion is unchanged', () => {
  expect(applyVerb(body, 'kubejobs', server('5', body.spec), server('5', body.spec))).toBe('unchanged');
});

test('a controller write between read and apply (status, finalizers) is not a change by this apply', () => {
  const before = { ...server('5', body.spec), status: { phase: 'Pending' } };
  const after = { ...server('7', body.spec, { 'f:spec': {} }, { finalizers: ['kubejobs.io/cleanup'] }), status: { phase: 'Running' } };
  expect(applyVerb(body, 'kubejobs', before, after)).toBe('unchanged');
});

test('a changed value the apply sets is configured', () => {
  expect(applyVerb(body, 'kubejobs', server('5', { replicas: 1, args: ['echo', 'hi'] }), server('6', body.spec))).toBe('configured');
});

test('a changed list the apply sets is configured', () => {
  expect(applyVerb(body, 'kubejobs', server('5', { replicas: 2, args: ['echo'] }), server('6', body.spec))).toBe('configured');
});

test('a field the manager stopped setting (removed by the apply) is configured', () => {
  const before = server('5', { ...body.spec, suspend: true }, { 'f:spec': { 'f:suspend': {} } });
  expect(applyVerb(body, 'kubejobs', before, server('6', body.spec))).toBe('configured');
});
