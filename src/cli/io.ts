/** Where a command writes: the process' streams, or a test's buffers. */
export interface CliIo {
  /** Standard output (results, YAML). */
  readonly out: (text: string) => void;
  /** Standard error (errors, progress). */
  readonly err: (text: string) => void;
  /** Colour the tables on stdout (a terminal that wants colour); default false. */
  readonly colour?: boolean;
  /** Write progress lines on stderr (a terminal); default false. */
  readonly progress?: boolean;
}

/**
 * The process' own streams. Colour only when stdout is a terminal and neither `NO_COLOR`
 * (no-color.org) nor `TERM=dumb` says otherwise; progress lines only when stderr is a terminal,
 * so a script reading either stream never gets escape codes or carriage returns.
 */
export const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  get colour() {
    return process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  },
  get progress() {
    return process.stderr.isTTY === true;
  },
};
