import { Cron } from 'croner';

/**
 * Checks a five-field cron expression and an IANA time zone. Returns the problem in words, or
 * undefined when both are valid. Macros such as `@daily` are refused: the ArenaJob CRD requires at
 * least 9 characters (upstream's marker), so the API server would reject them anyway.
 */
export function cronProblem(expression: string, timeZone: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim().startsWith('@')) {
    return 'macros such as \'@daily\' are not accepted by the ArenaJob CRD; write the five fields, e.g. \'0 0 * * *\'';
  }
  if (fields.length !== 5) {
    return `it has ${fields.length} fields; use five: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'`;
  }
  try {
    new Cron(expression, { paused: true });
  } catch (err) {
    return (err as Error).message;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `time zone '${timeZone}' is not an IANA time zone; use e.g. 'UTC' or 'America/New_York'`;
  }
  return undefined;
}
