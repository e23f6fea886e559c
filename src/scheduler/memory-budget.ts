const MIB = 1024 * 1024;

/** Radix has no body limit; kubejobs' default, as large as a 500-job batch of modest payloads needs. */
export const DEFAULT_MAX_REQUEST_BYTES = 32 * MIB;
/** Body bytes in flight when nothing else says: fits the construct's default 512 MiB limit (see below). */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 64 * MIB;
/** What the scheduler takes without any request: the benchmark's peak RSS was 146 MiB, with margin. */
export const SCHEDULER_BASE_MEMORY_BYTES = 192 * MIB;
/**
 * Memory one request takes per body byte, at most: the raw body, the parsed JSON, and the Secrets
 * and RadixBatch serialised for the API server each hold the payloads once.
 */
export const BODY_MEMORY_FACTOR = 4;

/** How much request bodies the scheduler takes on at once, and the largest one. */
export interface RequestMemoryBudget {
  /** `--max-request-bytes`. */
  readonly maxRequestBytes: number;
  /** `--max-in-flight-bytes`. */
  readonly maxInFlightBytes: number;
}

/**
 * The request limits that fit a container memory limit: bodies in flight may take what the limit
 * leaves beyond the scheduler's own {@link SCHEDULER_BASE_MEMORY_BYTES}, at
 * {@link BODY_MEMORY_FACTOR} bytes per body byte; one body at most that much (and at most
 * {@link DEFAULT_MAX_REQUEST_BYTES}). 512 MiB gives 80 MiB in flight and 32 MiB per request; the
 * count of requests (`--max-in-flight`) stays as it is, small requests are not held back.
 * Without a limit, the defaults.
 */
export function requestMemoryBudget(memoryLimitBytes: number | undefined): RequestMemoryBudget {
  if (memoryLimitBytes === undefined) return { maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES, maxInFlightBytes: DEFAULT_MAX_IN_FLIGHT_BYTES };
  const spare = Math.max(0, memoryLimitBytes - SCHEDULER_BASE_MEMORY_BYTES);
  const maxInFlightBytes = Math.max(MIB, Math.floor(spare / BODY_MEMORY_FACTOR / MIB) * MIB);
  return { maxRequestBytes: Math.min(DEFAULT_MAX_REQUEST_BYTES, maxInFlightBytes), maxInFlightBytes };
}
