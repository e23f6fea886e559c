import { applyObjects } from './apply';
import { connect } from './cluster';
import { CliIo } from './io';
import { synthesize } from './synth';

// What every `kubejobs submit <kind>` does once its flags are props: the construct builds the
// objects (so every check and message is the construct's), then they are printed or applied.

/** Completes a construct message with the flags behind the props it names. */
export function explainWithFlags(message: string, flagOfProp: Record<string, string>): string {
  const flags = Object.entries(flagOfProp).filter(([prop]) => message.includes(`'${prop}'`) || message.includes(`'${prop}[`)).map(([, flag]) => flag);
  return flags.length > 0 ? `${message} (set by ${[...new Set(flags)].join(', ')})` : message;
}

/** Synthesises a construct and prints it (`--dry-run`) or applies it. */
export async function submitConstruct(
  io: CliIo,
  flags: { namespace?: string; kubeconfig?: string; dryRun?: boolean },
  build: Parameters<typeof synthesize>[1],
  explain: (message: string) => string,
): Promise<void> {
  if (flags.dryRun) {
    io.out(synthesize(flags.namespace, build, explain).yaml);
    return;
  }
  const session = connect(flags);
  const { objects } = synthesize(session.namespace, build, explain);
  for (const line of await applyObjects(session.client, session.namespace, objects)) io.out(`${line}\n`);
}
