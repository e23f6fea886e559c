import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubejobs } from './run-in-process';

/** What bash completes for the words typed so far (the last one is being typed). */
function complete(script: string, words: string[]): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-completion-')), 'kubejobs.bash');
  fs.writeFileSync(file, script);
  const array = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _kubejobs; printf '%s\\n' "\${COMPREPLY[@]}"`]);
  return out.toString().split('\n').filter((l) => l !== '');
}

test('bash completion: commands, subcommands, then the flags of the command typed so far', async () => {
  const { code, stdout } = await kubejobs('completion', 'bash');
  expect(code).toBe(0);
  expect(complete(stdout, ['kubejobs', 'su'])).toEqual(['submit']);
  expect(complete(stdout, ['kubejobs', 'submit', 'a'])).toEqual(['appwrapperjob', 'arenajob']);
  expect(complete(stdout, ['kubejobs', 'submit', 'genericjob', '--name', 'x', '--re'])).toEqual(['--replica', '--restart-policy']);
  expect(complete(stdout, ['kubejobs', 'wait', 'job', '--f'])).toEqual(['--for']);
});

test('zsh completion loads bashcompinit first; an unknown shell is a usage error', async () => {
  expect((await kubejobs('completion', 'zsh')).stdout).toMatch(/^# kubejobs zsh completion[^\n]*\nautoload -U \+X bashcompinit && bashcompinit\n/);
  expect(await kubejobs('completion', 'fish')).toEqual({ code: 2, stdout: '', stderr: 'error: unknown shell \'fish\': use bash or zsh\n' });
});

test.each(['submit', 'list', 'get', 'wait', 'delete', 'logs', 'completion', 'submit genericjob', 'submit appwrapperjob'])('`%s --help` shows an example', async (command) => {
  const result = await kubejobs(...command.split(' '), '--help');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/\nExamples?:\n {2}\S/);
});

test('an unknown command is a usage error (exit 2)', async () => {
  const result = await kubejobs('submitt');
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('error: unknown command \'submitt\'\n(Did you mean submit?)\n');
});
