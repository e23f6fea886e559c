/**
 * Annotations that script a pod's life on a KWOK node of the `scheduling` tier (kwok-stages.ts
 * reads them). A pod without {@link POD_EXIT_CODE} runs until it is deleted.
 *
 * Each key also exists per pod, as `<key>.<pod name>`, which wins over the plain key: one pod
 * template (a GenericJob replica type, a PyTorchJob replica spec) can then script each of the pods
 * made from it differently.
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

/** The annotations that give a pod (or every pod of a template) the life in `script`; with `podName`, that pod only. */
export function podScript(script: PodScript, podName?: string): Record<string, string> {
  const key = (k: string): string => (podName === undefined ? k : `${k}.${podName}`);
  const out: Record<string, string> = {};
  if (script.startAfterMs !== undefined) out[key(POD_START_AFTER)] = `${script.startAfterMs}ms`;
  if (script.exitCode !== undefined) {
    if (!Number.isInteger(script.exitCode) || script.exitCode < 0 || script.exitCode > 255) {
      throw new Error(`podScript: exitCode (${script.exitCode}) must be an integer from 0 to 255`);
    }
    out[key(POD_EXIT_CODE)] = String(script.exitCode);
  }
  if (script.runForMs !== undefined) out[key(POD_RUN_FOR)] = `${script.runForMs}ms`;
  if (script.reason !== undefined) out[key(POD_EXIT_REASON)] = script.reason;
  return out;
}

/** The annotations scripting each named pod: `{ 'job-worker-0': { exitCode: 0 }, ... }`. */
export function podScripts(byPod: Record<string, PodScript>): Record<string, string> {
  return Object.assign({}, ...Object.entries(byPod).map(([pod, script]) => podScript(script, pod)));
}
