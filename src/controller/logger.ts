import pino from 'pino';

/** The controller's structured logger (JSON lines on stdout). */
export type Logger = pino.Logger;

/** Levels `--log-level` accepts. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** A JSON logger at `level`, with ISO timestamps and `level` as a name rather than a number; `component` names the process. */
export function createLogger(level: string, component: 'kubejobs-controller' | 'kubejobs-job-scheduler' = 'kubejobs-controller'): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
