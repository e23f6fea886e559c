/**
 * Annotations that script a pod's life on a KWOK node of the `scheduling` tier (kwok-stages.ts
 * reads them). A pod without {@link POD_EXIT_CODE} runs until it is deleted.
 */
export const POD_START_AFTER = 'kwok.kubejobs.test/start-after';
/** Exit code of every container; `0` ends the pod `Succeeded`, anything else `Failed`. */
export const POD_EXIT_CODE = 'kwok.kubejobs.test/exit-code';
/** How long the pod runs before it exits (a Go duration: `1500ms`, `3s`); default 0. */
export const POD_RUN_FOR = 'kwok.kubejobs.test/run-for';
/** `reason` of the terminated containers (default `Completed` for 0, `Error` otherwise), e.g. `OOMKilled`. */
export const POD_EXIT_REASON = 'kwok.kubejobs.test/exit-reason';

/** A pod's scripted life. */
export interface PodScript {
  /** Exit code of every container once `runFor` has passed; unset: the pod runs until deleted. */
  readonly exitCode?: number;
  /** Time Running before the exit, in ms (default 0). */
  readonly runForMs?: number;
  /** Time from being bound to a node to Running, in ms (default 0). */
  readonly startAfterMs?: number;
  /** Reason of the terminated containers. */
  readonly reason?: string;
}

/** The annotations that give a pod (or a pod template) the life in `script`. */
export function podScript(script: PodScript): Record<string, string> {
  const out: Record<string, string> = {};
  if (script.startAfterMs !== undefined) out[POD_START_AFTER] = `${script.startAfterMs}ms`;
  if (script.exitCode !== undefined) {
    if (!Number.isInteger(script.exitCode) || script.exitCode < 0 || script.exitCode > 255) {
      throw new Error(`podScript: exitCode (${script.exitCode}) must be an integer from 0 to 255`);
    }
    out[POD_EXIT_CODE] = String(script.exitCode);
  }
  if (script.runForMs !== undefined) out[POD_RUN_FOR] = `${script.runForMs}ms`;
  if (script.reason !== undefined) out[POD_EXIT_REASON] = script.reason;
  return out;
}
