import { stripVTControlCharacters } from 'node:util';
import { age, humanDuration, table } from '../../src/cli/output';

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

test('ages as kubectl prints them (HumanDuration)', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [-3 * s, '<invalid>'], [-1.5 * s, '0s'], [0, '0s'], [45 * s, '45s'], [119 * s, '119s'], [120 * s, '2m'], [150 * s, '2m30s'],
    [599 * s, '9m59s'], [600 * s, '10m'], [150 * 60 * s, '150m'], [179 * 60 * s, '179m'], [3 * 3600 * s, '3h'],
    [(5 * 3600 + 20 * 60) * s, '5h20m'], [8 * 3600 * s, '8h'], [47 * 3600 * s, '47h'], [48 * 3600 * s, '2d'],
    [(3 * 24 + 4) * 3600 * s, '3d4h'], [8 * 24 * 3600 * s, '8d'], [400 * 24 * 3600 * s, '400d'],
    [(2 * 365 + 10) * 24 * 3600 * s, '2y10d'], [9 * 365 * 24 * 3600 * s, '9y'],
  ];
  for (const [ms, shown] of cases) expect([ms, humanDuration(ms)]).toEqual([ms, shown]);
  expect(age('2026-12-01T10:00:00Z', Date.parse('2026-12-01T10:02:30Z'))).toBe('2m30s');
  expect(age(undefined)).toBe('<unknown>');
});
