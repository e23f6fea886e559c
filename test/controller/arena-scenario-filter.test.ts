import { effectiveScenarioFilter, filterScenarios, globMatches, globProblem } from '../../src/controller/arena-job/scenario-filter';

// The scenarios of upstream's partitioner TestFilter (shared/reference/arena-genericjob.md §1.9).
const SCENARIOS = ['scenarios/billing.yaml', 'scenarios/auth.yaml', 'scenarios/billing-wip.yaml', 'tests/integration.yaml', 'tests/unit.yaml']
  .map((path) => ({ path }));

describe('filterScenarios: upstream TestFilter cases', () => {
  test.each([
    ['no filter', {}, SCENARIOS.map((s) => s.path)],
    ['include scenarios/*.yaml', { include: ['scenarios/*.yaml'] }, ['scenarios/billing.yaml', 'scenarios/auth.yaml', 'scenarios/billing-wip.yaml']],
    ['exclude *-wip.yaml', { exclude: ['*-wip.yaml'] }, ['scenarios/billing.yaml', 'scenarios/auth.yaml', 'tests/integration.yaml', 'tests/unit.yaml']],
    ['include and exclude', { include: ['scenarios/*.yaml'], exclude: ['*-wip.yaml'] }, ['scenarios/billing.yaml', 'scenarios/auth.yaml']],
    ['include tests/*.yaml', { include: ['tests/*.yaml'] }, ['tests/integration.yaml', 'tests/unit.yaml']],
    ['include a basename', { include: ['billing.yaml'] }, ['scenarios/billing.yaml']],
  ])('%s', (_name, filter, expected) => {
    expect(filterScenarios(SCENARIOS, filter).map((s) => s.path)).toEqual(expected);
  });

  test('undefined filter selects everything, in the given order', () => {
    expect(filterScenarios(SCENARIOS, undefined)).toEqual(SCENARIOS);
  });

  test('empty lists are no filter', () => {
    expect(filterScenarios(SCENARIOS, { include: [], exclude: [] })).toHaveLength(5);
  });

  test('a pattern also matches the scenario id (upstream HEAD)', () => {
    const withIds = [{ path: 'a/one.yaml', id: 'billing-1' }, { path: 'a/two.yaml', id: 'auth-1' }];
    expect(filterScenarios(withIds, { include: ['billing-*'] }).map((s) => s.id)).toEqual(['billing-1']);
    expect(filterScenarios(withIds, { exclude: ['auth-1'] }).map((s) => s.id)).toEqual(['billing-1']);
  });

  test('a malformed pattern matches nothing (upstream ignores the match error)', () => {
    expect(filterScenarios(SCENARIOS, { include: ['[billing.yaml'] })).toEqual([]);
    expect(filterScenarios(SCENARIOS, { exclude: ['[billing.yaml'] })).toHaveLength(5);
  });
});

describe('globMatches: Go filepath.Match semantics', () => {
  test.each([
    ['*', 'abc', true],
    ['*', 'a/b', false],
    ['*/*', 'a/b', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'ax', false],
    ['[\\]]', ']', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['scenarios/*-wip.yaml', 'scenarios/billing-wip.yaml', true],
    ['(x)+', '(x)+', true],
    ['ü*', 'über', true],
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(globMatches(pattern, path)).toBe(expected);
  });
});

describe('globProblem', () => {
  test.each([
    ['[abc', 'scenario pattern \'[abc\' is not a valid glob: a \'[\' character class is not closed with \']\''],
    ['abc\\', 'scenario pattern \'abc\\\' is not a valid glob: it ends with an unfinished \'\\\' escape'],
    ['[z-a]', 'scenario pattern \'[z-a]\' is not a valid glob: the range \'z-a\' is reversed; write \'a-z\''],
    ['[]a]', 'scenario pattern \'[]a]\' is not a valid glob: \']\' must be escaped as \'\\]\' at that place of a character class'],
    ['[-a]', 'scenario pattern \'[-a]\' is not a valid glob: \'-\' must be escaped as \'\\-\' at that place of a character class'],
  ])('%s', (pattern, message) => {
    expect(globProblem(pattern)).toBe(message);
  });

  test('a well-formed glob has no problem', () => {
    expect(globProblem('scenarios/[a-z]*.yaml')).toBeUndefined();
  });
});

describe('effectiveScenarioFilter', () => {
  const config = { include: ['scenarios/*'], exclude: ['*-wip.yaml'] };
  test('the job\'s patterns replace the config\'s as a whole', () => {
    expect(effectiveScenarioFilter({ include: ['tests/*'] }, config)).toEqual({ include: ['tests/*'] });
  });
  test('a job without patterns uses the config\'s', () => {
    expect(effectiveScenarioFilter(undefined, config)).toBe(config);
    expect(effectiveScenarioFilter({ include: [] }, config)).toBe(config);
  });
});
