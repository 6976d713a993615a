// One place that turns every failure into {"error":{"code","message","details"}} with the right status.
// Anything not an AppError is a 500 whose body carries only the request id: internals stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The code and message this request was answered with, when it failed (for logs and metrics). */
    errorInfo?: { code: string; message: string };
  }
}

/** Answers with the error body, noting its code and message on the request. */
function sendError(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody['error']) {
  request.errorInfo = { code: error.code, message: error.message };
  return reply.code(status).send({ error } satisfies ErrorBody);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    sendError(request, reply, 404, {
      code: 'ROUTE_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}; see GET /api`,
    });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({
        path: issue.instancePath || '/',
        message: issue.message,
      }));
      const where = error.validationContext ?? 'request';
      const summary = issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
      return sendError(request, reply, 400, {
        code: 'VALIDATION_FAILED',
        message: `invalid ${where}: ${summary}`,
        details: { in: where, issues },
      });
    }
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (error.statusCode === 429 && retryAfter) reply.header('retry-after', String(retryAfter));
      return sendError(request, reply, error.statusCode, {
        code: error.code,
        message: error.message,
        ...(error.details !== undefined ? { details: error.details } : {}),
      });
    }
    const known = error.code ? fastifyClientErrors[error.code] : undefined;
    if (known) {
      return sendError(request, reply, known.status, { code: known.code, message: error.message });
    }
    if (error.statusCode === 429) {
      return sendError(request, reply, 429, {
        code: 'RATE_LIMITED',
        message: 'rate limit exceeded; retry after the time in retry-after',
      });
    }
    if (error.code && unavailableCodes.has(error.code)) {
      request.log.error({ err: error }, 'dependency unavailable');
      reply.header('retry-after', '5');
      return sendError(request, reply, 503, {
        code: 'SERVICE_UNAVAILABLE',
        message: 'the database is unavailable; retry shortly',
        requestId: request.id,
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(request, reply, error.statusCode, {
        code: error.code ?? 'BAD_REQUEST',
        message: error.message,
      });
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    return sendError(request, reply, 500, {
      code: 'INTERNAL',
      message: 'internal error; quote the request id when reporting it',
      requestId: request.id,
    });
  });
}
