// Observability at the HTTP boundary: a server span and a timing breakdown per request, then one log line,
// the request metrics, and the error monitor's count. Also GET /metrics (with METRICS_TOKEN, or on its own
// port) and the error-rate endpoints.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { workspaceOf } from '../http/auth.ts';
import { mountRoutes } from '../http/mount.ts';
import { errorResponses, workspaceParams } from '../http/schemas.ts';
import type { Platform } from '../index.ts';
import { operationsOverview } from './overview.ts';
import { type Breakdown, roundedBreakdown, runWithTimings } from './timings.ts';
import { startRequestSpan } from './tracing.ts';

declare module 'fastify' {
  interface FastifyRequest {
    timings?: Breakdown;
    span?: Span;
  }
  interface FastifyInstance {
    /** Where the separate metrics listener listens, when METRICS_PORT is set. */
    metricsAddress?: AddressInfo;
  }
}

export function registerRequestObservability(app: FastifyInstance, platform: Platform): void {
  const { metrics, errorMonitor } = platform;
  const { slowRequestMs } = platform.config.observability;

  app.addHook('onRequest', (request, _reply, done) => {
    const timings: Breakdown = {};
    request.timings = timings;
    runWithTimings(timings, () => {
      request.span = startRequestSpan(request.method, done);
    });
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const { method } = request;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.httpRequests.inc({ route, method, status: String(status) });
    metrics.httpDuration.observe({ route, method }, ms / 1000);
    if (request.errorInfo) metrics.errors.inc({ code: request.errorInfo.code, status: String(status) });
    if (request.span) {
      request.span.updateName(`${method} ${route}`);
      request.span.setAttributes({
        'http.request.method': method,
        'http.route': route,
        'http.response.status_code': status,
        ...(request.workspace ? { 'crm.workspace_id': request.workspace.id } : {}),
      });
      if (status >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
      request.span.end();
    }
    if (route.startsWith('/api')) {
      platform.operations.observe(ms, status);
      errorMonitor.record({
        workspaceId: request.workspace?.id ?? null,
        method,
        route,
        status,
        code: request.errorInfo?.code,
        message: request.errorInfo?.message,
        requestId: request.id,
      });
    }
    const line = {
      workspace: request.workspace?.id,
      method,
      route,
      status,
      ms: Math.round(ms * 10) / 10,
      ...(request.errorInfo ? { code: request.errorInfo.code } : {}),
    };
    if (ms >= slowRequestMs)
      request.log.warn({ ...line, breakdown: roundedBreakdown(request.timings ?? {}) }, 'slow request');
    else request.log.info(line, 'request');
  });
}

export function registerMonitoringRoutes(app: FastifyInstance, platform: Platform): void {
  const { metrics, config } = platform;
  const token = config.observability.metricsToken;

  app.get(
    '/metrics',
    { config: { access: { public: true } }, schema: { hide: true }, logLevel: 'warn' },
    async (request, reply) => {
      if (!token)
        throw new AppError(
          'METRICS_DISABLED',
          403,
          'set METRICS_TOKEN to scrape /metrics on this port, or METRICS_PORT for a separate listener',
        );
      if (!sameSecret(bearer(request), token))
        throw AppError.unauthorized('send Authorization: Bearer <METRICS_TOKEN>');
      return reply.type(metrics.contentType).send(await metrics.text());
    },
  );

  mountRoutes(app, '/api/monitoring', (scope) => registerMonitoringApi(scope, platform));

  if (config.observability.metricsPort !== undefined) {
    let server: Server | undefined;
    app.addHook('onReady', async () => {
      server = createServer(async (request, response) => {
        if (request.url?.split('?')[0] !== '/metrics') {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.text());
      });
      await new Promise<void>((resolve) =>
        server!.listen(config.observability.metricsPort, config.observability.metricsHost, resolve),
      );
      app.metricsAddress = server.address() as AddressInfo;
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });
  }
}

/** The error-rate and overview endpoints, under /api/monitoring. */
function registerMonitoringApi(app: FastifyInstance, platform: Platform): void {
  const { metrics, errorMonitor } = platform;
  const windowSchema = z.object({
    requests: z.number(),
    clientErrors: z.number(),
    serverErrors: z.number(),
    errorRate: z.number(),
    clientErrorRate: z.number(),
  });
  const reportSchema = z.object({
    windows: z.object({ '5m': windowSchema, '1h': windowSchema, '24h': windowSchema }),
    recent: z.array(
      z.object({
        at: z.string(),
        workspaceId: z.string().nullable(),
        method: z.string(),
        route: z.string(),
        status: z.number(),
        code: z.string(),
        message: z.string(),
        requestId: z.string(),
      }),
    ),
  });
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/:workspaceId/errors',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: "A workspace's error rates (5 min, 1 h, 24 h) and most recent errors",
        tags: ['monitoring'],
        params: workspaceParams,
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async (request) => errorMonitor.report(workspaceOf(request).id),
  );
  api.get(
    '/errors',
    {
      config: { access: { operator: true } },
      schema: {
        // The derived id would be the workspace route's (the workspace is left out of operation ids).
        operationId: 'getMonitoringErrorsOfInstance',
        summary: 'Error rates and recent errors across every workspace (instance operators)',
        tags: ['monitoring'],
        response: { 200: reportSchema, ...errorResponses },
      },
    },
    async () => errorMonitor.report(null),
  );

  api.get(
    '/:workspaceId/overview',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Operations at a glance: cache hit rate, latency percentiles, queue depth, indexing lag',
        tags: ['monitoring'],
        params: workspaceParams,
        response: {
          200: z.object({
            at: z.string(),
            cache: z.object({
              hits: z.number(),
              misses: z.number(),
              hitRate: z.number(),
              l1Entries: z.number(),
              redisConnected: z.boolean(),
              breaker: z.string(),
            }),
            latency: z.array(
              z.object({
                route: z.string(),
                method: z.string(),
                count: z.number(),
                p50Ms: z.number(),
                p99Ms: z.number(),
              }),
            ),
            queues: z.array(z.object({ queue: z.string(), state: z.string(), jobs: z.number() })),
            indexLag: z.number(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => operationsOverview(metrics, platform.cache),
  );

  api.get(
    '/:workspaceId/history',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary:
          'Hit rate, error rate, latency and queue depth over the last hours, from samples the server keeps',
        tags: ['monitoring'],
        params: workspaceParams,
        querystring: z.object({ hours: z.coerce.number().min(0.1).max(24).default(24) }).strict(),
        response: {
          200: z.object({
            sampleMs: z.number(),
            points: z.array(
              z.object({
                at: z.string(),
                requests: z.number(),
                errorRate: z.number(),
                hitRate: z.number().nullable(),
                p50Ms: z.number(),
                p99Ms: z.number(),
                queueDepth: z.number(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => platform.operations.history(request.query.hours),
  );
}

function bearer(request: FastifyRequest): string {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
