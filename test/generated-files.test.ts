import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { renderApiMarkdown } from '../projenrc/generate-api-md';
import { renderImports } from '../projenrc/generate-imports';

const root = join(__dirname, '..');
const STALE = 'is stale: run `npx projen` (or `npx projen gen:imports` / `npx projen docgen`) and commit the result';

test('imports/ holds exactly the types generated from src/api', async () => {
  const expected = await renderImports();
  const onDisk = readdirSync(join(root, 'imports')).map((f) => join('imports', f)).sort();
  expect(onDisk).toEqual([...expected.keys()].sort());
  for (const [path, content] of expected) {
    const actual = readFileSync(join(root, path), 'utf-8');
    if (actual !== content) throw new Error(`${path} ${STALE}`);
  }
});

test('API.md is generated from the current TSDoc', async () => {
  const actual = readFileSync(join(root, 'API.md'), 'utf-8');
  if (actual !== (await renderApiMarkdown())) throw new Error(`API.md ${STALE}`);
});
