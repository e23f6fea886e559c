import { Command, CommanderError } from 'commander';
import { CliIo, PROCESS_IO } from './io';
import { UsageError } from './usage-error';

/** Exit codes of `kubejobs`, which scripts can rely on. */
export const EXIT = { done: 0, error: 1, usage: 2 } as const;

/** Routes a command tree's output to `io` and makes commander throw instead of exiting. */
function wire(command: Command, io: CliIo): void {
  command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err, outputError: io.err });
  for (const sub of command.commands) wire(sub, io);
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code:
 * 0 done, 1 error (the cluster refused, a job failed), 2 usage (a flag, an argument or a prop
 * the construct refuses). Errors are written to `io.err` as `error: <message>`.
 */
export async function runCli(program: Command, argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  wire(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.done;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help, or the version) already.
      return err.exitCode === 0 ? EXIT.done : EXIT.usage;
    }
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.error;
  }
}
