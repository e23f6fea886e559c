/** Small checks and formatting shared by the constructs' prop validation. */

/** A DNS-1123 label (RFC 1123), what Kubernetes accepts as a name segment. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `n` is an integer in [min, max]. */
export function isIntegerIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

/** `'a', 'b' and 'c'` for messages. */
export function quoteList(items: readonly string[]): string {
  const quoted = items.map((i) => `'${i}'`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * The check TypeScript makes at compile time, made at run time for JavaScript callers: every
 * prop in `required` (prop name -> what to give, with an example) is set. Without it a missing
 * prop surfaces as a `TypeError` deep in the construct. Returns `props` for use in `super(...)`.
 */
export function requireProps<T extends object>(construct: string, props: T | undefined, required: Record<string, string>): T {
  const names = Object.keys(required);
  if (props === undefined || props === null || typeof props !== 'object') {
    throw new Error(`${construct} needs props: ${quoteList(names)} are required, e.g. new ${construct}(scope, 'id', { ${names.map((n) => `${n}: ...`).join(', ')} })`);
  }
  for (const [name, what] of Object.entries(required)) {
    if ((props as Record<string, unknown>)[name] === undefined || (props as Record<string, unknown>)[name] === null) {
      throw new Error(`'${name}' is required by ${construct} but was not given: set it to ${what}`);
    }
  }
  return props;
}
