// The panel's client for the crm-ai API: bearer token from sign-in, JSON in and out, the API's error shape
// turned into an Error with its code, and server-sent events read with fetch (EventSource cannot send the
// Authorization header).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** For refused input: which field, and what was wrong with it. */
    readonly fields: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The field problems of a validation error's details, whatever shape the details took. */
function fieldProblems(details: unknown): { path: string; message: string }[] {
  if (!Array.isArray(details)) return [];
  return details
    .filter((item): item is { path: unknown; message: string } => typeof item?.message === 'string')
    .map((item) => ({
      path: Array.isArray(item.path) ? item.path.join('.') : String(item.path ?? ''),
      message: item.message,
    }));
}

const TOKEN_KEY = 'crm-ai.token';

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${session.token ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? response.statusText,
      response.headers.get('x-request-id') ?? undefined,
      fieldProblems(error.details),
    );
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Fetches a file from the API with the session's token and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${session.token ?? ''}` } });
  if (!response.ok) {
    const error = (await response.json().catch(() => ({})))?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? response.statusText,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);

/**
 * Reads a server-sent event stream until it ends or `signal` aborts; calls `onEvent` for each event. A dropped
 * connection is reopened with the last event id seen (Last-Event-ID), so the server resumes after it.
 */
export async function streamEvents(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  for (let reconnects = 0; ; reconnects++) {
    try {
      await readStream(path, signal, lastEventId, (event, data, id) => {
        if (id !== undefined) lastEventId = id;
        onEvent(event, data);
      });
      return;
    } catch (error) {
      if (signal.aborted || error instanceof ApiError || reconnects >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** reconnects));
    }
  }
}

async function readStream(
  path: string,
  signal: AbortSignal,
  lastEventId: string | undefined,
  onEvent: (event: string, data: unknown, id: string | undefined) => void,
): Promise<void> {
  const response = await fetch(path, {
    headers: {
      authorization: `Bearer ${session.token ?? ''}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
    signal,
  });
  if (!response.ok || !response.body)
    throw new ApiError(response.status, 'STREAM_FAILED', 'the event stream failed');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')), id);
      end = buffer.indexOf('\n\n');
    }
  }
}
