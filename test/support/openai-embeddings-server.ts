// A local server that follows the OpenAI embeddings contract (POST /v1/embeddings): bearer auth, batched
// inputs, `{object:"list", data:[{object:"embedding", index, embedding}], model, usage}`, and OpenAI's
// error shape. Tests script failures (429 with Retry-After, 500) to exercise the client's retries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddingsServer {
  url: string;
  requests: { inputs: string[]; authorization?: string }[];
  /** Replies to send before answering normally, one per request. */
  failNext(...replies: { status: number; headers?: Record<string, string> }[]): void;
  close(): Promise<void>;
}

/** A deterministic fake "model": each text becomes a vector derived from its characters. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) vector[(text.charCodeAt(i) * 31 + i) % dimensions]! += 1;
  return vector;
}

export async function startEmbeddingsServer(options: {
  apiKey: string;
  dimensions: number;
}): Promise<EmbeddingsServer> {
  const requests: EmbeddingsServer['requests'] = [];
  const failures: { status: number; headers?: Record<string, string> }[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      const sendError = (
        status: number,
        type: string,
        message: string,
        headers: Record<string, string> = {},
      ) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
      };
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
        return sendError(404, 'invalid_request_error', `unknown route ${request.method} ${request.url}`);
      }
      if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return sendError(401, 'invalid_request_error', 'Incorrect API key provided');
      }
      let body: { input?: unknown; model?: string };
      try {
        body = JSON.parse(raw);
      } catch {
        return sendError(400, 'invalid_request_error', 'We could not parse the JSON body of your request.');
      }
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(inputs) || inputs.length === 0 || !body.model) {
        return sendError(400, 'invalid_request_error', "'input' and 'model' are required");
      }
      requests.push({ inputs: inputs as string[], authorization: request.headers.authorization });
      const failure = failures.shift();
      if (failure) {
        return sendError(
          failure.status,
          failure.status === 429 ? 'requests' : 'server_error',
          'scripted failure',
          failure.headers,
        );
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          object: 'list',
          data: (inputs as string[]).map((text, index) => ({
            object: 'embedding',
            index,
            embedding: fakeEmbedding(text, options.dimensions),
          })),
          model: body.model,
          usage: { prompt_tokens: 0, total_tokens: 0 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: (...replies) => failures.push(...replies),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
