// HTTP for fine-tuning, with the mission's paths: the catalogue and the workspace's datasets.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import { baseModels, providerNames, trainingMethods } from './catalog.ts';
import { workspaceFiltersSchema } from './datasets/builders.ts';
import { datasetTypes } from './datasets/examples.ts';
import type { DatasetService } from './datasets/service.ts';

const tags = ['fine-tuning'];
const datasetParams = workspaceParams.extend({ id: z.string().min(1).max(100) });
const admin = { access: { role: 'admin' as const } };

const datasetBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    type: z.enum(datasetTypes),
    baseModel: z.string().min(1).max(100).default('llama-3.1-8b'),
    validationSplit: z.number().min(0).max(0.5).default(0.1),
    trainingData: z.discriminatedUnion('source', [
      z.object({ source: z.literal('workspace'), filters: workspaceFiltersSchema.default({}) }).strict(),
      z.object({ source: z.literal('upload'), jsonl: z.string().min(1) }).strict(),
    ]),
  })
  .strict();

const qualitySchema = z.object({
  score: z.number(),
  issues: z.array(
    z.object({ code: z.string(), message: z.string(), count: z.number(), examples: z.array(z.number()) }),
  ),
  tokens: z.object({ total: z.number(), mean: z.number(), p95: z.number(), max: z.number() }),
  labels: z.record(z.string(), z.number()).optional(),
});
const datasetSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(datasetTypes),
  source: z.enum(['workspace', 'upload']),
  filters: z.record(z.string(), z.unknown()).nullable(),
  baseModel: z.string(),
  validationSplit: z.number(),
  exampleCount: z.number(),
  trainCount: z.number(),
  validationCount: z.number(),
  tokenCount: z.number(),
  quality: qualitySchema,
  providerChecks: z.array(
    z.object({ provider: z.string(), valid: z.boolean(), format: z.string(), errors: z.array(z.string()) }),
  ),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  usedBy: z
    .array(z.object({ jobId: z.string(), name: z.string(), status: z.string(), createdAt: z.string() }))
    .optional(),
  sample: z
    .array(
      z.object({
        position: z.number(),
        split: z.string(),
        tokens: z.number(),
        example: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
});
const methodSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  recommended: z.boolean(),
  providers: z.array(z.string()),
  relativeSpeed: z.number(),
});

export function registerFineTuningRoutes(app: FastifyInstance, datasets: DatasetService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/models',
    {
      schema: {
        summary: 'Base models that can be fine-tuned, with the providers that train each',
        tags,
        response: {
          200: z.object({
            models: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                family: z.enum(['llama', 'mistral', 'qwen', 'deepseek', 'openai', 'local']),
                parametersB: z.number(),
                contextTokens: z.number(),
                gpu: z.string(),
                gpuCount: z.number(),
                typicalTime: z.string(),
                typicalCost: z.string(),
                tokenizer: z.string(),
                providerModels: z.record(z.string(), z.string()),
                providers: z.array(z.string()),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      models: baseModels.map((model) => ({ ...model, providers: Object.keys(model.providerModels) })),
    }),
  );

  api.get(
    '/methods',
    {
      schema: {
        summary: 'Training methods and the providers that offer each',
        tags,
        response: {
          200: z.object({ methods: z.array(methodSchema) }),
          ...errorResponses,
        },
      },
    },
    async () => ({ methods: trainingMethods }),
  );

  api.post(
    '/:workspaceId/datasets',
    {
      config: admin,
      schema: {
        summary: 'Create a dataset from workspace records (with filters) or an uploaded JSONL',
        tags,
        params: workspaceParams,
        body: datasetBody,
        response: { 201: datasetSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const dataset = await datasets.create(
        workspaceOf(request).id,
        request.body,
        principalOf(request).userId,
      );
      return reply.code(201).send(dataset);
    },
  );

  api.get(
    '/:workspaceId/datasets',
    {
      schema: {
        summary: 'The workspace’s datasets',
        tags,
        params: workspaceParams,
        response: { 200: z.object({ datasets: z.array(datasetSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ datasets: await datasets.list(workspaceOf(request).id) }),
  );

  api.get(
    '/:workspaceId/datasets/:id',
    {
      schema: {
        summary: 'A dataset with its quality report, provider checks and first examples',
        tags,
        params: datasetParams,
        response: { 200: datasetSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const workspaceId = workspaceOf(request).id;
      const dataset = await datasets.get(workspaceId, id);
      return {
        ...dataset,
        sample: await datasets.examples(workspaceId, id, { limit: 5 }),
        usedBy: await datasets.usage(workspaceId, id),
      };
    },
  );

  api.put(
    '/:workspaceId/datasets/:id',
    {
      config: admin,
      schema: {
        summary: 'Rename, describe or re-split a dataset',
        tags,
        params: datasetParams,
        body: z
          .object({
            name: z.string().trim().min(1).max(200).optional(),
            description: z.string().max(2000).nullable().optional(),
            validationSplit: z.number().min(0).max(0.5).optional(),
          })
          .strict(),
        response: { 200: datasetSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      return datasets.update(workspaceOf(request).id, id, request.body);
    },
  );

  api.delete(
    '/:workspaceId/datasets/:id',
    {
      config: admin,
      schema: {
        summary: 'Delete a dataset',
        tags,
        params: datasetParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await datasets.delete(workspaceOf(request).id, id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/:workspaceId/datasets/:id/export',
    {
      schema: {
        summary: 'The dataset as a provider’s JSONL',
        tags,
        params: datasetParams,
        querystring: z
          .object({
            provider: z.enum(providerNames).default('together'),
            split: z.enum(['train', 'validation']).optional(),
          })
          .strict(),
        produces: ['application/x-ndjson'],
        response: { 200: z.string().describe('one JSON example a line'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { provider, split } = request.query;
      const body = await datasets.exportJsonl(workspaceOf(request).id, id, provider, split);
      return reply.type('application/x-ndjson').send(body);
    },
  );
}
