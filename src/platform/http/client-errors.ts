// Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over 16 KB, malformed
// requests, a client too slow to send them) are answered in the same error body as every other failure,
// with a stable code, instead of Fastify's own `{"error","message","statusCode"}` (found by schemathesis).
import http from 'node:http';
import type { Socket } from 'node:net';

const refusals: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers may be at most 16 KB: send long values in a body',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'the request was not sent in time',
  },
};

export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = refusals[error.code ?? ''] ?? {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'the request could not be parsed as HTTP',
  };
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
