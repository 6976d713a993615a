// One place that turns every failure into {"error":{"code","message","details"}} with the right status.
// Anything not an AppError is a 500 whose body carries only the request id: internals stay in the log.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from '../errors.ts';

/** Fastify's own client-error codes and the stable codes we give them. */
const fastifyClientErrors: Record<string, { code: string; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', status: 400 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', status: 400 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH', status: 400 },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED', status: 400 },
};

/** Connection-level database failures: the request was fine, the service is not (yet). */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
]);

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}; see GET /api`,
      },
    } satisfies ErrorBody);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({
        path: issue.instancePath || '/',
        message: issue.message,
      }));
      const where = error.validationContext ?? 'request';
      const summary = issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
      return reply.code(400).send({
        error: {
          code: 'VALIDATION_FAILED',
          message: `invalid ${where}: ${summary}`,
          details: { in: where, issues },
        },
      } satisfies ErrorBody);
    }
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (error.statusCode === 429 && retryAfter) reply.header('retry-after', String(retryAfter));
      const body: ErrorBody = { error: { code: error.code, message: error.message } };
      if (error.details !== undefined) body.error.details = error.details;
      return reply.code(error.statusCode).send(body);
    }
    const known = error.code ? fastifyClientErrors[error.code] : undefined;
    if (known) {
      return reply
        .code(known.status)
        .send({ error: { code: known.code, message: error.message } } satisfies ErrorBody);
    }
    if (error.statusCode === 429) {
      return reply.code(429).send({
        error: { code: 'RATE_LIMITED', message: 'rate limit exceeded; retry after the time in retry-after' },
      } satisfies ErrorBody);
    }
    if (error.code && unavailableCodes.has(error.code)) {
      request.log.error({ err: error }, 'dependency unavailable');
      reply.header('retry-after', '5');
      return reply.code(503).send({
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'the database is unavailable; retry shortly',
          requestId: request.id,
        },
      } satisfies ErrorBody);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({
        error: { code: error.code ?? 'BAD_REQUEST', message: error.message },
      } satisfies ErrorBody);
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return reply.code(500).send({
      error: {
        code: 'INTERNAL',
        message: 'internal error; quote the request id when reporting it',
        requestId: request.id,
      },
    } satisfies ErrorBody);
  });
}
