import { RadixJobComponentConfig, JobScheduleDescription } from './models';

/**
 * A batch job's settings: `defaults` (the batch's `defaultRadixJobComponentConfig`) with the job's
 * own settings over them, as Radix merges them (B2.2, upstream `applyDefaultJobDescriptionProperties`):
 *
 * - a value the job sets wins (an explicit `0` included); an empty string does not;
 * - maps (`resources.limits`, `resources.requests`, `variables`) and `node` merge per key;
 * - `runtime` and `failurePolicy` are replaced as a whole;
 * - `command`/`args`: the job's list wins when present, even `[]`; absent or `null` inherits.
 */
export function mergeJobDescription(job: JobScheduleDescription, defaults: RadixJobComponentConfig | undefined): JobScheduleDescription {
  if (!defaults) return job;
  const merged: Record<string, unknown> = { ...job };
  const pick = <T>(own: T | undefined, fallback: T | undefined): T | undefined => (own !== undefined ? own : fallback);
  const pickString = (own: string | undefined, fallback: string | undefined) => (own !== undefined && own !== '' ? own : fallback);
  const mergeMaps = (own?: Record<string, string>, fallback?: Record<string, string>) =>
    (own || fallback ? { ...fallback, ...own } : undefined);

  merged.timeLimitSeconds = pick(job.timeLimitSeconds, defaults.timeLimitSeconds);
  merged.backoffLimit = pick(job.backoffLimit, defaults.backoffLimit);
  merged.failurePolicy = pick(job.failurePolicy, defaults.failurePolicy);
  merged.runtime = pick(job.runtime, defaults.runtime);
  merged.image = pickString(job.image, defaults.image);
  merged.imageTagName = pickString(job.imageTagName, defaults.imageTagName);
  merged.variables = mergeMaps(job.variables, defaults.variables);
  if (job.resources || defaults.resources) {
    const limits = mergeMaps(job.resources?.limits, defaults.resources?.limits);
    const requests = mergeMaps(job.resources?.requests, defaults.resources?.requests);
    merged.resources = { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
  }
  if (job.node || defaults.node) {
    merged.node = { gpu: pickString(job.node?.gpu, defaults.node?.gpu), gpuCount: pickString(job.node?.gpuCount, defaults.node?.gpuCount) };
  }
  merged.command = job.command != null ? job.command : defaults.command ?? undefined;
  merged.args = job.args != null ? job.args : defaults.args ?? undefined;
  return JSON.parse(JSON.stringify(merged));
}
