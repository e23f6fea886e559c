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

/**
 * An age as kubectl prints it (apimachinery's `HumanDuration`): seconds up to 2 minutes, then
 * minutes with seconds (`2m30s`) up to 10 minutes, minutes up to 3 hours, hours with minutes
 * (`5h20m`) up to 8 hours, hours up to 2 days, days with hours (`3d4h`) up to 8 days, days up to 2
 * years, then years (with days up to 8 years).
 */
export function age(timestamp: string | undefined, now: number = Date.now()): string {
  if (!timestamp) return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

/** See {@link age}; `ms` may be slightly negative (clock skew): up to 2 s reads as `0s`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const withRest = (whole: number, unit: string, rest: number, restUnit: string) => (rest === 0 ? `${whole}${unit}` : `${whole}${unit}${rest}${restUnit}`);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}
