// Runs a Pulumi TypeScript project's program (compiled to index.js next to this file) through the
// Automation API as an inline program, in a process of its own with the project's own
// node_modules, as `pulumi up` / `pulumi destroy` would. Usage: node quickstart-driver.js up|destroy
// The workspace settings come as JSON in KUBEJOBS_TEST_WORKSPACE (test-stack.ts's
// testWorkspaceSettings), the engine's root in KUBEJOBS_TEST_PULUMI_ROOT. Prints one JSON line.
const { LocalWorkspace, PulumiCommand } = require('@pulumi/pulumi/automation');
const pulumi = require('@pulumi/pulumi');

const SKIP_AWAIT_TYPES = ['kubernetes:apps/v1:Deployment', 'kubernetes:core/v1:Service'];

async function main(action) {
  const settings = JSON.parse(process.env.KUBEJOBS_TEST_WORKSPACE);
  const pulumiCommand = await PulumiCommand.get({ root: process.env.KUBEJOBS_TEST_PULUMI_ROOT });
  const program = async () => {
    // No kubelet in the test cluster: Deployments and Services never become ready.
    pulumi.runtime.registerResourceTransform(async (args) => {
      if (!SKIP_AWAIT_TYPES.includes(args.type)) return undefined;
      const metadata = args.props.metadata || {};
      return { props: { ...args.props, metadata: { ...metadata, annotations: { ...metadata.annotations, 'pulumi.com/skipAwait': 'true' } } }, opts: args.opts };
    });
    return { ...require('./index.js') };
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: 'dev', projectName: settings.projectSettings.name, program }, { ...settings, pulumiCommand });
  const onOutput = (s) => process.stderr.write(s);
  if (action === 'up') {
    const result = await stack.up({ onOutput });
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
    process.stdout.write(`${JSON.stringify({ result: result.summary.result, changes: result.summary.resourceChanges, outputs })}\n`);
  } else if (action === 'destroy') {
    const result = await stack.destroy({ onOutput });
    process.stdout.write(`${JSON.stringify({ result: result.summary.result, changes: result.summary.resourceChanges })}\n`);
  } else {
    throw new Error(`unknown action '${action}': use up or destroy`);
  }
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
