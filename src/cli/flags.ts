import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { InvalidArgumentError } from 'commander';
import { parseGoDurationMs } from './server-flags';

/**
 * Flag parsers of the `kubejobs` terminal commands. Commander prefixes their messages with
 * `option '--flag <value>' argument 'x' is invalid.`, so each message only has to say what is
 * expected and how to fix it.
 */

/**
 * A Go duration (`time.ParseDuration` without the sub-millisecond units), as arena's flags take:
 * `90s`, `1m30s`, `1h`, `500ms`.
 */
export function parseGoDuration(value: string): Duration {
  return Duration.millis(parseGoDurationMs(value));
}

/** An integer parser for a flag, at least `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`Expected an integer of at least ${min}.`);
    }
    return n;
  };
}

/** A repeatable `KEY=VALUE` flag (`--env A=1 --env B=2`), collected into an object. */
export function keyValue(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('Expected KEY=VALUE, e.g. LR=0.01; repeat the flag for more.');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** CPU cores: `2`, `0.5` or `500m`. */
export function parseCpu(value: string): kplus.Cpu {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(value);
  if (!match) throw new InvalidArgumentError('Expected CPU cores such as 2, 0.5 or 500m.');
  return match[2] === 'm' ? kplus.Cpu.millis(Number(match[1])) : kplus.Cpu.millis(Math.round(Number(match[1]) * 1000));
}

const SIZE_UNITS: Record<string, (n: number) => Size> = { Ki: Size.kibibytes, Mi: Size.mebibytes, Gi: Size.gibibytes, Ti: Size.tebibytes };

/** A size in Ki, Mi, Gi or Ti. */
export function parseSize(value: string): Size {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(value);
  if (!match) throw new InvalidArgumentError('Expected a whole size in Ki, Mi, Gi or Ti, such as 512Mi or 2Gi.');
  return SIZE_UNITS[match[2]!]!(Number(match[1]));
}
