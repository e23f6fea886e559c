import { InvalidArgumentError } from 'commander';

// Flag parsers the server commands (`controller`, `job-scheduler`) use, the terminal commands too.
// Kept apart from flags.ts, whose parsers build cdk8s values: the container image ships without cdk8s.

/** `true` or `false`. */
export function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`'${value}' is not a boolean: use true or false`);
}

/** Reconciles at once: 1 to 1000. */
export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`'${value}' must be an integer from 1 to 1000`);
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration in ms (`time.ParseDuration` without the sub-millisecond units), as arena's flags
 * take: `90s`, `1m30s`, `1h`, `500ms`, `0`.
 */
export function parseGoDurationMs(value: string): number {
  if (value === '0') return 0;
  const parts = value.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (!parts || parts.join('') !== value) {
    throw new InvalidArgumentError('Expected a Go duration such as 90s, 5m, 1m30s or 1h.');
  }
  let ms = 0;
  for (const part of parts) {
    const [, n, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(part)!;
    ms += Number(n) * DURATION_UNITS_MS[unit!]!;
  }
  return Math.round(ms);
}

/** A positive Go duration (`500ms`, `30s`, `1m30s`, `1h`), as Kubernetes' own flags take. */
export function parseDuration(value: string): number {
  let ms = 0;
  try {
    ms = parseGoDurationMs(value);
  } catch {
    // Not a duration: the message below says what is.
  }
  if (ms <= 0) throw new InvalidArgumentError(`'${value}' must be a positive duration such as 500ms, 30s, 5m or 1h`);
  return ms;
}

/** A TCP port. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`'${value}' must be a port from 1 to 65535`);
  return n;
}

/** An integer of at least 1. */
export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' must be a positive integer`);
  return n;
}
