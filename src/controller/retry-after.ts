/**
 * When the API server asks a request to be sent again later (`Retry-After`), and how long to
 * wait: client-go's rules, which `KubeClient.request` follows.
 */

/** client-go's `maxRetries`: how many times an answer that asks for it is retried. */
export const MAX_RETRIES_WHEN_ASKED = 10;

/** The least time a retry must have left before the request's deadline, or it is not sent. */
export const MIN_RETRY_BUDGET_MS = 1_000;

/**
 * How long to wait before sending again a request answered `code` with `Retry-After:
 * retryAfter`, or undefined when the answer is final. As client-go's `checkWait`: only a 429 or a
 * 5xx, and only with a `Retry-After` in whole seconds (an API server that asks no wait has not
 * asked for a retry). The wait is what the server asked; the request's deadline bounds it.
 */
export function retryWaitMs(code: number, retryAfter: string | undefined): number | undefined {
  if (code !== 429 && (code < 500 || code > 599)) return undefined;
  if (retryAfter === undefined || !/^\s*\d+\s*$/.test(retryAfter)) return undefined;
  return Number(retryAfter) * 1000;
}

/**
 * Resolves after `ms`, or at once when `signal` aborts or has aborted already (its `abort` event
 * will not fire again). The timer keeps the process alive on purpose: a CLI waiting to retry has
 * nothing else open (idle keep-alive sockets are unref'd), and would otherwise exit mid-request.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
