// POSTing JSON to an outside service (embedding and chat endpoints, training providers): bearer auth, a
// deadline per attempt, the shared retry policy, and one error type that says whether a retry could help.
import { backoffMs, isRetryableStatus, retryAfterMs, withRetries } from './retry.ts';

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** Whether another attempt may succeed: the network failed, or the server was busy or broken. */
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface JsonPostOptions {
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Names the service in error messages. */
  what: string;
}

export async function postJson<T>(url: URL | string, body: unknown, options: JsonPostOptions): Promise<T> {
  const doFetch = options.fetch ?? fetch;
  const payload = JSON.stringify(body);
  return withRetries(
    async () => {
      let response: Response;
      try {
        const deadline = AbortSignal.timeout(options.timeoutMs);
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: payload,
          signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
        });
      } catch (error) {
        throw new UpstreamError(
          `${options.what} request failed: ${(error as Error).message}`,
          undefined,
          !options.signal?.aborted,
        );
      }
      if (!response.ok) {
        const detail = await response.text().catch(() => '');
        throw new UpstreamError(
          `${options.what} request failed with ${response.status}: ${detail.slice(0, 300)}`,
          response.status,
          isRetryableStatus(response.status),
          retryAfterMs(response.headers),
        );
      }
      return (await response.json()) as T;
    },
    (error, attempt) =>
      error instanceof UpstreamError && error.retryable
        ? (error.retryAfterMs ?? backoffMs(attempt))
        : undefined,
    { retries: options.retries, signal: options.signal },
  );
}
