import * as api from '../../src/api';
import { immutableFields, immutablePathOf } from '../../src/pulumi/immutable-fields';

// The fields a component's custom resource is replaced for (its replaceOnChanges): those the kind's
// CEL transition rules hold equal to their old value, and those an upstream webhook makes immutable.

test('GenericJob: replicaSpecs and the debug and resume settings, from our own transition rules', () => {
  expect(immutableFields(api.GENERIC_JOB).sort()).toEqual(['spec.replicaSpecs', 'spec.runMode.debug', 'spec.runMode.pause.resumeSpecs']);
});

test('Kueue LocalQueue: its ClusterQueue', () => {
  expect(immutableFields(api.KUEUE_LOCAL_QUEUE)).toEqual(['spec.clusterQueue']);
});

test('AppWrapper: its components and managedBy, which its admission webhook makes immutable', () => {
  expect(immutableFields(api.APP_WRAPPER)).toEqual(['spec.components', 'spec.managedBy']);
});

test('a kind without transition rules has none; rules that do not read oldSelf do not count', () => {
  expect(immutableFields(api.ARENA_CONFIG)).toEqual([]);
  expect(immutableFields(api.RADIX_BATCH)).toEqual([]);
  expect(immutableFields(api.ARENA_JOB)).toEqual([]);
});

test('rules under array items, map values and anyOf branches, and root rules with a fieldPath', () => {
  // The rule compares the field at its fieldPath (the node itself when there is none) with its old value.
  const rule = (fieldPath?: string) => ({ rule: `self${fieldPath ?? ''} == oldSelf${fieldPath ?? ''}`, message: 'field is immutable', fieldPath });
  const def: api.CustomResourceDefinitionSpec = {
    ...api.ARENA_CONFIG,
    validations: [rule('.spec.owner')],
    spec: {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { id: { 'type': 'string', 'x-kubernetes-validations': [rule()] } } } },
        map: { type: 'object', additionalProperties: { 'type': 'string', 'x-kubernetes-validations': [rule()] } },
        either: { 'anyOf': [{ type: 'string' }], 'x-kubernetes-validations': [{ rule: 'self.size() > 0', message: 'not a transition rule' }] },
        choice: { anyOf: [{ 'type': 'object', 'properties': { x: { type: 'string' } }, 'x-kubernetes-validations': [rule('.x')] }] },
      },
    },
  };
  expect(immutableFields(def)).toEqual(['spec.owner', 'spec.list[*].id', 'spec.map.*', 'spec.choice.x']);
});

describe('which transition rules make a field immutable', () => {
  const rule = (expression: string, fieldPath?: string) => ({ rule: expression, message: 'm', fieldPath });
  test.each([
    ['self == oldSelf on the field', rule('self == oldSelf'), 'spec.queue', 'spec.queue'],
    ['oldSelf == self on the field', rule('oldSelf==self'), 'spec.queue', 'spec.queue'],
    ['the fieldPath compared with its old value', rule('self.a.b == oldSelf.a.b', '.a.b'), 'spec', 'spec.a.b'],
    ['inside a condition on presence (GenericJob debug)', rule('has(self.d) ? has(oldSelf.d) && self.d == oldSelf.d : !has(oldSelf.d)', '.d'), 'spec', 'spec.d'],
    ['a root rule with a fieldPath', rule('self.spec.owner == oldSelf.spec.owner', '.spec.owner'), '', 'spec.owner'],
  ])('%s: immutable', (_name, r, nodePath, expected) => {
    expect(immutablePathOf(r, nodePath)).toBe(expected);
  });
  test.each([
    ['a root rule without a fieldPath', rule('!has(oldSelf.spec) || has(self.spec)'), ''],
    ['a root self == oldSelf (names no field)', rule('self == oldSelf'), ''],
    ['a rule that lets the value grow', rule('self >= oldSelf'), 'spec.replicas'],
    ['a rule that allows some changes', rule('oldSelf.phase == "Pending" || self.size() == oldSelf.size()'), 'spec.list'],
    ['a comparison of another field than the fieldPath', rule('self.ab == oldSelf.ab', '.a'), 'spec'],
    ['a comparison without a fieldPath (names no field)', rule('self.a == oldSelf.a'), 'spec'],
    ['a longer path than the fieldPath', rule('self.a.b == oldSelf.a.b', '.a'), 'spec'],
    ['a function of the field', rule('self.a.size() == oldSelf.a.size()', '.a'), 'spec'],
    ['a rule without oldSelf', rule('self.size() > 0'), 'spec.list'],
  ])('%s: not immutable', (_name, r, nodePath) => {
    expect(immutablePathOf(r, nodePath)).toBeUndefined();
  });

  test('a root rule that reads oldSelf without fieldPath does not make the whole object replace', () => {
    const def: api.CustomResourceDefinitionSpec = { ...api.ARENA_CONFIG, validations: [rule('!has(oldSelf.spec.x) || has(self.spec.x)')] };
    expect(immutableFields(def)).toEqual([]);
  });
});
