import { ApiObject, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver, resolve } from 'cdk8s';

/**
 * A faster equivalent of cdk8s' `sanitizeValue(resolve(key, value, apiObject), { sortKeys })`, the
 * core of `ApiObject.toJson()`, for apps that resolve with cdk8s' built-in resolvers only (issue 14:
 * a custom resource's spec, with its pod templates, is rendered twice per synth; rendering was
 * about a tenth of a GenericJob's synth in the profile the README quotes).
 *
 * cdk8s' `resolve` offers every node of the value to every resolver of the app, looking the app up
 * again for each node and allocating a context and a key path per node, then `sanitizeValue`
 * copies the result once more. With the built-in resolvers only, a node that is a primitive, a
 * plain array or a plain object (none with a `resolve()` method, which `ImplicitTokenResolver`
 * would call, nor a number or string `value` on an array, which `NumberStringUnionResolver` would
 * take) is left as it is by every resolver, so it is copied here in one pass; a `Lazy` is replaced
 * by what it produces, as `LazyResolver` does; any other node (a token, a `Quantity`, an instance
 * of any class) is handed to cdk8s' own `resolve` with its exact key path, then sanitised.
 * The result is the same value (test/fast-render.test.ts: value shapes, and whole apps of every
 * benchmark workload, sorted and unsorted, against cdk8s as the oracle).
 */
export function resolveAndSanitize(key: readonly string[], value: unknown, apiObject: ApiObject, sortKeys: boolean): unknown {
  return walk(value, { apiObject, sanitize: true, sortKeys, root: key }, undefined);
}

/**
 * cdk8s' `resolve(key, value, apiObject)` alone (nothing dropped, keys in their order), by the same
 * fast path as {@link resolveAndSanitize}; for apps with cdk8s' built-in resolvers only.
 */
export function resolveBuiltIn(key: readonly string[], value: unknown, apiObject: ApiObject): unknown {
  return walk(value, { apiObject, sanitize: false, sortKeys: false, root: key }, undefined);
}

/** Whether `app` resolves with cdk8s' built-in resolvers only (no `resolvers` given to the App). */
export function hasOnlyBuiltInResolvers(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3 && r[0]?.constructor === LazyResolver && r[1]?.constructor === ImplicitTokenResolver
    && r[2]?.constructor === NumberStringUnionResolver;
}

interface WalkContext {
  readonly apiObject: ApiObject;
  /** Also what `sanitizeValue` does: nulls dropped from objects (and turned undefined), keys sorted when `sortKeys`. */
  readonly sanitize: boolean;
  readonly sortKeys: boolean;
  readonly root: readonly string[];
}

/** The key path of a node, kept as a chain and turned into cdk8s' `string[]` only when handed over. */
interface KeyPath {
  readonly parent: KeyPath | undefined;
  readonly key: string;
}

function keyArray(ctx: WalkContext, path: KeyPath | undefined): string[] {
  const keys: string[] = [];
  for (let p = path; p; p = p.parent) keys.push(p.key);
  return [...ctx.root, ...keys.reverse()];
}

function walk(value: unknown, ctx: WalkContext, path: KeyPath | undefined): unknown {
  if (value === null || value === undefined) return ctx.sanitize ? undefined : value;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  // What `LazyResolver`, the first built-in resolver, does: the produced value is resolved in its place.
  if (value instanceof Lazy) return walk(value.produce(), ctx, path);
  if (type === 'object') {
    const node = value as Record<string, unknown>;
    if (typeof node.resolve !== 'function') {
      if (Array.isArray(node)) {
        const inner = typeof (node as { value?: unknown }).value;
        if (inner !== 'number' && inner !== 'string') {
          return node.map((x, i) => walk(x, ctx, { parent: path, key: `${i}` }));
        }
      } else if (node.constructor == Object) { // eslint-disable-line eqeqeq -- as cdk8s' resolve tests it
        const keys = Object.keys(node);
        if (ctx.sortKeys) keys.sort();
        const out: Record<string, unknown> = {};
        for (const k of keys) {
          const v = walk(node[k], ctx, { parent: path, key: k });
          if (!ctx.sanitize || (v !== null && v !== undefined)) out[k] = v;
        }
        return out;
      }
    }
  }
  const resolved = resolve(keyArray(ctx, path), value, ctx.apiObject);
  return ctx.sanitize ? sanitize(resolved, ctx.sortKeys) : resolved;
}

/** cdk8s' `sanitizeValue` with `{ sortKeys }`: nulls dropped from objects, keys sorted, only plain objects. */
function sanitize(value: unknown, sortKeys: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((x) => sanitize(x, sortKeys));
  if (value.constructor.name !== 'Object') {
    throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  }
  const node = value as Record<string, unknown>;
  const keys = Object.keys(node);
  if (sortKeys) keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = sanitize(node[k], sortKeys);
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}
