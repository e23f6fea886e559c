import { ApiObject, App, Chart, IResolver, Lazy, resolve, ResolutionContext, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { WORKLOADS } from '../bench/synth-workloads';
import { GenericJob } from '../src';
import { hasOnlyBuiltInResolvers, resolveAndSanitize, resolveBuiltIn } from '../src/internal/fast-render';

/**
 * The fast path must give exactly what cdk8s gives: `ApiObject.toJson()` (resolve, then sanitise)
 * and `resolve()` alone are the oracles, on values with every kind of node cdk8s' built-in
 * resolvers treat differently.
 */
const VALUES: Record<string, () => unknown> = {
  'primitives and nulls': () => ({ b: 'x', a: 1, c: true, d: null, e: undefined, f: 0, g: '', h: false }),
  'nested objects and arrays, nulls inside arrays': () => ({ z: [{ y: 1, x: [null, 'a', undefined, { q: null }] }], a: { c: { e: [], d: {} } } }),
  'integer-like and unsorted keys': () => ({ 10: 'ten', 2: 'two', b: { z: 1, a: 2 }, a: 'first' }),
  'a Lazy, also nested in what it produces': () => ({ spec: Lazy.any({ produce: () => ({ k: Lazy.any({ produce: () => ['v', null] }), j: undefined }) }) }),
  'a Lazy producing null': () => ({ a: Lazy.any({ produce: () => null }), b: 1 }),
  'an implicit token (resolve())': () => ({ a: { resolve: () => ({ z: 1, y: [2, null] }) }, b: [{ resolve: () => 'from token' }] }),
  'Quantity and IntOrString (number-or-string unions)': () => ({
    limits: { memory: kplus.k8s.Quantity.fromString('1Gi'), cpu: kplus.k8s.Quantity.fromNumber(2) },
    port: kplus.k8s.IntOrString.fromNumber(8080),
    list: [kplus.k8s.IntOrString.fromString('http')],
  }),
  'an array with a string value property': () => ({ a: Object.assign(['x'], { value: 'union' }) }),
};

function scratchObject(): ApiObject {
  return new ApiObject(Testing.chart(), 'obj', { apiVersion: 'v1', kind: 'Thing' });
}

describe('resolveAndSanitize', () => {
  test.each(Object.keys(VALUES))('equals what ApiObject.toJson() renders: %s', (name) => {
    const chart = Testing.chart();
    const oracle = new ApiObject(chart, 'oracle', { apiVersion: 'v1', kind: 'Thing', spec: VALUES[name]!() }).toJson().spec;
    const fast = resolveAndSanitize(['spec'], VALUES[name]!(), scratchObject(), true);
    expect(fast).toStrictEqual(oracle);
    expect(JSON.stringify(fast)).toEqual(JSON.stringify(oracle));
  });

  test('keeps the key order when not sorting (CDK8S_DISABLE_SORT)', () => {
    expect(Object.keys(resolveAndSanitize([], { b: 1, a: 2 }, scratchObject(), false) as object)).toEqual(['b', 'a']);
    expect(Object.keys(resolveAndSanitize([], { b: 1, a: 2 }, scratchObject(), true) as object)).toEqual(['a', 'b']);
  });

  test('refuses an object cdk8s cannot render, with cdk8s\' words', () => {
    class Opaque { public readonly x = 1; }
    expect(() => resolveAndSanitize([], { a: new Opaque() }, scratchObject(), true)).toThrow("can't render non-simple object of type 'Opaque'");
  });
});

describe('resolveBuiltIn', () => {
  test.each(Object.keys(VALUES))('equals cdk8s resolve(): %s', (name) => {
    const obj = scratchObject();
    expect(resolveBuiltIn(['spec'], VALUES[name]!(), obj)).toStrictEqual(resolve(['spec'], VALUES[name]!(), obj));
  });

  test('hands a node it does not handle to cdk8s with its key path', () => {
    const seen: string[][] = [];
    const token = { resolve: () => 'v' };
    // cdk8s' ImplicitTokenResolver calls resolve() with no arguments; the key path is checked on
    // a resolver of an app that the fast path is not used for, so record it from cdk8s' side.
    const app = new App({ resolvers: [{ resolve: (c: ResolutionContext) => { if (c.value === token) seen.push(c.key); } }] });
    const obj = new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'Thing' });
    resolveBuiltIn(['spec'], { a: [{ b: token }] }, obj);
    expect(seen).toEqual([['spec', 'a', '0', 'b']]);
  });
});

describe('hasOnlyBuiltInResolvers', () => {
  test('true for a default App, false with a resolver of its own', () => {
    const custom: IResolver = { resolve: () => undefined };
    expect(hasOnlyBuiltInResolvers(new App())).toBe(true);
    expect(hasOnlyBuiltInResolvers(new App({ resolvers: [custom] }))).toBe(false);
  });
});

describe('custom resources render through cdk8s when the fast path does not apply', () => {
  const props = { replicaSpecs: [{ type: 'worker', replicas: 2, containers: [{ image: 'busybox:1.36', command: ['echo', 'hi'] }] }] };

  test('an app resolver of its own is applied to the custom resource', () => {
    // Rewrites every 'hi' (a resolver sees each value of the object).
    const app = new App({ resolvers: [{ resolve: (c: ResolutionContext) => { if (c.value === 'hi') c.replaceValue('hello'); } }] });
    const chart = new Chart(app, 'c');
    new GenericJob(chart, 'job', props);
    const [job] = chart.toJson();
    expect(job.spec.replicaSpecs[0].template.spec.containers[0].command).toEqual(['echo', 'hello']);
  });

  test('the same object renders the same with and without the fast path', () => {
    const fastChart = new Chart(new App(), 'c');
    new GenericJob(fastChart, 'job', props);
    const slowChart = new Chart(new App({ resolvers: [{ resolve: () => undefined }] }), 'c');
    new GenericJob(slowChart, 'job', props);
    expect(JSON.stringify(fastChart.toJson())).toEqual(JSON.stringify(slowChart.toJson()));
  });
});

describe('whole apps: the fast path gives what cdk8s gives, and is taken', () => {
  /** `app.synthYaml()` of three constructs of one workload, with or without a do-nothing resolver (which turns the fast path off). */
  function synthYaml(kind: keyof typeof WORKLOADS, withResolver: boolean): string {
    const app = new App(withResolver ? { resolvers: [{ resolve: () => undefined }] } : {});
    const chart = new Chart(app, 'bench', { namespace: 'ns' });
    for (let i = 0; i < 3; i++) WORKLOADS[kind](chart, i);
    return app.synthYaml();
  }

  const cases = Object.keys(WORKLOADS).flatMap((kind) => [[kind, 'sorted'], [kind, 'unsorted (CDK8S_DISABLE_SORT)']]);
  test.each(cases)('%s, %s: the same YAML as cdk8s renders', (kind, order) => {
    const before = process.env.CDK8S_DISABLE_SORT;
    if (order !== 'sorted') process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const fast = synthYaml(kind as keyof typeof WORKLOADS, false);
      expect(fast).toContain('kind:');
      expect(fast).toEqual(synthYaml(kind as keyof typeof WORKLOADS, true));
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = before;
    }
  });

  test('a GenericJob in a default app is not rendered by ApiObject.toJson (a silent fallback would only cost time)', () => {
    const toJson = jest.spyOn(ApiObject.prototype, 'toJson');
    try {
      const yaml = synthYaml('GenericJob', false);
      expect(yaml).toContain('kind: GenericJob');
      const rendered = toJson.mock.contexts.map((o) => (o as ApiObject).kind);
      expect(rendered).not.toContain('GenericJob');
      // The spy does see cdk8s' own rendering when the fast path is off.
      synthYaml('GenericJob', true);
      expect(toJson.mock.contexts.map((o) => (o as ApiObject).kind)).toContain('GenericJob');
    } finally {
      toJson.mockRestore();
    }
  });
});

describe('a failed rendering', () => {
  test('is reported in cdk8s\' words, and a Lazy is produced once', () => {
    let produced = 0;
    const chart = Testing.chart();
    new GenericJob(chart, 'job', {
      metadata: { labels: { team: Lazy.any({ produce: () => { produced++; throw new Error('no team'); } }) as unknown as string } },
      replicaSpecs: [{ type: 'worker', replicas: 1, containers: [{ image: 'busybox:1.36' }] }],
    });
    expect(() => Testing.synth(chart)).toThrow(/^Failed serializing construct at path 'test\/job\/[^']*' with name '[^']+': Error: no team/);
    expect(produced).toBe(1);
  });
});
