// HTTP for the agents, with the mission's 11 paths: /api/agents/...
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entityTypeNameSchema, recordIdSchema } from '../crm/records/entity-types.ts';
import { AppError } from '../platform/errors.ts';
import { principalOf, workspaceOf } from '../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../platform/http/schemas.ts';
import { isoTimestamp } from '../platform/timestamps.ts';
import { type AgentName, agentNames } from './agent.ts';
import type { AgentHistory } from './history.ts';
import { type AgentOrchestrator, agents, type Caller } from './orchestrator.ts';
import type { WorkflowJobs } from './workflow-jobs.ts';

const tags = ['agents'];
const agentNameSchema = z.enum(agentNames);

/** Agent answers differ per agent: the common fields are typed, the agent's own pass through. */
const taskResult = z.looseObject({
  taskId: z.string(),
  agent: agentNameSchema,
  engine: z.string(),
  durationMs: z.number(),
  evidence: z.array(z.object({ entityType: z.string(), entityId: z.string() })),
});
export const workflowStepSchema = z
  .object({
    name: z.string().min(1).max(100),
    agent: agentNameSchema,
    input: z.record(z.string(), z.unknown()).nullable().default(null),
    dependsOn: z.array(z.string().min(1).max(100)).max(50).optional(),
    timeoutMs: z.number().int().min(10).max(600_000).optional(),
    retries: z.number().int().min(0).max(5).optional(),
  })
  .strict();
const workflowBody = z
  .object({
    workflow: z.array(workflowStepSchema).min(1).max(50),
    /** Run it in the background and answer 202 with a job to poll (on the workers with JOB_QUEUE=redis). */
    async: z.boolean().optional(),
  })
  .strict()
  .refine((body) => new Set(body.workflow.map((step) => step.name)).size === body.workflow.length, {
    message: 'step names must be unique',
  });

const caller = (request: FastifyRequest): Caller => ({
  workspaceId: workspaceOf(request).id,
  userId: principalOf(request).userId,
});

export function registerAgentRoutes(
  app: FastifyInstance,
  orchestrator: AgentOrchestrator,
  history: AgentHistory,
  /** Workflows queued with `"async": true`. */
  workflowJobs: WorkflowJobs,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const response = { 200: taskResult, ...errorResponses };

  api.post(
    '/:workspaceId/execute',
    {
      schema: {
        summary: 'Run one agent, or `auto` to route by the task’s intent',
        tags,
        params: workspaceParams,
        body: z
          .object({
            agent: z.union([agentNameSchema, z.literal('auto')]).default('auto'),
            task: z.string().min(1).max(2000).optional(),
            input: z.record(z.string(), z.unknown()).default({}),
          })
          .strict(),
        response,
      },
    },
    async (request) => {
      const body = request.body;
      return orchestrator.run(caller(request), body.agent, body.input, body.task);
    },
  );

  const byRecord = (path: string, agent: AgentName, param: string, inputKey: string, summary: string) =>
    api.post(
      path,
      {
        schema: {
          summary,
          tags,
          params: workspaceParams.extend({ [param]: recordIdSchema }),
          response,
        },
      },
      async (request) => {
        const params = request.params;
        return orchestrator.run(caller(request), agent, { [inputKey]: params[param] });
      },
    );
  byRecord('/:workspaceId/qualify-lead/:leadId', 'leadQualification', 'leadId', 'leadId', 'Qualify a lead');
  byRecord('/:workspaceId/analyze-deal/:dealId', 'dealAnalysis', 'dealId', 'dealId', 'Analyse a deal');
  byRecord(
    '/:workspaceId/customer-insights/:id',
    'customerInsights',
    'id',
    'customerId',
    'Insights on a contact or lead',
  );

  const byBody = (path: string, agent: AgentName, summary: string) =>
    api.post(
      path,
      { schema: { summary, tags, params: workspaceParams, body: agents[agent].input, response } },
      async (request) => orchestrator.run(caller(request), agent, request.body),
    );
  byBody('/:workspaceId/recommend', 'recommendation', 'Recommendations for a lead, a deal or the pipeline');
  byBody('/:workspaceId/research', 'research', 'Research a company or topic in the workspace’s records');
  byBody(
    '/:workspaceId/summarize',
    'summary',
    'Summarise a record (with its activities and documents) or a text',
  );
  byBody('/:workspaceId/decide', 'decision', 'Decide between options on weighted criteria');

  api.post(
    '/:workspaceId/workflow',
    {
      schema: {
        summary: 'Run a multi-agent workflow; a step with `input: null` receives the earlier results',
        tags,
        params: workspaceParams,
        body: workflowBody,
        response: {
          200: z.looseObject({
            workflowId: z.string(),
            status: z.enum(['succeeded', 'failed', 'partial']),
            durationMs: z.number(),
            steps: z.array(z.looseObject({ name: z.string(), agent: z.string(), status: z.string() })),
            results: z.record(z.string(), z.unknown()),
          }),
          202: z.object({ workflowJobId: z.string(), status: z.literal('queued') }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!body.async) return orchestrator.workflow(caller(request), body.workflow);
      const workflowJobId = await workflowJobs.enqueue(caller(request), body.workflow);
      return reply.code(202).send({ workflowJobId, status: 'queued' as const });
    },
  );

  api.get(
    '/:workspaceId/workflow-jobs/:jobId',
    {
      schema: {
        summary: 'A queued workflow: waiting, active, completed (with its report) or failed',
        tags,
        params: workspaceParams.extend({ jobId: z.string().min(1).max(100) }),
        response: {
          200: z.object({
            workflowJobId: z.string(),
            state: z.string(),
            report: z.unknown().optional(),
            error: z.string().optional(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { jobId } = request.params;
      const job = await workflowJobs.status(workspaceOf(request).id, jobId);
      if (!job) throw new AppError('WORKFLOW_JOB_NOT_FOUND', 404, `queued workflow ${jobId} not found`);
      return {
        workflowJobId: jobId,
        state: job.state,
        ...(job.state === 'completed' ? { report: job.result } : {}),
        ...(job.failedReason ? { error: job.failedReason } : {}),
      };
    },
  );

  api.get(
    '/:workspaceId/history',
    {
      schema: {
        summary: 'Task and workflow history, newest first',
        tags,
        params: workspaceParams,
        querystring: z
          .object({
            agent: z.union([agentNameSchema, z.literal('workflow')]).optional(),
            kind: z.enum(['task', 'workflow']).optional(),
            status: z.enum(['succeeded', 'failed', 'partial']).optional(),
            since: isoTimestamp.optional(),
            until: isoTimestamp.optional(),
            entityType: entityTypeNameSchema.optional(),
            entityId: z.string().min(1).max(100).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            data: z.array(
              z.looseObject({
                id: z.string(),
                kind: z.enum(['task', 'workflow']),
                agent: z.string(),
                status: z.string(),
                engine: z.string(),
                durationMs: z.number(),
                subjectType: z.string().nullable(),
                subjectId: z.string().nullable(),
                createdAt: z.string(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => history.list(workspaceOf(request).id, request.query),
  );

  api.get(
    '/:workspaceId/history/:runId',
    {
      schema: {
        summary: 'One task or workflow run: its input, its whole answer and the record it was about',
        tags,
        params: workspaceParams.extend({ runId: z.string().min(1).max(100) }),
        response: {
          200: z.looseObject({
            id: z.string(),
            kind: z.enum(['task', 'workflow']),
            agent: z.string(),
            status: z.string(),
            engine: z.string(),
            input: z.unknown(),
            output: z.unknown(),
            error: z.string().nullable(),
            durationMs: z.number(),
            subjectType: z.string().nullable(),
            subjectId: z.string().nullable(),
            createdAt: z.string(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const run = await history.get(workspaceOf(request).id, request.params.runId);
      if (!run) throw AppError.notFound(`agent run ${request.params.runId}`);
      return run;
    },
  );

  api.get(
    '/agents/list',
    {
      schema: {
        summary: 'The agents, their inputs and the engine in use',
        tags,
        response: {
          200: z.object({
            engine: z.string(),
            agents: z.array(z.object({ name: z.string(), description: z.string(), input: z.unknown() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      engine: orchestrator.engine,
      agents: agentNames.map((name) => ({
        name,
        description: agents[name].description,
        input: z.toJSONSchema(agents[name].input, { unrepresentable: 'any' }),
      })),
    }),
  );
}
