// HTTP for search, with the mission's paths and bodies: /api/vector/...
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CrmError } from '../crm/errors.ts';
import { entityTypeList, entityTypeNames, recordIdSchema } from '../crm/records/entity-types.ts';
import { workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import { TimeSlicer } from '../platform/time-slicer.ts';
import { NOISE_FLOOR } from './relevance.ts';
import type { SearchHit, VectorService } from './service.ts';

const tags = ['search'];

/** Singular as in the mission ("contact"); plurals ("contacts") are accepted too. */
const entityTypeSchema = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  return entityTypeList.find((type) => type.plural === value)?.name ?? value;
}, z.enum(entityTypeNames));

const entityParams = workspaceParams.extend({ entityType: entityTypeSchema, entityId: recordIdSchema });
const idParams = workspaceParams.extend({ entityType: entityTypeSchema, id: recordIdSchema });

const hitSchema = z.object({
  entityType: z.enum(entityTypeNames),
  entityId: z.string(),
  score: z.number(),
  title: z.string(),
  snippet: z.string(),
  matched: z.array(z.enum(['vector', 'keyword'])).optional(),
});
const resultsSchema = z.object({
  results: z.array(hitSchema),
  model: z.string(),
  tookMs: z.number(),
  /** Why there are no results, when there are none. */
  reason: z.string().optional(),
});
const indexReportSchema = z.object({
  indexed: z.number(),
  vectors: z.number(),
  missing: z.array(z.string()),
});

/** One embedding request: a 256-text batch of short passages fits; a document dump does not. */
export const EMBEDDING_BODY_LIMIT_BYTES = 1024 * 1024;

const topK = z.coerce.number().int().min(1).max(100).default(10);
const minScore = z.coerce.number().min(-1).max(1).default(0);

export const searchBody = z
  .object({
    query: z.string().trim().min(1).max(2000),
    entityTypes: z.array(entityTypeSchema).min(1).optional(),
    topK,
    minScore,
  })
  .strict();
export const hybridBody = searchBody.extend({
  /** Omitted: one calibrated relevance from both sides; given: the weighted mean of the two sides' own. */
  vectorWeight: z.number().min(0).max(1).optional(),
  fusion: z.enum(['weighted', 'rrf']).default('weighted'),
});

/** `entityTypes=contact,lead` or repeated `entityTypes=contact&entityTypes=lead`; unknown names are a 400. */
const entityTypesQuery = z.preprocess(
  (value) =>
    typeof value === 'string' || Array.isArray(value)
      ? [value]
          .flat()
          .flatMap((item) => String(item).split(','))
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : value,
  z.array(entityTypeSchema).min(1).max(entityTypeNames.length),
);
const similarQuery = z.object({ topK, minScore, entityTypes: entityTypesQuery.optional() }).strict();

export function registerVectorRoutes(app: FastifyInstance, vectors: VectorService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/:workspaceId/index/:entityType/:entityId',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Index one record',
        tags,
        params: entityParams,
        response: { 200: indexReportSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { entityType, entityId } = request.params;
      const report = await vectors.indexEntity(workspaceOf(request).id, entityType, entityId);
      if (report.missing.length > 0) throw CrmError.recordNotFound(entityType, entityId);
      return report;
    },
  );

  api.post(
    '/:workspaceId/index-batch/:entityType',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Index many records of one type (all of them when no ids are given)',
        tags,
        params: workspaceParams.extend({ entityType: entityTypeSchema }),
        body: z
          .object({ ids: z.array(recordIdSchema).min(1).max(10_000).optional() })
          .strict()
          .default({}),
        response: { 200: indexReportSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { entityType } = request.params;
      const { ids } = request.body;
      const workspaceId = workspaceOf(request).id;
      return ids
        ? vectors.indexMany(workspaceId, entityType, ids)
        : vectors.indexAll(workspaceId, entityType);
    },
  );

  api.post(
    '/:workspaceId/search',
    {
      // A search reads; POST only carries the query. Viewers read (README, roles).
      config: { access: { role: 'viewer' } },
      schema: {
        summary: 'Semantic search across record types',
        tags,
        params: workspaceParams,
        body: searchBody,
        response: { 200: resultsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      return timedResults(vectors, () => vectors.search(workspaceOf(request).id, body), body.minScore);
    },
  );

  api.post(
    '/:workspaceId/hybrid-search',
    {
      // A search reads; POST only carries the query. Viewers read (README, roles).
      config: { access: { role: 'viewer' } },
      schema: {
        summary: 'Hybrid search: vector and keyword (BM25) rankings fused; exact names and emails first',
        tags,
        params: workspaceParams,
        body: hybridBody,
        response: { 200: resultsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      return timedResults(
        vectors,
        () => vectors.hybridSearch(workspaceOf(request).id, body),
        body.fusion === 'rrf' ? undefined : body.minScore,
      );
    },
  );

  api.get(
    '/:workspaceId/similar/:entityType/:id',
    {
      schema: {
        summary: 'Records similar to one record',
        tags,
        params: idParams,
        querystring: similarQuery,
        response: { 200: resultsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { entityType, id } = request.params;
      const query = request.query;
      return timedResults(vectors, () => vectors.similar(workspaceOf(request).id, entityType, id, query));
    },
  );

  // The mission writes this path with `:id`; it is named `:entityId` as in the indexing route on the same
  // path, since two paths that differ only in a parameter's name are one ambiguous path to OpenAPI.
  api.delete(
    '/:workspaceId/index/:entityType/:entityId',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Remove a record from the index',
        tags,
        params: entityParams,
        response: { 200: z.object({ removed: z.number() }), ...errorResponses },
      },
    },
    async (request) => {
      const { entityType, entityId } = request.params;
      return { removed: await vectors.removeEntity(workspaceOf(request).id, entityType, entityId) };
    },
  );

  api.get(
    '/:workspaceId/stats',
    {
      schema: {
        summary: 'Index statistics: vectors per type, backend, model, dimension, last indexed, size',
        tags,
        params: workspaceParams,
        response: {
          200: z.object({
            backend: z.string(),
            model: z.string(),
            dimensions: z.number(),
            vectors: z.number(),
            vectorsByType: z.record(z.string(), z.number()),
            records: z.record(z.string(), z.number()),
            lastIndexedAt: z.string().nullable(),
            sizeBytes: z.number(),
            indexModel: z.string().nullable(),
            needsReindex: z.boolean(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const stats = await vectors.stats(workspaceOf(request).id);
      return {
        backend: stats.backend,
        model: stats.model,
        dimensions: stats.dimensions,
        vectors: stats.namespace?.vectors ?? 0,
        vectorsByType: stats.namespace?.vectorsByType ?? {},
        records: stats.records,
        lastIndexedAt: stats.namespace?.lastIndexedAt ?? null,
        sizeBytes: stats.namespace?.sizeBytes ?? 0,
        indexModel: stats.namespace?.model ?? null,
        needsReindex: stats.needsReindex,
      };
    },
  );

  api.post(
    '/embedding',
    {
      // Open to every role, so bounded tightly: 413 beyond (see README, Limits).
      bodyLimit: EMBEDDING_BODY_LIMIT_BYTES,
      schema: {
        summary: 'Embed one text or a batch with the configured model',
        tags,
        body: z
          .object({
            text: z.string().min(1).max(20_000).optional(),
            texts: z.array(z.string().min(1).max(20_000)).min(1).max(256).optional(),
          })
          .strict()
          .refine((body) => (body.text === undefined) !== (body.texts === undefined), {
            message: 'send either text or texts',
          }),
        response: {
          200: z.object({
            model: z.string(),
            dimensions: z.number(),
            embeddings: z.array(z.array(z.number())),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { text, texts } = request.body;
      const embeddings: number[][] = [];
      const slicer = new TimeSlicer();
      for (const input of texts ?? [text!]) {
        embeddings.push(Array.from(await vectors.embedText(input)));
        await slicer.maybeYield();
      }
      return { model: vectors.model, dimensions: vectors.dimensions, embeddings };
    },
  );
}

/** The reply of every search route: its results, the model that ranked them, and how long it took. */
async function timedResults(vectors: VectorService, search: () => Promise<SearchHit[]>, minScore?: number) {
  const started = performance.now();
  const results = await search();
  const tookMs = Number((performance.now() - started).toFixed(2));
  if (results.length > 0 || minScore === undefined) return { results, model: vectors.model, tookMs };
  const reason =
    minScore > NOISE_FLOOR
      ? `no record reached minScore ${minScore} (scores are calibrated probabilities of relevance)`
      : `no record is likely relevant: nothing matched the query's words, and nothing came close enough in meaning to stand out from noise (relevance under ${NOISE_FLOOR})`;
  return { results, model: vectors.model, tookMs, reason };
}
