// The Fastify server: zod validation and serialisation, OpenAPI, rate limits, errors, health and readiness.

import { fastifySSE } from '@fastify/sse';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Platform } from '../index.ts';
import { registerRequestObservability } from '../observability/http.ts';
import { type Authenticator, registerAuth } from './auth.ts';
import { answerClientError } from './client-errors.ts';
import { registerErrorHandling } from './error-handler.ts';
import { registerInputGuard } from './input-guard.ts';
import { correctOpenApiDocument } from './openapi-document.ts';
import { schemaSerializerCompiler } from './serializer.ts';
import { TokenRateLimiter } from './token-rate-limiter.ts';

const SSE_HEARTBEAT_MS = 15_000;

export interface EndpointListing {
  method: string;
  path: string;
  summary?: string;
}

export interface ReadinessCheck {
  name: string;
  /** A failing critical check makes the instance not ready (503); others only mark it degraded. */
  critical: boolean;
  check(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    endpoints: EndpointListing[];
    readinessChecks: ReadinessCheck[];
    /** Aborted when the server starts closing: long-lived responses (event streams) end with it. */
    shutdownSignal: AbortSignal;
  }
}

export async function createHttpServer(
  platform: Platform,
  authenticator: Authenticator,
): Promise<FastifyInstance> {
  const { config, log } = platform;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // Long enough for a 5,000-record import on a slow disk; in-flight requests finish on shutdown.
    requestTimeout: 120_000,
    return503OnClosing: true,
    genReqId: () => crypto.randomUUID(),
    // One line per request, written by the observability hook with the workspace, route and timing.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    // Ids are at most 100 characters and validated by the routes' schemas (a 400 with our error body); the
    // router's own limit (100) answered 414 in its own body format before any schema saw the request.
    routerOptions: { maxParamLength: 2048 },
    clientErrorHandler: answerClientError,
    // Behind a load balancer the socket's address is the balancer's: per-address limits need the client's.
    trustProxy: trustProxyOption(config.http.trustProxy),
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(schemaSerializerCompiler);
  // Requests still in flight when shutdown starts must not leave keep-alive sockets open behind them, or
  // close() waits for the client's idle timeout (72 s by default) instead of finishing when they do.
  let closing = false;
  const shutdown = new AbortController();
  app.decorate('shutdownSignal', shutdown.signal);
  app.addHook('preClose', async () => {
    closing = true;
    shutdown.abort();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });

  registerErrorHandling(app);
  // Before authentication, so refused requests are timed, traced and counted too.
  registerRequestObservability(app, platform);
  registerInputGuard(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'crm-ai',
        version: '0.1.0',
        description: 'Semantic search, cache, AI agents and fine-tuning over a multi-tenant CRM.',
        license: { name: 'Proprietary' },
      },
      // Relative: the document describes whichever instance serves it.
      servers: [{ url: '/', description: 'this instance' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (documents) =>
      'openapiObject' in documents ? correctOpenApiDocument(documents) : documents.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  // Event streams: ids a reconnecting client resumes from (Last-Event-ID), and a comment every 15 s so that
  // proxies keep an idle stream open.
  await app.register(fastifySSE, { heartbeatInterval: SSE_HEARTBEAT_MS });

  registerAuth(
    app,
    authenticator,
    new TokenRateLimiter(config.http.rateLimitPerMinute),
    config.http.authFailuresPerMinute,
  );

  app.decorate('endpoints', [] as EndpointListing[]);
  app.decorate('readinessChecks', [
    { name: 'database', critical: true, check: () => platform.database.ping() },
  ] as ReadinessCheck[]);
  const operationIds = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api') || route.method === 'HEAD') return;
    // Every documented operation gets a stable operationId from its method and path (client generators,
    // schemathesis and the panel's generated types name operations by it).
    const operationId =
      (route.schema?.operationId as string | undefined) ?? operationIdOf(route.method, route.url);
    if (operationIds.has(operationId)) throw new Error(`two routes would share operationId ${operationId}`);
    operationIds.add(operationId);
    route.schema = { ...route.schema, operationId };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      app.endpoints.push({ method, path: route.url, summary: route.schema?.summary as string | undefined });
    }
  });

  app.get(
    '/health',
    { config: { access: { public: true } }, schema: { hide: true }, logLevel: 'warn' },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    { config: { access: { public: true } }, schema: { hide: true }, logLevel: 'warn' },
    async (_request, reply) => {
      const checks: Record<string, 'ok' | string> = {};
      let ready = true;
      let degraded = false;
      await Promise.all(
        app.readinessChecks.map(async ({ name, critical, check }) => {
          try {
            await check();
            checks[name] = 'ok';
          } catch (error) {
            checks[name] = `failing: ${(error as Error).message}`;
            if (critical) ready = false;
            else degraded = true;
          }
        }),
      );
      const status = !ready ? 'not ready' : degraded ? 'degraded' : 'ready';
      return reply.code(ready ? 200 : 503).send({ status, checks });
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api',
    {
      config: { access: { public: true } },
      schema: {
        summary: 'List every API endpoint',
        tags: ['meta'],
        response: {
          200: z.object({
            name: z.string(),
            docs: z.string(),
            openapi: z.string(),
            endpoints: z.array(
              z.object({ method: z.string(), path: z.string(), summary: z.string().optional() }),
            ),
          }),
        },
      },
    },
    async () => ({
      name: 'crm-ai',
      docs: '/docs',
      openapi: '/docs/json',
      endpoints: [...app.endpoints].sort(
        (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
      ),
    }),
  );

  return app;
}

/** A hop count trusts that many proxies nearest the service (Fastify's types take it as a function). */
function trustProxyOption(setting: boolean | number | string[]) {
  if (typeof setting !== 'number') return setting;
  return (_address: string, hop: number) => hop < setting;
}

/** `GET /api/vector/:workspaceId/similar/:entityType/:id` → `getVectorSimilarByEntityTypeById`. */
export function operationIdOf(method: string | string[], url: string): string {
  const verb = (Array.isArray(method) ? method[0]! : method).toLowerCase();
  // The workspace is implied by almost every path; it names the operation only where it ends the path.
  const words = url
    .split('/')
    .filter(
      (segment, index, all) =>
        segment !== '' && segment !== 'api' && (segment !== ':workspaceId' || index === all.length - 1),
    )
    .map((segment) =>
      segment.startsWith(':')
        ? `By${capitalize(segment.slice(1))}`
        : segment.split(/[-_.]/).map(capitalize).join(''),
    );
  return `${verb}${words.join('') || 'Index'}`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
