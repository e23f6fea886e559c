import { stripVTControlCharacters } from 'node:util';
import { table } from '../../src/cli/output';

const header = ['NAME', 'STATUS', 'AGE'];
const rows = [['mnist', 'SUCCEEDED', '3m'], ['FAILED', 'FAILED', '1s'], ['bert', 'RUNNING', '10s']];

test('a table without colour has no escape codes and lines its columns up', () => {
  expect(table(header, rows)).toBe(
    'NAME     STATUS      AGE\n' +
    'mnist    SUCCEEDED   3m\n' +
    'FAILED   FAILED      1s\n' +
    'bert     RUNNING     10s\n');
});

test('with colour, only the named column\'s statuses are coloured, and the columns still line up', () => {
  const coloured = table(header, rows, ['STATUS']);
  expect(stripVTControlCharacters(coloured)).toBe(table(header, rows));
  const lines = coloured.split('\n');
  // A job named FAILED is not painted: only the STATUS column is.
  expect(lines[2]!.startsWith('FAILED   \u001b[31mFAILED\u001b[39m')).toBe(true);
  expect(lines[1]).toContain('\u001b[32mSUCCEEDED\u001b[39m');
  expect(lines[3]).toContain('\u001b[36mRUNNING\u001b[39m');
  expect(lines[0]).toBe('NAME     STATUS      AGE');
});
