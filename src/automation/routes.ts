// HTTP for automation under /api/automations/:workspaceId: rules (admins write them), runs and the approval
// queue (members decide), webhook deliveries, and a dry run of a rule on its latest matching records.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import type { AutomationService } from './service.ts';

const tags = ['automation'];
const admin = { access: { role: 'admin' as const } };
const member = { access: { role: 'member' as const } };
const ruleParams = workspaceParams.extend({ ruleId: z.string().min(1).max(100) });
const runParams = workspaceParams.extend({ runId: z.string().min(1).max(100) });
const runStatuses = [
  'queued',
  'running',
  'pending_approval',
  'approved',
  'succeeded',
  'failed',
  'rejected',
] as const;

const ruleSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  definition: z.record(z.string(), z.unknown()),
  consecutiveFailures: z.number(),
  disabledReason: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const actionSchema = z.object({
  type: z.string(),
  detail: z.record(z.string(), z.unknown()),
  status: z.string(),
  result: z.unknown().optional(),
  reason: z.string().optional(),
});
const runSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  ruleId: z.string(),
  eventKey: z.string(),
  trigger: z.record(z.string(), z.unknown()),
  status: z.enum(runStatuses),
  answers: z.record(z.string(), z.unknown()).nullable(),
  actions: z.array(actionSchema).nullable(),
  error: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
const ruleBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    /** Validated by the rule schema (trigger, steps, actions…): its errors name the field. */
    definition: z.record(z.string(), z.unknown()),
  })
  .strict();

export function registerAutomationRoutes(app: FastifyInstance, automation: AutomationService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/:workspaceId/rules',
    {
      config: admin,
      schema: {
        summary: 'Create a rule; its webhook signing secret is shown once',
        tags,
        params: workspaceParams,
        body: ruleBody,
        response: { 201: z.object({ rule: ruleSchema, webhookSecret: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await automation.createRule(
        workspaceOf(request).id,
        request.body,
        principalOf(request).userId,
      );
      return reply.code(201).send(created);
    },
  );

  api.get(
    '/:workspaceId/rules',
    {
      schema: {
        summary: "The workspace's automation rules",
        tags,
        params: workspaceParams,
        response: { 200: z.object({ rules: z.array(ruleSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ rules: await automation.listRules(workspaceOf(request).id) }),
  );

  api.get(
    '/:workspaceId/rules/:ruleId',
    {
      schema: {
        summary: 'One rule',
        tags,
        params: ruleParams,
        response: { 200: ruleSchema, ...errorResponses },
      },
    },
    async (request) => automation.getRule(workspaceOf(request).id, request.params.ruleId),
  );

  api.patch(
    '/:workspaceId/rules/:ruleId',
    {
      config: admin,
      schema: {
        summary: 'Rename, change, enable or disable a rule (enabling clears what disabled it)',
        tags,
        params: ruleParams,
        body: ruleBody.partial().strict(),
        response: { 200: ruleSchema, ...errorResponses },
      },
    },
    async (request) => automation.updateRule(workspaceOf(request).id, request.params.ruleId, request.body),
  );

  api.delete(
    '/:workspaceId/rules/:ruleId',
    {
      config: admin,
      schema: {
        summary: 'Delete a rule and its runs',
        tags,
        params: ruleParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await automation.deleteRule(workspaceOf(request).id, request.params.ruleId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/:workspaceId/rules/:ruleId/dry-run',
    {
      config: admin,
      schema: {
        summary: 'What the rule would do to its latest matching records (agents answer; nothing changes)',
        tags,
        params: ruleParams,
        body: z.object({ limit: z.number().int().min(1).max(20).default(5) }).strict(),
        response: {
          200: z.object({
            ruleId: z.string(),
            records: z.number(),
            results: z.array(
              z.object({
                recordId: z.string(),
                answers: z.record(z.string(), z.unknown()),
                actions: z.array(actionSchema),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => automation.dryRun(workspaceOf(request).id, request.params.ruleId, request.body.limit),
  );

  api.get(
    '/:workspaceId/runs',
    {
      schema: {
        summary: 'Runs, newest first: trigger, answers, actions taken or proposed, who decided',
        tags,
        params: workspaceParams,
        querystring: z
          .object({
            ruleId: z.string().min(1).max(100).optional(),
            status: z.enum(runStatuses).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ runs: z.array(runSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ runs: await automation.listRuns(workspaceOf(request).id, request.query) }),
  );

  api.get(
    '/:workspaceId/runs/:runId',
    {
      schema: {
        summary: 'One run',
        tags,
        params: runParams,
        response: { 200: runSchema, ...errorResponses },
      },
    },
    async (request) => automation.getRun(workspaceOf(request).id, request.params.runId),
  );

  for (const [decision, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    api.post(
      `/:workspaceId/runs/:runId/${decision}`,
      {
        config: member,
        schema: {
          summary: approve
            ? "Approve a run's proposed actions (they run at once)"
            : "Reject a run's proposed actions",
          tags,
          params: runParams,
          response: { 200: runSchema, ...errorResponses },
        },
      },
      async (request) =>
        automation.decide(
          workspaceOf(request).id,
          request.params.runId,
          approve,
          principalOf(request).userId,
        ),
    );
  }

  api.get(
    '/:workspaceId/deliveries',
    {
      schema: {
        summary: 'Webhook deliveries, newest first: each attempt with its status and time',
        tags,
        params: workspaceParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: {
          200: z.object({
            deliveries: z.array(
              z.object({
                id: z.string(),
                runId: z.string(),
                url: z.string(),
                attempt: z.number(),
                status: z.string(),
                responseStatus: z.number().nullable(),
                error: z.string().nullable(),
                durationMs: z.number(),
                at: z.string(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      deliveries: await automation.deliveries(workspaceOf(request).id, request.query.limit),
    }),
  );
}
