import { parseDuration, parseGoDurationMs } from '../../src/cli/server-flags';

test('Go durations: one unit or several, in ms', () => {
  expect(parseGoDurationMs('500ms')).toBe(500);
  expect(parseGoDurationMs('1m30s')).toBe(90_000);
  expect(parseGoDurationMs('1.5h')).toBe(5_400_000);
  expect(parseGoDurationMs('0')).toBe(0);
  expect(() => parseGoDurationMs('10')).toThrow('Expected a Go duration such as 90s, 5m, 1m30s or 1h.');
});

test('server flag durations must be positive Go durations, and say so', () => {
  expect(parseDuration('30s')).toBe(30_000);
  expect(parseDuration('1m30s')).toBe(90_000);
  for (const bad of ['0', '0s', '30', 'soon']) {
    expect(() => parseDuration(bad)).toThrow(`'${bad}' must be a positive duration such as 500ms, 30s, 5m or 1h`);
  }
});
