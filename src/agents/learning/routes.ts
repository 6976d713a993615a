// HTTP for learned scores: each open lead's and deal's current score (listed by score, filtered by band or
// range), the scorers' versions with their measured quality, and retraining or rescoring on request.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordIdSchema } from '../../crm/records/entity-types.ts';
import { AppError } from '../../platform/errors.ts';
import { workspaceOf } from '../../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../../platform/http/schemas.ts';
import type { RecordScores } from './record-scores.ts';
import type { ScoringModels } from './scoring-models.ts';

const tags = ['agents: scores'];
const admin = { access: { role: 'admin' as const } };
const scoredTypes = { leads: 'lead', deals: 'deal' } as const;
const typeParams = workspaceParams.extend({ type: z.enum(['leads', 'deals']) });

const scoreSchema = z.object({
  entityType: z.enum(['lead', 'deal']),
  recordId: z.string(),
  score: z.number().int(),
  probability: z.number(),
  band: z.enum(['hot', 'warm', 'cold']),
  confidence: z.enum(['low', 'medium', 'high']),
  factors: z.array(
    z.object({ text: z.string(), direction: z.enum(['raises', 'lowers']), field: z.string() }),
  ),
  modelVersion: z.number().int(),
  scoredAt: z.string(),
});

const qualitySchema = z.object({
  auc: z.number(),
  brier: z.number(),
  ece: z.number(),
  positives: z.number().int(),
  negatives: z.number().int(),
  folds: z.number().int(),
  trees: z.number().int(),
  hasSignal: z.boolean(),
});

export function registerScoreRoutes(app: FastifyInstance, models: ScoringModels, scores: RecordScores): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/:workspaceId/scores/:type',
    {
      schema: {
        summary:
          'Open leads or deals by their current score, with the score’s band, confidence and top factors',
        tags,
        params: typeParams,
        querystring: z
          .object({
            band: z.enum(['hot', 'warm', 'cold']).optional(),
            minScore: z.coerce.number().int().min(0).max(100).optional(),
            maxScore: z.coerce.number().int().min(0).max(100).optional(),
            ids: z
              .string()
              .max(7000)
              .transform((value) => value.split(',').filter(Boolean))
              .pipe(z.array(recordIdSchema).max(100))
              .optional()
              .describe('comma-separated record ids: only their scores (a list page’s rows)'),
            order: z.enum(['asc', 'desc']).default('desc'),
            limit: z.coerce.number().int().min(1).max(500).default(50),
            offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
          })
          .strict(),
        response: {
          200: z.object({
            data: z.array(z.object({ record: z.record(z.string(), z.unknown()), score: scoreSchema })),
            nextOffset: z.number().int().nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => scores.list(workspaceOf(request).id, scoredTypes[request.params.type], request.query),
  );

  api.get(
    '/:workspaceId/scores/:type/:id',
    {
      schema: {
        summary: 'One record’s current score',
        tags,
        params: typeParams.extend({ id: recordIdSchema }),
        response: { 200: scoreSchema, ...errorResponses },
      },
    },
    async (request) => {
      const type = scoredTypes[request.params.type];
      const score = await scores.get(workspaceOf(request).id, type, request.params.id);
      if (!score) {
        throw new AppError(
          'SCORE_NOT_FOUND',
          404,
          `${type} ${request.params.id} has no score: it is decided, unknown, or not scored yet`,
        );
      }
      return score;
    },
  );

  api.get(
    '/:workspaceId/scoring-models',
    {
      schema: {
        summary: 'Versions of the lead-conversion and deal-win scorers, with their cross-validated quality',
        tags,
        params: workspaceParams,
        response: {
          200: z.object({
            data: z.array(
              z.object({
                kind: z.enum(['lead', 'deal']),
                version: z.number().int(),
                status: z.enum(['active', 'retired', 'rejected']),
                reason: z.string().nullable(),
                quality: qualitySchema,
                trainedAt: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ data: await models.store.versions(workspaceOf(request).id) }),
  );

  const queued = z.object({ queued: z.literal(true) });
  api.post(
    '/:workspaceId/scoring-models/retrain',
    {
      config: admin,
      schema: {
        summary: 'Retrain the workspace’s scorers in the background (a version serves only if not worse)',
        tags,
        params: workspaceParams,
        response: { 202: queued, ...errorResponses },
      },
    },
    async (request, reply) => {
      await models.requestRetrain(workspaceOf(request).id);
      return reply.code(202).send({ queued: true });
    },
  );

  api.post(
    '/:workspaceId/scores/rescore',
    {
      config: admin,
      schema: {
        summary: 'Rescore every open lead and deal in the background',
        tags,
        params: workspaceParams,
        response: { 202: queued, ...errorResponses },
      },
    },
    async (request, reply) => {
      await scores.enqueue({ workspaceId: workspaceOf(request).id });
      return reply.code(202).send({ queued: true });
    },
  );
}
