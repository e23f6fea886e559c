import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubejobs } from './run-in-process';

/** What bash completes for the words typed so far (the last one is being typed). */
function complete(script: string, words: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-completion-'));
  try {
    const file = path.join(dir, 'kubejobs.bash');
    fs.writeFileSync(file, script);
    const array = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _kubejobs; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    return out.toString().split('\n').filter((l) => l !== '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('bash completion: commands, subcommands, then the flags of the command typed so far', async () => {
  const { code, stdout } = await kubejobs('completion', 'bash');
  expect(code).toBe(0);
  expect(complete(stdout, ['kubejobs', 'su'])).toEqual(['submit']);
  expect(complete(stdout, ['kubejobs', 'submit', 'a'])).toEqual(['appwrapperjob', 'arenajob']);
  expect(complete(stdout, ['kubejobs', 'submit', 'genericjob', '--name', 'x', '--re'])).toEqual(['--replica', '--restart-policy']);
  expect(complete(stdout, ['kubejobs', 'wait', 'job', '--f'])).toEqual(['--for']);
});

test('bash completion: an alias completes as its command', async () => {
  const { stdout } = await kubejobs('completion', 'bash');
  expect(complete(stdout, ['kubejobs', 'submit', 'aw', '--gp'])).toEqual(['--gpus']);
  expect(complete(stdout, ['kubejobs', 'submit', 'appwrapper', '--inner'])).toEqual(['--inner-type']);
  expect(complete(stdout, ['kubejobs', 'submit', 'gj', '--name', 'x', '--re'])).toEqual(['--replica', '--restart-policy']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aj', '--sch'])).toEqual(['--schedule']);
  expect(complete(stdout, ['kubejobs', 'ls', '--al'])).toEqual(['--all-namespaces']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aw', '--'])).toEqual(complete(stdout, ['kubejobs', 'submit', 'appwrapperjob', '--']));
});

test('bash completion: the value of an option with choices, as --opt VALUE or --opt=VALUE; then flags again', async () => {
  const { stdout } = await kubejobs('completion', 'bash');
  expect(complete(stdout, ['kubejobs', 'submit', 'arenajob', '--type', ''])).toEqual(['evaluation', 'loadtest', 'datagen']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aj', '--type', 'lo'])).toEqual(['loadtest']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aj', '--type', '=', 'd'])).toEqual(['datagen']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aj', '--concurrency-policy', '='])).toEqual(['Allow', 'Forbid', 'Replace']);
  expect(complete(stdout, ['kubejobs', 'list', '-o', ''])).toEqual(['table', 'wide', 'json', 'yaml']);
  expect(complete(stdout, ['kubejobs', 'ls', '--output', 'y'])).toEqual(['yaml']);
  expect(complete(stdout, ['kubejobs', 'get', 'mnist', '--type', 'a'])).toEqual(['appwrapperjob', 'arenajob']);
  expect(complete(stdout, ['kubejobs', 'wait', 'mnist', '--for', ''])).toEqual(['complete', 'failed', 'running']);
  expect(complete(stdout, ['kubejobs', 'submit', 'aw', '--inner-type', ''])).toEqual(['pytorch', 'volcano']);
  expect(complete(stdout, ['kubejobs', 'list', '-o', 'json', '--al'])).toEqual(['--all-namespaces']);
  // Values are the typed command's: genericjob has no --type, so its flags are offered, not arenajob's types.
  expect(complete(stdout, ['kubejobs', 'submit', 'gj', '--type', ''])).toEqual(complete(stdout, ['kubejobs', 'submit', 'gj', '']));
});

test('zsh completion loads bashcompinit first; an unknown shell is a usage error', async () => {
  expect((await kubejobs('completion', 'zsh')).stdout).toMatch(/^# kubejobs zsh completion[^\n]*\nautoload -U \+X bashcompinit && bashcompinit\n/);
  expect(await kubejobs('completion', 'fish')).toEqual({ code: 2, stdout: '', stderr: 'error: unknown shell \'fish\': use bash or zsh\n' });
});

test.each(['submit', 'list', 'get', 'wait', 'delete', 'logs', 'completion', 'submit genericjob', 'submit appwrapperjob', 'submit arenajob'])('`%s --help` shows an example', async (command) => {
  const result = await kubejobs(...command.split(' '), '--help');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/\nExamples?:\n {2}\S/);
});

test('`kubejobs --help` ends with examples of a job\'s life: submit, list, logs -f, wait, delete', async () => {
  const result = await kubejobs('--help');
  expect(result.code).toBe(0);
  const examples = result.stdout.slice(result.stdout.indexOf('\nExamples:\n'));
  expect(examples).toMatch(/^\nExamples:\n {2}\S/);
  for (const line of ['kubejobs submit genericjob ', 'kubejobs list', 'kubejobs logs mnist -f', 'kubejobs wait mnist --for complete', 'kubejobs delete mnist']) {
    expect(examples).toContain(`\n  ${line}`);
  }
  // Only the program's help: a command's help has its own examples.
  expect((await kubejobs('list', '--help')).stdout).not.toContain('kubejobs delete mnist');
});

test('an unknown command is a usage error (exit 2)', async () => {
  const result = await kubejobs('submitt');
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('error: unknown command \'submitt\'\n(Did you mean submit?)\n');
});
