import { execFileSync, execSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

/**
 * The README's cdk8s quickstart, followed as a user would: the package is packed from a clone of
 * this repository (`npm pack`, whose `prepack` compiles lib/), a new project installs the tarball
 * with the README's commands, exactly, and `npx cdk8s synth` runs its `main.ts`.
 *
 * What a test cannot do as written: `git clone <url>` becomes a copy of this checkout's files
 * (tracked and new, never lib/ nor anything ignored), and `npm ci` in the clone becomes a link
 * to this checkout's node_modules (the same lock file, already installed).
 */
export interface QuickstartProject {
  /** Scratch directory holding `kubejobs/` (the clone) and `my-jobs/` (the project). */
  readonly work: string;
  /** The new project. */
  readonly project: string;
  /** The README's commands after `npx cdk8s synth`, one per line, comments dropped. */
  readonly runCommands: string[];
}

const root = join(__dirname, '..');

/** The README's text from `heading` to the next heading `until`. */
function readmeSection(heading: string, until: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf-8');
  return readme.slice(readme.indexOf(heading), readme.indexOf(until));
}

/** The README's quickstart section. */
export function quickstartSection(): string {
  return readmeSection('## Quickstart (cdk8s)', '## Quickstart (Pulumi)');
}

/** The README's "From a terminal" section. */
export function terminalSection(): string {
  return readmeSection('## From a terminal', '## Constructs');
}

/** The README's Pulumi quickstart section. */
export function pulumiQuickstartSection(): string {
  return readmeSection('## Quickstart (Pulumi)', '### How the two paths relate');
}

/** Environment for the commands: no cdk8s upgrade check, no npm audit or funding noise. */
export const QUIET = {
  stdio: ['ignore', 'pipe', 'pipe'] as any,
  env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true' },
};

/**
 * `git clone <url> kubejobs && (cd kubejobs && npm ci && npm pack)` in `work`, as a test can do it:
 * the clone is a copy of this checkout's files (tracked and new, never lib/ nor anything ignored),
 * and `npm ci` a link to this checkout's node_modules. Returns the tarball's path.
 */
export function cloneAndPack(work: string, packCommand = 'npm pack'): string {
  const clone = join(work, 'kubejobs');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf-8' })
    .split('\0').filter((f) => f && !f.startsWith('lib/'));
  for (const f of files) {
    try {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      copyFileSync(join(root, f), join(clone, f));
    } catch (e: any) {
      if (e.code !== 'ENOENT') throw e; // deleted in the working tree, not yet committed
    }
  }
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  const packed = execSync(packCommand, { cwd: clone, ...QUIET }).toString().trim().split('\n').pop()!;
  return join(clone, packed);
}

export function prepareQuickstartProject(): QuickstartProject {
  const section = quickstartSection();
  const blocks = [...section.matchAll(/```(sh|ts)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
  const [setup, mainTs, run] = [blocks[0].text, blocks.find((b) => b.lang === 'ts')!.text, blocks[blocks.length - 1].text];
  const lines = setup.split('\n').filter((l) => l.trim());

  const work = mkdtempSync(join(tmpdir(), 'kubejobs-quickstart-'));
  const [cloneLine, ...projectLines] = lines;
  const inClone = /\(cd kubejobs && npm ci && (npm pack)\)/.exec(cloneLine);
  if (!cloneLine.startsWith('git clone ') || !inClone) throw new Error(`the README's first quickstart command changed: ${cloneLine}`);
  cloneAndPack(work, inClone[1]);

  // The rest, line by line, exactly as written.
  const [mkdirLine, ...inProject] = projectLines;
  execSync(mkdirLine, { cwd: work, ...QUIET });
  const project = join(work, 'my-jobs');
  for (const line of inProject) execSync(line, { cwd: project, ...QUIET });
  writeFileSync(join(project, 'main.ts'), mainTs);
  const runLines = run.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l);
  if (runLines[0] !== 'npx cdk8s synth') throw new Error(`the README's synth command changed: ${runLines[0]}`);
  execSync(runLines[0], { cwd: project, ...QUIET });
  return { work, project, runCommands: runLines.slice(1) };
}
