import { styleText } from 'node:util';
import { stringify } from 'yaml';

/** `-o` values of the read commands. */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
/** One `-o` value. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** The colour of a status or event type; none for the rest. */
const COLOURS: Record<string, Parameters<typeof styleText>[0]> = {
  SUCCEEDED: 'green',
  Succeeded: 'green',
  RUNNING: 'cyan',
  Running: 'cyan',
  PENDING: 'yellow',
  QUEUING: 'yellow',
  SUSPENDED: 'yellow',
  Pending: 'yellow',
  Warning: 'yellow',
  FAILED: 'red',
  Failed: 'red',
};

/**
 * Columns padded to their widest cell, separated by three spaces, as kubectl prints them. The
 * cells of the `colour` columns (e.g. `STATUS`) that hold a status or `Warning` are coloured; the
 * padding stays outside the escape codes, so columns still line up. Whether to colour at all is the
 * caller's choice (`CliIo.colour`), so the stream is not checked here.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], colour: readonly string[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const painted = new Set(colour.map((c) => header.indexOf(c)));
  const paint = (c: string, i: number) => (painted.has(i) && COLOURS[c] ? styleText(COLOURS[c]!, c, { validateStream: false }) : c);
  const line = (cells: readonly string[], paintCells: boolean) => cells.map((c, i) => {
    const text = paintCells ? paint(c, i) : c;
    return i === cells.length - 1 ? text : text + ' '.repeat(widths[i]! - c.length);
  }).join('   ').trimEnd();
  return [line(header, false), ...rows.map((r) => line(r, true))].join('\n') + '\n';
}

/** A machine-readable document: `-o json` (2-space indent) or `-o yaml`. */
export function serialize(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

/** kubectl's age: `45s`, `12m`, `3h`, `2d`. */
export function age(timestamp: string | undefined, now: number = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
