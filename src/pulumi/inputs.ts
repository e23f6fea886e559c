import * as pulumi from '@pulumi/pulumi';
import { ApiObjectMetadata } from 'cdk8s';
import { isPlainObject } from '../internal/plain-object';

/**
 * `T` (a construct's props) with the fields `K` also accepting a `pulumi.Input`: a value that
 * usually comes from another resource (a namespace, an image, a queue or secret name). Whether a
 * field is optional stays as in `T`.
 */
export type WithInputs<T, K extends keyof T> = Omit<T, K> & {
  readonly [P in keyof Pick<T, K>]: pulumi.Input<Exclude<T[P], undefined>>;
};

/**
 * Metadata of a custom resource where name, namespace, labels and annotations accept
 * `pulumi.Input`s.
 */
export type MetadataArgs = Omit<WithInputs<ApiObjectMetadata, 'name' | 'namespace'>, 'labels' | 'annotations'> & {
  /**
   * Labels.
   *
   * @default - none
   */
  readonly labels?: pulumi.Input<{ readonly [key: string]: pulumi.Input<string> }>;
  /**
   * Annotations.
   *
   * @default - none
   */
  readonly annotations?: pulumi.Input<{ readonly [key: string]: pulumi.Input<string> }>;
};

/**
 * Whether `value` holds a `pulumi.Output` or a promise anywhere in its plain objects and arrays,
 * i.e. whether it can only be rendered once the engine has resolved it.
 */
export function containsInputs(value: unknown): boolean {
  let found = false;
  walk(value, () => {
    found = true;
  });
  return found;
}

/**
 * Resolves every `pulumi.Output` and promise in the plain objects and arrays of `value`, and
 * returns a copy of `value` with the resolved values in their place.
 *
 * Unlike `pulumi.output(value)`, objects that are not plain (cdk8s `Duration`, cdk8s-plus
 * `Volume`, `EnvValue`, our `FinishRule`, Pulumi resources, ...) are kept as they are: construct
 * props are full of class instances whose methods the construct calls, and `pulumi.output`
 * would copy them into plain objects. The result carries the inputs' dependencies and secrecy.
 */
export function resolveInputs<T>(value: T): pulumi.Output<T> {
  const inputs: unknown[] = [];
  walk(value, (input) => inputs.push(input));
  return pulumi.all(inputs.map((i) => pulumi.output(i))).apply((resolved) => {
    let next = 0;
    return rebuild(value, () => resolved[next++]) as T;
  });
}

/**
 * An `Output` of `value` that is not copied: `pulumi.output(x)` deep-copies `x` (and fails on
 * circular structures such as constructs), but the result of `apply` is kept as is.
 */
export function outputOf<T>(value: T): pulumi.Output<T> {
  return pulumi.output(undefined).apply(() => value);
}

function isInput(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

// walk and rebuild visit the inputs in the same order: arrays by index, objects by key order.
function walk(value: unknown, onInput: (input: unknown) => void): void {
  if (isInput(value)) onInput(value);
  else if (Array.isArray(value)) value.forEach((v) => walk(v, onInput));
  else if (isPlainObject(value)) Object.values(value).forEach((v) => walk(v, onInput));
}

function rebuild(value: unknown, nextResolved: () => unknown): unknown {
  if (isInput(value)) return nextResolved();
  if (Array.isArray(value)) return value.map((v) => rebuild(v, nextResolved));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rebuild(v, nextResolved)]));
  return value;
}

/**
 * A reference by name to another kubejobs object: its component (whose `name` is an output), a
 * cdk8s construct, or `{ name }` of an existing one.
 */
export interface NameRef {
  /** Name of the object. */
  readonly name: pulumi.Input<string>;
}

/**
 * `{ name }` of a reference, so that a component passed as a reference is not walked as props:
 * only its name is an input of the referring object.
 */
export function nameRefOf<T>(ref: T): T extends NameRef ? NameRef : T {
  const isRef = typeof ref === 'object' && ref !== null && !isInput(ref) && 'name' in ref;
  return (isRef ? { name: (ref as unknown as NameRef).name } : ref) as T extends NameRef ? NameRef : T;
}
