// A small JSON-over-HTTP server for the contract servers that stand in for hosted services this machine
// cannot reach: it records requests and lets a test script failures (a status, headers, a body) ahead of
// the normal answers, to exercise the clients' retries.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ContractRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, when it is JSON. */
  body: unknown;
  /** A multipart or URL-encoded form, parsed. */
  form?: FormData;
  raw: Buffer;
}

export interface ContractReply {
  status: number;
  /** Answers this late: a slow service. */
  delayMs?: number;
  body?: unknown;
  /** Bytes sent as they are, instead of `body` as JSON. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ContractServer {
  url: string;
  port: number;
  requests: ContractRequest[];
  /** Replies to send instead of the normal answer, one per request, in order. */
  failNext(...replies: ContractReply[]): void;
  close(): Promise<void>;
}

export async function startContractServer(
  handle: (request: ContractRequest) => ContractReply | Promise<ContractReply>,
): Promise<ContractServer> {
  const requests: ContractRequest[] = [];
  const failures: ContractReply[] = [];
  const send = async (response: import('node:http').ServerResponse, reply: ContractReply) => {
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    response.writeHead(reply.status, {
      'content-type': reply.raw === undefined ? 'application/json' : 'application/octet-stream',
      ...reply.headers,
    });
    response.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const bytes = Buffer.concat(chunks);
      const contentType = request.headers['content-type'] ?? '';
      let body: unknown;
      let form: FormData | undefined;
      try {
        if (/multipart\/form-data|x-www-form-urlencoded/.test(contentType)) {
          form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
        } else if (bytes.length > 0 && !/octet-stream/.test(contentType)) {
          body = JSON.parse(bytes.toString('utf8'));
        }
      } catch {
        return send(response, { status: 400, body: { error: 'the body is not JSON or a form' } });
      }
      const contractRequest: ContractRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body,
        form,
        raw: bytes,
      };
      requests.push(contractRequest);
      const failure = failures.shift();
      if (failure) return send(response, failure);
      try {
        send(response, await handle(contractRequest));
      } catch (error) {
        send(response, { status: 500, body: { error: (error as Error).message } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext: (...replies) => failures.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cosine similarity of two vectors of equal length. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
