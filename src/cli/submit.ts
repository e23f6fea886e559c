import { Command } from 'commander';
import { CliIo } from './io';
import { appWrapperJobCommand } from './submit-appwrapper';
import { arenaJobCommand } from './submit-arena';
import { genericJobCommand } from './submit-generic';

/** `kubejobs submit <kind>`: build a kubejobs construct from flags, then print or apply it. */
export function submitCommand(io: CliIo): Command {
  return new Command('submit')
    .description('Submit a job built from flags with the same construct a cdk8s app uses: --dry-run prints its YAML, otherwise it is applied server-side (field manager kubejobs).')
    .addCommand(appWrapperJobCommand(io))
    .addCommand(genericJobCommand(io))
    .addCommand(arenaJobCommand(io))
    .addHelpText('after', `
Example:
  kubejobs submit appwrapperjob --name pytorch-test --image pytorch/pytorch:latest --gpus 1 --workers 2 "python train.py"`);
}
