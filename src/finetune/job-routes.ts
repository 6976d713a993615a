// HTTP for fine-tuning jobs, with the mission's paths, plus an estimate and a server-sent event stream of a
// job's status and metrics (read from the database, so it works whichever instance runs the job).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import { methodNames, providerNames } from './catalog.ts';
import { hyperparametersSchema, jobTrainingDataSchema } from './jobs/job.ts';
import type { JobService } from './jobs/service.ts';

const tags = ['fine-tuning'];
const jobParams = workspaceParams.extend({ jobId: z.string().min(1).max(100) });
const admin = { access: { role: 'admin' as const } };

const jobBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    baseModel: z.string().min(1).max(100),
    method: z.enum(methodNames).default('lora'),
    provider: z.enum(providerNames).default('simulator'),
    datasetId: z.string().min(1).max(100).optional(),
    trainingData: jobTrainingDataSchema.optional(),
    hyperparameters: hyperparametersSchema.default({ epochs: 3, batchSize: 4, learningRate: 0.0001 }),
  })
  .strict();

const rangeSchema = z.object({ low: z.number(), expected: z.number(), high: z.number() });
const estimateSchema = z.object({
  trainingTokens: z.number(),
  hours: rangeSchema,
  costUsd: rangeSchema,
  basis: z.string(),
});
const metricSchema = z.object({
  step: z.number(),
  epoch: z.number(),
  loss: z.number().nullable(),
  evalLoss: z.number().nullable(),
  learningRate: z.number().nullable(),
  accuracy: z.number().nullable(),
  tokensPerSec: z.number().nullable().optional(),
  gpuMemoryGib: z.number().nullable().optional(),
  at: z.string(),
});

const jobSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  baseModel: z.string(),
  method: z.string(),
  provider: z.string(),
  datasetId: z.string().nullable(),
  trainingData: z.record(z.string(), z.unknown()).nullable(),
  hyperparameters: z.object({
    epochs: z.number(),
    batchSize: z.number(),
    learningRate: z.number(),
    loraRank: z.number().optional(),
    loraAlpha: z.number().optional(),
    loraDropout: z.number().optional(),
    virtualTokens: z.number().optional(),
  }),
  status: z.string(),
  deployStatus: z.string(),
  simulated: z.boolean(),
  progress: z.number(),
  step: z.number(),
  totalSteps: z.number(),
  estimate: estimateSchema.nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  deployment: z.record(z.string(), z.unknown()).nullable(),
  providerRun: z
    .object({
      trainingFile: z.string().optional(),
      validationFile: z.string().optional(),
      runId: z.string().optional(),
      providerStatus: z.string().optional(),
    })
    .nullable(),
  error: z.string().nullable(),
  cancelRequested: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  metrics: z.array(metricSchema).optional(),
});

export function registerJobRoutes(app: FastifyInstance, jobs: JobService, streamPollMs: number): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/:workspaceId/jobs',
    {
      config: admin,
      schema: {
        summary: 'Create a training job',
        tags,
        params: workspaceParams,
        body: jobBody,
        response: { 201: jobSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = await jobs.create(workspaceOf(request).id, request.body, principalOf(request).userId);
      return reply.code(201).send(job);
    },
  );

  api.get(
    '/providers',
    {
      schema: {
        summary: 'Training providers and whether each is configured here (with what to set when not)',
        tags,
        response: {
          200: z.object({
            providers: z.array(
              z.object({ provider: z.string(), available: z.boolean(), reason: z.string().nullable() }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({ providers: jobs.providerAvailability() }),
  );

  api.post(
    '/:workspaceId/jobs/estimate',
    {
      schema: {
        summary: 'Time and cost estimate for a job on a dataset, without creating it',
        tags,
        params: workspaceParams,
        body: z
          .object({
            baseModel: z.string().min(1).max(100),
            method: z.enum(methodNames).default('lora'),
            provider: z.enum(providerNames).default('together'),
            datasetId: z.string().min(1).max(100),
            epochs: z.number().int().min(1).max(20).default(3),
          })
          .strict(),
        response: { 200: estimateSchema, ...errorResponses },
      },
    },
    async (request) => jobs.estimate(workspaceOf(request).id, request.body),
  );

  api.get(
    '/:workspaceId/jobs',
    {
      schema: {
        summary: 'The workspace’s training jobs, newest first',
        tags,
        params: workspaceParams,
        querystring: z
          .object({
            status: z
              .enum(['created', 'validating', 'queued', 'running', 'succeeded', 'failed', 'cancelled'])
              .optional(),
          })
          .strict(),
        response: { 200: z.object({ jobs: z.array(jobSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ jobs: await jobs.list(workspaceOf(request).id, request.query) }),
  );

  api.get(
    '/:workspaceId/jobs/:jobId',
    {
      schema: {
        summary: 'A job with its metrics so far',
        tags,
        params: jobParams,
        response: { 200: jobSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { jobId } = request.params;
      const job = await jobs.get(workspaceOf(request).id, jobId);
      return { ...job, metrics: await jobs.metrics(job.id) };
    },
  );

  for (const [action, summary] of [
    ['cancel', 'Cancel a job (a running one stops at its next step)'],
    ['deploy', 'Deploy a succeeded job’s model and make it the active one of its kind'],
    ['undeploy', 'Take a deployed model out of service (its kind falls back to the model before it)'],
  ] as const) {
    api.post(
      `/:workspaceId/jobs/:jobId/${action}`,
      {
        config: admin,
        schema: { summary, tags, params: jobParams, response: { 200: jobSchema, ...errorResponses } },
      },
      async (request) => {
        const { jobId } = request.params;
        return jobs[action](workspaceOf(request).id, jobId);
      },
    );
  }

  api.get(
    '/:workspaceId/stats',
    {
      schema: {
        summary: 'Fine-tuning statistics of the workspace',
        tags,
        params: workspaceParams,
        response: {
          200: z.looseObject({ jobs: z.number(), byStatus: z.record(z.string(), z.number()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => jobs.stats(workspaceOf(request).id),
  );

  api.get(
    '/:workspaceId/jobs/:jobId/events',
    {
      sse: 'only',
      schema: {
        summary: 'Server-sent events: `job` (status, progress) and `metric` (step, loss, eval loss…)',
        tags,
        params: jobParams,
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('an event stream'), ...errorResponses },
      },
    },
    async (request, reply) => {
      // Unknown jobs are a 404 in the usual body: nothing is streamed before this read.
      const job = await jobs.get(workspaceOf(request).id, request.params.jobId);
      const resumeAfter = Number.parseInt(reply.sse.lastEventId ?? '', 10);
      reply.header('x-request-id', request.id);
      const signal = AbortSignal.any([app.shutdownSignal, closedSignal(request)]);
      const events = jobs.watch(job, {
        afterStep: Number.isFinite(resumeAfter) ? resumeAfter : -1,
        pollMs: streamPollMs,
        signal,
      });
      await reply.sse.send(
        (async function* () {
          for await (const event of events) {
            yield {
              id: String(event.cursor),
              event: event.kind,
              data: event.kind === 'job' ? event.job : event.metric,
            };
          }
        })(),
      );
    },
  );
}

/** Aborted when the client goes away. */
function closedSignal(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => controller.abort());
  return controller.signal;
}
