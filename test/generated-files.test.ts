import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { renderApiMarkdown } from '../projenrc/generate-api-md';

const root = join(__dirname, '..');

test('imports/ holds exactly the types generated from src/api', () => {
  // In a child process: json-schema-to-typescript's formatter cannot be loaded inside jest.
  const run = spawnSync(join(root, 'node_modules', '.bin', 'ts-node'), ['--project', 'projenrc/tsconfig.json', 'projenrc/generate-imports.ts', '--check'], {
    cwd: root,
    encoding: 'utf-8',
  });
  expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toContain('imports/ is current');
}, 120_000);

test('API.md is generated from the current TSDoc', async () => {
  const actual = readFileSync(join(root, 'API.md'), 'utf-8');
  if (actual !== (await renderApiMarkdown())) {
    throw new Error('API.md is stale: run `npx projen docgen` (or `npx projen build`) and commit the result');
  }
}, 120_000);
