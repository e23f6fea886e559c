#!/usr/bin/env node
import { Command } from 'commander';
import { controllerCommand } from './cli/controller';
import { CliIo, PROCESS_IO } from './cli/io';
import { jobSchedulerCommand } from './cli/job-scheduler';
import { runCli } from './cli/run';
import { PACKAGE_VERSION } from './package-version';

/** The `kubejobs` command line. */
export function buildProgram(io: CliIo = PROCESS_IO, options: { terminalCommands?: boolean } = {}): Command {
  const program = new Command('kubejobs').description('kubejobs: the controller of GenericJob, ArenaJob and RadixBatch resources, the Radix job-scheduler, and terminal commands to submit and follow jobs.').version(PACKAGE_VERSION);
  program.addCommand(controllerCommand());
  program.addCommand(jobSchedulerCommand());
  if (options.terminalCommands ?? true) {
    // Loaded only when needed: the constructs (cdk8s) would cost the controller memory for nothing.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { deleteCommand, getCommand, listCommand, waitCommand } = require('./cli/jobs') as typeof import('./cli/jobs');
    let submit: Command;
    try {
      submit = (require('./cli/submit') as typeof import('./cli/submit')).submitCommand(io);
    } catch (err) {
      // The container image ships without the constructs' peer dependencies.
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
      submit = new Command('submit').description('Submit a job built from flags (needs cdk8s, cdk8s-plus-28 and constructs installed)')
        .allowUnknownOption().argument('[args...]').action(() => {
          throw new Error(`kubejobs submit builds the constructs, which need their peer dependencies: npm install cdk8s cdk8s-plus-28 constructs (${(err as Error).message.split('\n')[0]})`);
        });
    }
    const { completionCommand } = require('./cli/completion') as typeof import('./cli/completion');
    const { logsCommand } = require('./cli/logs') as typeof import('./cli/logs');
    const terminal = [submit, listCommand(io), getCommand(io), waitCommand(io), deleteCommand(io), logsCommand(io)];
    terminal.push(completionCommand(io, () => program));
    for (const command of terminal) {
      program.addCommand(command);
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
    // A job's life from a terminal, so that `kubejobs --help` alone gets a user started.
    program.addHelpText('after', `
Examples:
  kubejobs submit genericjob --name mnist --image python:3.12 --user 1000 "python -c 'print(42)'"
  kubejobs list
  kubejobs logs mnist -f
  kubejobs wait mnist --for complete --timeout 30m
  kubejobs delete mnist`);
  }
  return program;
}

if (require.main === module) {
  // Exit codes: 0 done, 1 error, 2 usage (see runCli). The servers keep running once started;
  // the one-shot commands exit at once rather than wait for idle keep-alive sockets to close.
  const args = process.argv.slice(2);
  // `kubejobs logs ... | head`: a reader that closed the pipe has all it wants; exit quietly, as
  // kubectl does, instead of dying on the write error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const serving = args[0] === 'controller' || args[0] === 'job-scheduler';
  void runCli(buildProgram(PROCESS_IO, { terminalCommands: !serving }), args).then((code) => {
    if (code !== 0 || !serving) process.exit(code);
  });
}
