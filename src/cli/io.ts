/** Where a command writes: the process' streams, or a test's buffers. */
export interface CliIo {
  /** Standard output (results, YAML). */
  readonly out: (text: string) => void;
  /** Standard error (errors, progress). */
  readonly err: (text: string) => void;
}

/** The process' own streams. */
export const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
