import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { UsageError } from './usage-error';

/** A Kubernetes object as synthesised. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** What {@link synthesize} returns: the YAML `--dry-run` prints and the objects it stands for. */
export interface Synthesized {
  readonly yaml: string;
  readonly objects: ManifestObject[];
}

/**
 * Builds a construct in a fresh cdk8s App and Chart and synthesises it, so that a terminal
 * submission goes through the same checks and rendering as a cdk8s app. A construct error (at
 * construction or at synth) becomes a {@link UsageError}, its message completed by `explain`
 * (which names the flags behind the props the message names).
 */
export function synthesize(namespace: string | undefined, build: (chart: Chart) => Construct, explain: (message: string) => string): Synthesized {
  const app = new App();
  const chart = new Chart(app, 'kubejobs', { namespace });
  try {
    build(chart);
  } catch (err) {
    throw new UsageError(explain((err as Error).message));
  }
  // Validate first so that the messages are the constructs' own, without cdk8s' wrapping.
  const errors = chart.node.findAll().flatMap((c) => c.node.validate());
  if (errors.length > 0) throw new UsageError(errors.map(explain).join('\n'));
  const yaml = app.synthYaml();
  const objects = parseAllDocuments(yaml).map((d) => d.toJSON() as ManifestObject).filter((o) => o !== null);
  return { yaml, objects };
}
