// Uploads that stay streams (CSV imports, training checkpoints and artifacts): the route's content-type parser
// passes the request through unread; any other content type arrives parsed, and is refused here.
import type { Readable } from 'node:stream';
import { AppError } from '../errors.ts';

/** The request body as a stream, or a 415 that says which content type to send. */
export function streamBody(body: unknown, expected: string, error?: () => Error): Readable {
  if (body && typeof (body as Readable).pipe === 'function') return body as Readable;
  throw (
    error?.() ?? new AppError('UNSUPPORTED_MEDIA_TYPE', 415, `send the body with Content-Type: ${expected}`)
  );
}
