// Bounded retries for calls to outside services (embedding, vector and model endpoints): exponential backoff
// with full jitter, a server's Retry-After when it sends one, and no retry for errors a retry cannot fix.

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Stops waiting and rethrows when aborted. */
  signal?: AbortSignal;
}

/**
 * Runs `operation` until it succeeds. After a failure, `retryDelay` says how long to wait before the next
 * attempt, or undefined when the error is final (a client error, say); the last error is rethrown.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  retryDelay: (error: unknown, attempt: number) => number | undefined,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delay = attempt < options.retries ? retryDelay(error, attempt) : undefined;
      if (delay === undefined || options.signal?.aborted) throw error;
      await sleep(delay);
    }
  }
}

/** Exponential backoff with full jitter, capped at 8 s. */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(8000, 250 * 2 ** attempt);
}

/** The wait a server asks for in `retry-after-ms` or `retry-after` (seconds), if any. */
export function retryAfterMs(headers: Headers): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds && Number.isFinite(Number(milliseconds))) return Number(milliseconds);
  const seconds = headers.get('retry-after');
  if (seconds && Number.isFinite(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}

/** Whether an HTTP status is worth another attempt: rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class RetryableResponse extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * A fetch that retries network failures and retryable statuses (honouring Retry-After), for SDKs that take
 * a fetch of their own: their requests then share our policy. After the last attempt the response is
 * returned as it came, so the SDK reports the error in its own terms.
 */
export function retryingFetch(options: { retries: number; fetch?: typeof fetch }): typeof fetch {
  const base = options.fetch ?? fetch;
  return (input, init) =>
    withRetries(
      async (attempt) => {
        const response = await base(input, init);
        if (attempt < options.retries && isRetryableStatus(response.status)) {
          await response.body?.cancel();
          throw new RetryableResponse(response);
        }
        return response;
      },
      (error, attempt) => {
        if (error instanceof RetryableResponse)
          return retryAfterMs(error.response.headers) ?? backoffMs(attempt);
        // fetch rejects with a TypeError when the connection fails; aborts and timeouts are final.
        return error instanceof TypeError ? backoffMs(attempt) : undefined;
      },
      { retries: options.retries, signal: init?.signal ?? undefined },
    );
}
