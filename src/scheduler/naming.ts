import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random characters of `[a-z0-9]`, as Radix's names use. */
export function randomName(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/**
 * A new batch name, as Radix makes it (B3): `batch-<component part>-<yyyyMMddHHmmss>-<8 random>`,
 * where the component part is the first 12 characters of the component name padded with random
 * characters to 16. kubejobs writes the time in UTC (upstream uses the scheduler's local time).
 */
export function newBatchName(component: string, now: Date, random: (n: number) => string = randomName): string {
  const part = component.slice(0, 12);
  const padded = part + random(16 - part.length);
  const pad = (v: number, w = 2) => String(v).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`
    + `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `batch-${padded}-${stamp}-${random(8)}`;
}

/** `count` distinct 8-character job names. */
export function newJobNames(count: number, random: (n: number) => string = randomName): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(random(8));
  return [...names];
}

/** The API name of a batch job: `<batch>-<job>`, also the name of its Kubernetes Job, Service and `RADIX_JOB_NAME`. */
export function apiJobName(batchName: string, jobName: string): string {
  return `${batchName}-${jobName}`;
}

/** Splits an API job name on its last `-` (Radix); undefined when it has none. */
export function parseApiJobName(name: string): { batchName: string; jobName: string } | undefined {
  const at = name.lastIndexOf('-');
  if (at <= 0 || at === name.length - 1) return undefined;
  return { batchName: name.slice(0, at), jobName: name.slice(at + 1) };
}
