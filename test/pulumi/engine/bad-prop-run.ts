// Runs, through the real engine, `preview` and then `up` of a program whose only resource is a
// GenericJob with a bad prop, in a process of its own (run with ts-node by
// programs.cluster.test.ts): when the bad value comes from an output, the failed render rejects
// outputs inside the inline program's process, and that must not reach jest.
// Input: the workspace settings as JSON in KUBEJOBS_TEST_WORKSPACE (test-stack.ts's
// testWorkspaceSettings), the engine's root in KUBEJOBS_TEST_PULUMI_ROOT, the bad props as JSON
// in KUBEJOBS_TEST_BAD_PROPS, and in KUBEJOBS_TEST_BAD_INPUT how they arrive: `known` (plain
// values: the component renders in its constructor) or `output` (the name is a `pulumi.Output`: the
// component renders when it resolves). Output: one JSON line,
// `{ previewError, upError, unhandled, inState }` (the preview's and the update's error messages,
// the unhandled rejections seen, the types of the resources in the state afterwards).
import * as pulumi from '@pulumi/pulumi';
import { LocalWorkspace, PulumiCommand } from '@pulumi/pulumi/automation';
import * as kj from '../../../src/pulumi';

const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => { unhandled.push(reason instanceof Error ? reason.message : String(reason)); });

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.KUBEJOBS_TEST_WORKSPACE!);
  const badProps = JSON.parse(process.env.KUBEJOBS_TEST_BAD_PROPS!);
  const input = process.env.KUBEJOBS_TEST_BAD_INPUT;
  if (input !== 'known' && input !== 'output') throw new Error(`KUBEJOBS_TEST_BAD_INPUT is '${input}': use known or output`);
  const pulumiCommand = await PulumiCommand.get({ root: process.env.KUBEJOBS_TEST_PULUMI_ROOT! });
  const program = async (): Promise<void> => {
    const args = input === 'known' ? badProps : { ...badProps, metadata: { ...badProps.metadata, name: pulumi.output(badProps.metadata.name) } };
    new kj.GenericJob('bad', args);
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: `bad-${input}`, projectName: settings.projectSettings.name, program }, { ...settings, pulumiCommand });
  const errorOf = async (run: () => Promise<unknown>): Promise<string | undefined> => {
    try {
      await run();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
  const onOutput = (s: string): void => { process.stderr.write(s); };
  const previewError = await errorOf(() => stack.preview({ onOutput }));
  const upError = await errorOf(() => stack.up({ onOutput }));
  const state = await stack.exportStack();
  const inState = (state.deployment?.resources ?? []).map((r: { type: string }) => r.type);
  process.stdout.write(`${JSON.stringify({ previewError, upError, unhandled, inState })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
