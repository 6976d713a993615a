// HTTP for operators: cache statistics (instance-wide) and invalidation inside one workspace.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { workspaceOf } from '../http/auth.ts';
import { errorResponses, workspaceParams } from '../http/schemas.ts';
import type { CacheService } from './cache-service.ts';

const tags = ['cache'];

const statsSchema = z.object({
  hits: z.number(),
  misses: z.number(),
  sets: z.number(),
  deletes: z.number(),
  errors: z.number(),
  hitRate: z.string(),
  localCacheSize: z.number(),
  localCacheLimit: z.number(),
  localCacheBytes: z.number(),
  localCacheBytesLimit: z.number(),
  redisConnected: z.boolean(),
  l1: z.object({ hits: z.number(), misses: z.number() }),
  l2: z.object({
    enabled: z.boolean(),
    hits: z.number(),
    misses: z.number(),
    errors: z.number(),
    timeouts: z.number(),
    breaker: z.enum(['closed', 'open', 'half-open', 'disabled']),
  }),
  bus: z.object({ sent: z.number(), received: z.number(), gaps: z.number(), flushes: z.number() }).nullable(),
});

export function registerCacheRoutes(
  app: FastifyInstance,
  cache: CacheService,
  entityTypeNames: readonly [string, ...string[]],
) {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/stats',
    {
      config: { access: { instanceRole: 'admin' } },
      schema: {
        summary: 'Cache statistics of this instance (admins)',
        tags,
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    async () => cache.getStats(),
  );

  api.post(
    '/:workspaceId/invalidate',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary:
          'Drop cached data of this workspace: some entity types, a key pattern inside it, or everything',
        tags,
        params: workspaceParams,
        body: z
          .object({
            entityTypes: z.array(z.enum(entityTypeNames)).min(1).optional(),
            pattern: z.string().min(1).max(300).optional(),
          })
          .strict(),
        response: {
          200: z.object({ deleted: z.number(), pattern: z.string().optional() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      const { entityTypes, pattern } = request.body;
      if (pattern !== undefined) {
        const scoped = scopePattern(cache, workspace.id, pattern);
        return { deleted: await cache.deletePattern(scoped), pattern: scoped };
      }
      return { deleted: await cache.invalidateWorkspace(workspace.id, entityTypes) };
    },
  );
}

/**
 * A pattern is relative to the workspace's prefix ("entity:contact:*") and so cannot leave it, or absolute
 * and then must start with that prefix: naming another workspace is refused, not silently rescoped.
 */
export function scopePattern(cache: CacheService, workspaceId: string, pattern: string): string {
  const own = cache.workspacePrefix(workspaceId);
  if (pattern.startsWith(own)) return pattern;
  if (pattern.startsWith(`${cache.namespace}:`)) {
    throw new AppError(
      'CACHE_PATTERN_FORBIDDEN',
      403,
      `patterns are relative to this workspace (e.g. "entity:contact:*") or start with "${own}"`,
    );
  }
  return `${own}${pattern}`;
}
