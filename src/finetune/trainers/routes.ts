// HTTP for self-hosted training: the trainer protocol the Python workers speak (/api/trainer/v1, a worker
// token instead of a user's), and the admin routes that register workers and list their health.
import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, workspaceOf } from '../../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../../platform/http/schemas.ts';
import { streamBody } from '../../platform/http/stream-body.ts';
import { methodNames } from '../catalog.ts';
import type { Trainer } from './repository.ts';
import type { TrainerService } from './service.ts';

const tags = ['self-hosted training'];
// Authenticated by the worker's token in a hook of its own, not by the users' token check.
const workerAccess = { access: { public: true } };
const admin = { access: { role: 'admin' as const } };
const jobParams = z.object({ jobId: z.string().min(1).max(100) });
const binary = ['application/octet-stream', 'application/gzip', 'application/x-tar'];
const decision = z.object({ keepGoing: z.boolean(), cancelRequested: z.boolean() });

const registration = z
  .object({
    device: z.string().min(1).max(40),
    name: z.string().max(200),
    memoryGib: z.number().nonnegative().nullable(),
    freeMemoryGib: z.number().nonnegative().nullable(),
    bf16: z.boolean(),
    torchVersion: z.string().max(100),
    methods: z.array(z.enum(methodNames)).max(methodNames.length),
    unavailable: z.record(z.string().max(40), z.string().max(2000)).default({}),
    models: z.array(z.string().min(1).max(100)).max(200).default([]),
    hub: z.boolean().default(true),
  })
  .strict();

const metric = z
  .object({
    step: z.number().int().nonnegative(),
    epoch: z.number().nonnegative(),
    loss: z.number().nullable(),
    evalLoss: z.number().nullable(),
    learningRate: z.number().nullable(),
    accuracy: z.number().nullable().default(null),
    tokensPerSec: z.number().nonnegative().nullable().default(null),
    gpuMemoryGib: z.number().nonnegative().nullable().default(null),
  })
  .strict();

const trainerSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  tokenPrefix: z.string(),
  health: z.enum(['training', 'idle', 'offline', 'never-connected', 'revoked']),
  hardware: z
    .object({
      device: z.string(),
      name: z.string(),
      memoryGib: z.number().nullable(),
      freeMemoryGib: z.number().nullable(),
      bf16: z.boolean(),
      torchVersion: z.string(),
    })
    .nullable(),
  capabilities: z
    .object({
      methods: z.array(z.string()),
      unavailable: z.record(z.string(), z.string()),
      models: z.array(z.string()),
      hub: z.boolean(),
    })
    .nullable(),
  currentJobId: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

declare module 'fastify' {
  interface FastifyRequest {
    trainer: Trainer | null;
  }
}

/** The worker protocol, mounted at /api/trainer/v1 (docs/trainer-protocol.md). */
export function registerTrainerProtocol(app: FastifyInstance, trainers: TrainerService): void {
  // Checkpoints and artifacts stay streams: they go to disk as they arrive, never whole into memory.
  app.addContentTypeParser(binary, (_request, payload, done) => done(null, payload));
  app.decorateRequest('trainer', null);
  app.addHook('onRequest', async (request) => {
    request.trainer = await trainers.authenticate(request.headers.authorization);
  });
  const trainerOf = (request: FastifyRequest) => request.trainer!;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/register',
    {
      config: workerAccess,
      schema: {
        summary: 'A worker says what it is: hardware, free GPU memory, the methods and models it can run',
        tags,
        body: registration,
        response: {
          200: z.object({ trainerId: z.string(), pollSeconds: z.number(), leaseSeconds: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { methods, unavailable, models, hub, ...hardware } = request.body;
      return trainers.register(trainerOf(request), hardware, { methods, unavailable, models, hub });
    },
  );

  api.post(
    '/claim',
    {
      config: workerAccess,
      schema: {
        summary: "Claim the workspace's oldest queued self-hosted job this worker can run (204: none)",
        tags,
        body: z.object({}).strict().optional(),
        response: {
          200: z.object({
            job: z.object({
              id: z.string(),
              name: z.string(),
              baseModel: z.string(),
              huggingFaceModel: z.string(),
              method: z.string(),
              hyperparameters: z.record(z.string(), z.unknown()),
              datasetType: z.string(),
            }),
            resumeFromStep: z.number().nullable(),
            leaseSeconds: z.number(),
          }),
          204: z.null().describe('no job is waiting'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const claimed = await trainers.claim(trainerOf(request));
      return claimed ? claimed : reply.code(204).send(null);
    },
  );

  api.get(
    '/jobs/:jobId/dataset',
    {
      config: workerAccess,
      schema: {
        summary: 'The held job\'s dataset as JSONL: {"split", "messages"} per line',
        tags,
        params: jobParams,
        produces: ['application/x-ndjson'],
        response: { 200: z.string(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const lines = await trainers.datasetLines(trainerOf(request), request.params.jobId);
      return reply.type('application/x-ndjson').send(lines);
    },
  );

  api.post(
    '/jobs/:jobId/progress',
    {
      config: workerAccess,
      schema: {
        summary: "Record a step's metrics and renew the lease; the answer says whether to go on",
        tags,
        params: jobParams,
        body: z
          .object({
            step: z.number().int().nonnegative(),
            totalSteps: z.number().int().nonnegative(),
            metrics: z.array(metric).max(1000).default([]),
          })
          .strict(),
        response: { 200: decision, ...errorResponses },
      },
    },
    async (request) => trainers.progress(trainerOf(request), request.params.jobId, request.body),
  );

  api.post(
    '/jobs/:jobId/heartbeat',
    {
      config: workerAccess,
      schema: {
        summary: 'Renew the lease while loading a model or writing files',
        tags,
        params: jobParams,
        body: z.object({}).strict().optional(),
        response: { 200: decision, ...errorResponses },
      },
    },
    async (request) => trainers.heartbeat(trainerOf(request), request.params.jobId),
  );

  api.put(
    '/jobs/:jobId/checkpoint',
    {
      config: workerAccess,
      schema: {
        summary: 'Upload the latest checkpoint (a tar.gz), from which another worker can resume the job',
        tags,
        params: jobParams,
        querystring: z.object({ step: z.coerce.number().int().positive() }).strict(),
        consumes: binary,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await trainers.saveCheckpoint(
        trainerOf(request),
        request.params.jobId,
        request.query.step,
        streamBody(request.body, 'application/octet-stream'),
      );
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/jobs/:jobId/checkpoint',
    {
      config: workerAccess,
      schema: {
        summary: "Download the held job's latest checkpoint (404 CHECKPOINT_NOT_FOUND when it has none)",
        tags,
        params: jobParams,
        produces: ['application/gzip'],
        response: { 200: z.unknown(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const checkpoint = await trainers.checkpoint(trainerOf(request), request.params.jobId);
      return reply
        .type('application/gzip')
        .header('x-checkpoint-step', String(checkpoint.step))
        .send(fs.createReadStream(checkpoint.file));
    },
  );

  api.put(
    '/jobs/:jobId/artifact',
    {
      config: workerAccess,
      schema: {
        summary: 'Upload the trained adapter or weights (a tar.gz of the saved model directory)',
        tags,
        params: jobParams,
        consumes: binary,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await trainers.saveArtifact(
        trainerOf(request),
        request.params.jobId,
        streamBody(request.body, 'application/octet-stream'),
      );
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/jobs/:jobId/complete',
    {
      config: workerAccess,
      schema: {
        summary: 'The job trained: its summary (losses, parameter counts); the artifact must be uploaded',
        tags,
        params: jobParams,
        body: z.object({ result: z.record(z.string(), z.unknown()) }).strict(),
        response: { 200: z.object({ status: z.string() }), ...errorResponses },
      },
    },
    async (request) => {
      const job = await trainers.complete(trainerOf(request), request.params.jobId, request.body.result);
      return { status: job.status };
    },
  );

  api.post(
    '/jobs/:jobId/fail',
    {
      config: workerAccess,
      schema: {
        summary: 'The job cannot train (its error is shown to the user)',
        tags,
        params: jobParams,
        body: z.object({ error: z.string().min(1).max(4000) }).strict(),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await trainers.fail(trainerOf(request), request.params.jobId, request.body.error);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/jobs/:jobId/stop',
    {
      config: workerAccess,
      schema: {
        summary: 'The worker stopped the job: cancelled if a cancel was asked, else back to the queue',
        tags,
        params: jobParams,
        body: z.object({}).strict().optional(),
        response: { 200: z.object({ status: z.enum(['cancelled', 'released']) }), ...errorResponses },
      },
    },
    async (request) => trainers.stop(trainerOf(request), request.params.jobId),
  );
}

/** Registering workers and watching them, under /api/ai/fine-tuning/:workspaceId/trainers. */
export function registerTrainerAdminRoutes(app: FastifyInstance, trainers: TrainerService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const trainerParams = workspaceParams.extend({ trainerId: z.string().min(1).max(100) });

  api.post(
    '/:workspaceId/trainers',
    {
      config: admin,
      schema: {
        summary: 'Register a self-hosted training worker; its token is shown once',
        tags,
        params: workspaceParams,
        body: z.object({ name: z.string().trim().min(1).max(200) }).strict(),
        response: { 201: z.object({ trainer: trainerSchema, token: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await trainers.create(
        workspaceOf(request).id,
        request.body.name,
        principalOf(request).userId,
      );
      return reply.code(201).send(created);
    },
  );

  api.get(
    '/:workspaceId/trainers',
    {
      schema: {
        summary: "The workspace's training workers: hardware, methods, current job and health",
        tags,
        params: workspaceParams,
        response: { 200: z.object({ trainers: z.array(trainerSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ trainers: await trainers.list(workspaceOf(request).id) }),
  );

  api.delete(
    '/:workspaceId/trainers/:trainerId',
    {
      config: admin,
      schema: {
        summary: "Revoke a worker's token (a job it holds goes to another worker when its lease runs out)",
        tags,
        params: trainerParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await trainers.revoke(workspaceOf(request).id, request.params.trainerId);
      return reply.code(204).send(null);
    },
  );
}
