// Which deployed model serves each kind of work in a workspace: its chat model (the agents' answers) and its
// classifier per task (lead scoring). One is active per slot, chosen explicitly; a rollback brings back the
// one before; undeploying (a job route) hands the slot back. Each model carries its job's held-out metrics,
// so the panel compares them against the baseline.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ModelRegistry, slotOf } from '../ai/registry.ts';
import { workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import type { JobService } from './jobs/service.ts';

const tags = ['fine-tuning'];
const admin = { access: { role: 'admin' as const } };

const slotSchema = z.object({
  slot: z.string(),
  modelId: z.string(),
  previousModelId: z.string().nullable(),
  activatedAt: z.string(),
});

const modelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['chat', 'classifier']),
  task: z.string().nullable(),
  slot: z.string().nullable(),
  active: z.boolean(),
  source: z.string(),
  registeredAt: z.string(),
  job: z
    .object({
      name: z.string(),
      provider: z.string(),
      method: z.string(),
      baseModel: z.string(),
      finalLoss: z.number().nullable(),
      evalLoss: z.number().nullable(),
      valAccuracy: z.number().nullable(),
      majorityBaseline: z.number().nullable(),
    })
    .nullable(),
});

const modelsSchema = z.object({
  /** The model answering agents when no fine-tuned chat model is active (AGENT_MODEL), or null: analytic. */
  defaultChatModel: z.string().nullable(),
  slots: z.array(slotSchema),
  models: z.array(modelSchema),
});

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);

export function registerModelRoutes(app: FastifyInstance, registry: ModelRegistry, jobs: JobService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/:workspaceId/models',
    {
      schema: {
        // The derived id would be the base-model catalogue's (GET /models; the workspace is left out of ids).
        operationId: 'getAiFineTuningDeployedModels',
        summary: 'Deployed models, the active one of each kind, and their held-out metrics',
        tags,
        params: workspaceParams,
        response: { 200: modelsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const workspaceId = workspaceOf(request).id;
      const [registrations, slots] = await Promise.all([
        registry.list(workspaceId),
        registry.activeSlots(workspaceId),
      ]);
      const active = new Set(slots.map((slot) => slot.modelId));
      const models = await Promise.all(
        registrations.map(async (registration) => {
          const job = await jobs.get(workspaceId, registration.id).catch(() => null);
          const result = job?.result ?? {};
          return {
            id: registration.id,
            name: registration.name,
            kind: registration.kind,
            task: registration.task,
            slot: slotOf(registration),
            active: active.has(registration.id),
            source: registration.source,
            registeredAt: registration.registeredAt,
            job: job && {
              name: job.name,
              provider: job.provider,
              method: job.method,
              baseModel: job.baseModel,
              finalLoss: numberOrNull(result.finalLoss),
              evalLoss: numberOrNull(result.evalLoss),
              valAccuracy: numberOrNull(result.valAccuracy),
              majorityBaseline: numberOrNull(result.majorityBaseline),
            },
          };
        }),
      );
      return { defaultChatModel: registry.defaultChatModel ?? null, slots, models };
    },
  );

  api.post(
    '/:workspaceId/models/:modelId/activate',
    {
      config: admin,
      schema: {
        summary: 'Make a deployed model the one its kind serves (the one before is kept for a rollback)',
        tags,
        params: workspaceParams.extend({ modelId: z.string().min(1).max(100) }),
        response: { 200: slotSchema, ...errorResponses },
      },
    },
    async (request) => registry.activate(workspaceOf(request).id, request.params.modelId),
  );

  api.post(
    '/:workspaceId/models/slots/:slot/rollback',
    {
      config: admin,
      schema: {
        summary: 'Serve the model this kind served before the last change again',
        tags,
        params: workspaceParams.extend({ slot: z.string().min(1).max(200) }),
        response: { 200: slotSchema, ...errorResponses },
      },
    },
    async (request) => registry.rollback(workspaceOf(request).id, request.params.slot),
  );
}
