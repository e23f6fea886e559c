import { applyObjects } from './apply';
import { connect } from './cluster';
import { CliIo } from './io';
import { synthesize } from './synth';

// What every `kubejobs submit <kind>` does once its flags are props: the construct builds the
// objects (so every check and message is the construct's), then they are printed or applied.

/**
 * Completes a construct message with the flags behind the props it names. A prop may be a path
 * with `[]` for any index (`replicaSpecs[].gpusPerPod`); where the message names a field under a prop
 * that is mapped too, the deeper path's flag is the one (`--gpus`, not `--replica`).
 */
export function explainWithFlags(message: string, flagOfProp: Record<string, string>): string {
  const named = Object.keys(flagOfProp).filter((prop) => mentions(message, prop));
  const deepest = named.filter((prop) => !named.some((other) => other.startsWith(`${prop}[`) || other.startsWith(`${prop}.`)));
  const flags = deepest.map((prop) => flagOfProp[prop]!);
  return flags.length > 0 ? `${message} (set by ${[...new Set(flags)].join(', ')})` : message;
}

/** Whether the message quotes `prop` (`'replicas'`) or a field under it (`'replicaSpecs[0]...'`). */
function mentions(message: string, prop: string): boolean {
  const path = prop.split('[]').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\[\\d+\\]');
  return new RegExp(`'${path}('|\\[)`).test(message);
}

/**
 * Synthesises a construct and prints it (`--dry-run`) or applies it. `--dry-run` reads no
 * kubeconfig, so without `--namespace` the YAML names no namespace, as `kubectl create
 * --dry-run=client -o yaml` prints it; `kubectl apply -f` then uses the context's namespace.
 */
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
