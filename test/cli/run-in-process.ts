import { buildProgram } from '../../src/cli';
import { runCli } from '../../src/cli/run';

/** What one in-process `kubejobs` run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubejobs <argv>` in this process (a fresh program each time) and captures its output. */
export async function kubejobs(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = { out: (t: string) => { stdout += t; }, err: (t: string) => { stderr += t; } };
  const code = await runCli(buildProgram(io), argv, io);
  return { code, stdout, stderr };
}
