import { Duration } from 'cdk8s';

/**
 * A cdk8s `Duration` as a Go duration string (`90s` -> `1m30s`), the format upstream Go
 * controllers parse with `time.ParseDuration`.
 */
export function toGoDuration(d: Duration): string {
  let ms = d.toMilliseconds();
  if (ms === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('');
}
