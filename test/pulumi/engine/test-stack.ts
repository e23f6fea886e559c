import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalWorkspace, ProjectSettings, PulumiCommand, PulumiFn, Stack } from '@pulumi/pulumi/automation';
import { killEngineProcesses } from './engine-processes';
import { PulumiEngine } from './pulumi-engine';

/** Options of {@link createTestStack}. */
export interface TestStackOptions {
  readonly engine: PulumiEngine;
  /** The kubeconfig the provider uses (the default provider reads `KUBECONFIG`). */
  readonly kubeconfigPath: string;
  /** The inline program: runs in this process, served to the engine by the Automation API. */
  readonly program: PulumiFn;
  /** Project name (default `kubejobs-test`). */
  readonly project?: string;
}

/** A stack in its own temporary workspace: file backend, passphrase secrets, its own PULUMI_HOME. */
export interface TestStack {
  readonly stack: Stack;
  /** The workspace directory; removed by {@link TestStack.remove}. */
  readonly dir: string;
  /** Collects what the engine prints; pass as `onOutput` of up/preview/destroy. */
  readonly onOutput: (out: string) => void;
  /**
   * `{ onOutput, signal }`: spread into the options of every up/preview/destroy, so that
   * {@link TestStack.remove} can interrupt an operation a failed or timed-out test left running.
   */
  readonly opts: { readonly onOutput: (out: string) => void; readonly signal: AbortSignal };
  /** What the engine printed so far, for failure messages. */
  printed(): string;
  /**
   * Interrupts an operation still running (SIGINT to `pulumi` through the options' signal), removes
   * the stack's lock (`stack.cancel()`), destroys what is left (a no-op when nothing is), stops any
   * engine process this process started that is still alive (by PID), and removes the workspace.
   */
  remove(): Promise<void>;
}

/** The passphrase of the test stacks' secrets provider: the state is throw-away. */
const PASSPHRASE = 'kubejobs-test-only';

/** The serialisable part of a test workspace's `LocalWorkspaceOptions` (all but the command). */
export interface TestWorkspaceSettings {
  readonly workDir: string;
  readonly pulumiHome: string;
  readonly projectSettings: ProjectSettings;
  readonly secretsProvider: string;
  readonly envVars: Record<string, string>;
}

/**
 * The workspace settings of a test stack in `dir`: file backend in `dir/state`, passphrase
 * secrets, its own PULUMI_HOME, and the provider plugin named by path, so that nothing is
 * downloaded (`PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION`) or copied into PULUMI_HOME.
 */
export function testWorkspaceSettings(engine: PulumiEngine, dir: string, kubeconfigPath: string, project: string): TestWorkspaceSettings {
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  const backendUrl = `file://${stateDir}`;
  return {
    workDir: dir,
    pulumiHome: path.join(dir, 'pulumi-home'),
    // Pulumi.yaml `plugins.providers` is not typed by ProjectSettings.
    projectSettings: {
      name: project,
      runtime: 'nodejs',
      backend: { url: backendUrl },
      plugins: { providers: [{ name: 'kubernetes', path: engine.pluginDir }] },
    } as ProjectSettings,
    secretsProvider: 'passphrase',
    envVars: {
      PULUMI_BACKEND_URL: backendUrl,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PULUMI_IGNORE_AMBIENT_PLUGINS: 'true',
      KUBECONFIG: kubeconfigPath,
    },
  };
}

/**
 * Creates a stack driven by the real Pulumi engine through the Automation API with an inline
 * program: only `pulumi` and the provider plugin are needed (see {@link testWorkspaceSettings}).
 */
export async function createTestStack(options: TestStackOptions): Promise<TestStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-pulumi-'));
  const project = options.project ?? 'kubejobs-test';
  const pulumiCommand = await PulumiCommand.get({ root: options.engine.root });
  const settings = testWorkspaceSettings(options.engine, dir, options.kubeconfigPath, project);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: 'test', projectName: project, program: options.program }, { ...settings, pulumiCommand });
  let printed = '';
  const onOutput = (out: string): void => { printed += out; };
  const running = new AbortController();
  return {
    stack,
    dir,
    onOutput,
    opts: { onOutput, signal: running.signal },
    printed: () => printed,
    remove: async () => {
      running.abort();
      try {
        // A no-op unless an interrupted operation left the stack locked.
        await stack.cancel().catch(() => undefined);
        await stack.destroy({ onOutput });
      } finally {
        await killEngineProcesses(options.engine.root);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
