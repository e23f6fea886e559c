import { Duration } from 'cdk8s';
import { MockedPulumi, useMocks, valueOf } from './pulumi-mocks';
import { FinishRule } from '../../src';

let pulumi: MockedPulumi['pulumi'];
let inputs: typeof import('../../src/pulumi/inputs');

beforeAll(async () => {
  pulumi = (await useMocks()).pulumi;
  inputs = await import('../../src/pulumi/inputs');
});

test('containsInputs finds outputs and promises in plain objects and arrays only', () => {
  expect(inputs.containsInputs({ a: [1, { b: 'x' }], d: Duration.seconds(1) })).toBe(false);
  expect(inputs.containsInputs({ a: [1, { b: pulumi.output('x') }] })).toBe(true);
  expect(inputs.containsInputs({ a: Promise.resolve('x') })).toBe(true);
  // A class instance is opaque, whatever it holds.
  const opaque = new (class { public readonly value = pulumi.output('x'); })();
  expect(inputs.containsInputs({ opaque })).toBe(false);
});

test('resolveInputs resolves nested inputs and keeps class instances as they are (pulumi.output would copy them)', async () => {
  const rule = FinishRule.ranks('worker', 0);
  const ttl = Duration.minutes(5);
  const value = { name: pulumi.output('train'), rules: [rule], nested: { ttl, list: [Promise.resolve(1), 2] } };
  const resolved = await valueOf(inputs.resolveInputs(value));
  expect(resolved).toEqual({ name: 'train', rules: [rule], nested: { ttl, list: [1, 2] } });
  expect(resolved.rules[0]).toBe(rule);
  expect(resolved.nested.ttl).toBe(ttl);
  expect(resolved.nested.ttl.toSeconds()).toEqual(300);
  // The contrast: pulumi.output copies class instances into plain objects without their methods.
  const copied: any = await valueOf(pulumi.output({ ttl }));
  expect(typeof copied.ttl.toSeconds).toBe('undefined');
});

test('resolveInputs keeps the secrecy of the inputs', async () => {
  const resolved = inputs.resolveInputs({ password: pulumi.secret('s3cr3t') });
  expect(await pulumi.isSecret(resolved)).toBe(true);
  expect(await valueOf(resolved)).toEqual({ password: 's3cr3t' });
});

test('nameRefOf keeps only the name of an object reference', () => {
  const name = pulumi.output('q');
  const component = { name, other: 'ignored' };
  expect(inputs.nameRefOf(component)).toEqual({ name });
  expect(inputs.nameRefOf('by-name')).toEqual('by-name');
  expect(inputs.nameRefOf(name)).toBe(name);
});
