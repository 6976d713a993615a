// JSON over HTTP to outside services (embedding and chat endpoints, training providers): bearer auth, a
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

export interface JsonRequestOptions extends JsonPostOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A JSON body; or a form (multipart or URL-encoded) or bytes (a Blob), sent as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether a failed status may be retried. By default rate limits and server errors are; a caller whose
   * request is not idempotent (creating a training job) narrows it, so a retry cannot start a second job.
   */
  retryStatus?: (status: number) => boolean;
  /** `manual` for a caller that reads the redirect itself (an upload URL in `location`). */
  redirect?: RequestInit['redirect'];
  /** Which responses count as success; any 2xx by default. */
  accept?: (response: Response) => boolean;
}

export function postJson<T>(url: URL | string, body: unknown, options: JsonPostOptions): Promise<T> {
  return requestJson<T>(url, { ...options, method: 'POST', body });
}

export async function requestJson<T>(url: URL | string, options: JsonRequestOptions): Promise<T> {
  const text = await (await request(url, options)).text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The request under the shared retry policy; resolves with the accepted response, its body unread. */
export async function request(url: URL | string, options: JsonRequestOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const sentAsIs =
    options.body instanceof FormData ||
    options.body instanceof URLSearchParams ||
    options.body instanceof Blob;
  const payload =
    options.body === undefined
      ? undefined
      : sentAsIs
        ? (options.body as FormData | URLSearchParams | Blob)
        : JSON.stringify(options.body);
  const retryStatus = options.retryStatus ?? isRetryableStatus;
  const accept = options.accept ?? ((response: Response) => response.ok);
  return withRetries(
    async () => {
      let response: Response;
      try {
        const deadline = AbortSignal.timeout(options.timeoutMs);
        response = await doFetch(url, {
          method: options.method,
          headers: {
            ...(payload !== undefined && !sentAsIs ? { 'content-type': 'application/json' } : {}),
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            ...options.headers,
          },
          body: payload,
          redirect: options.redirect,
          signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
        });
      } catch (error) {
        throw new UpstreamError(
          `${options.what} request failed: ${(error as Error).message}`,
          undefined,
          !options.signal?.aborted,
        );
      }
      if (!accept(response)) {
        const detail = errorDetail(await response.text().catch(() => ''));
        throw new UpstreamError(
          `${options.what} request failed with ${response.status}: ${detail}`,
          response.status,
          retryStatus(response.status),
          retryAfterMs(response.headers),
        );
      }
      return response;
    },
    (error, attempt) =>
      error instanceof UpstreamError && error.retryable
        ? (error.retryAfterMs ?? backoffMs(attempt))
        : undefined,
    { retries: options.retries, signal: options.signal },
  );
}

/** The message of an error body in the shapes services use (OpenAI's `error`, RFC 7807's `detail`). */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: string } | string;
      detail?: string;
      title?: string;
      message?: string;
    };
    const message =
      (typeof body.error === 'object' ? body.error?.message : body.error) ??
      body.detail ??
      body.message ??
      body.title;
    if (message) return String(message).slice(0, 300);
  } catch {
    // not JSON: the raw text below
  }
  return text.slice(0, 300);
}
