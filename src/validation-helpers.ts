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
