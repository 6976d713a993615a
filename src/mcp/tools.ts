// What the MCP server offers: each tool is one of the API's own operations, with its input schema taken from
// the zod schema the route validates (plus the workspace it acts in). A tool call becomes that HTTP request,
// made in-process with the caller's token, so roles, tenancy, validation, rate limits and the agents' history
// apply exactly as they do over HTTP; nothing here re-implements them.
import { z } from 'zod';
import { agentNames } from '../agents/agent.ts';
import { workflowStepSchema } from '../agents/routes.ts';
import { entityTypeList, entityTypeNames, recordIdSchema } from '../crm/records/entity-types.ts';
import { hybridBody, searchBody } from '../vector/routes.ts';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  body?: unknown;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  /** Writes change the CRM (a member's role at least); reads do not. */
  writes: boolean;
  request(args: Record<string, unknown>): ApiCall;
}

const workspaceId = z
  .string()
  .min(1)
  .max(100)
  .describe('the workspace, by id or slug (list_workspaces names those this token can use)');
const entityType = z.enum(entityTypeNames);
const path = (...parts: unknown[]) => parts.map((part) => encodeURIComponent(String(part))).join('/');
const pluralOf = (name: string) => entityTypeList.find((type) => type.name === name)!.plural;

/** The body without the workspace, which goes in the URL. */
function bodyOf(args: Record<string, unknown>, ...omit: string[]) {
  const body = { ...args };
  for (const key of ['workspaceId', ...omit]) delete body[key];
  return body;
}

function recordTools(): ToolDefinition[] {
  return entityTypeList.flatMap((type): ToolDefinition[] => [
    {
      name: `create_${type.name}`,
      title: `Create a ${type.name}`,
      description: `Creates a ${type.name} in the workspace and returns it (needs the member role).`,
      input: { workspaceId, ...type.createSchema.shape },
      writes: true,
      request: (args) => ({
        method: 'POST',
        url: `/api/workspaces/${path(args.workspaceId, type.plural)}`,
        body: bodyOf(args),
      }),
    },
    {
      name: `update_${type.name}`,
      title: `Update a ${type.name}`,
      description: `Changes only the fields given on a ${type.name} and returns it (needs the member role).`,
      input: { workspaceId, id: recordIdSchema, ...type.updateSchema.shape },
      writes: true,
      request: (args) => ({
        method: 'PATCH',
        url: `/api/workspaces/${path(args.workspaceId, type.plural, args.id)}`,
        body: bodyOf(args, 'id'),
      }),
    },
  ]);
}

export const tools: ToolDefinition[] = [
  {
    name: 'list_workspaces',
    title: 'List workspaces',
    description: 'The workspaces this token can use, with its role in each.',
    input: {},
    writes: false,
    request: () => ({ method: 'GET', url: '/api/workspaces' }),
  },
  {
    name: 'semantic_search',
    title: 'Semantic search',
    description:
      'Records whose meaning is closest to the query (contacts, leads, deals, activities, projects, documents).',
    input: { workspaceId, ...searchBody.shape, entityTypes: z.array(entityType).min(1).optional() },
    writes: false,
    request: (args) => ({
      method: 'POST',
      url: `/api/vector/${path(args.workspaceId)}/search`,
      body: bodyOf(args),
    }),
  },
  {
    name: 'hybrid_search',
    title: 'Hybrid search',
    description:
      'Semantic and keyword search together, one calibrated relevance per record: the best default.',
    input: { workspaceId, ...hybridBody.shape, entityTypes: z.array(entityType).min(1).optional() },
    writes: false,
    request: (args) => ({
      method: 'POST',
      url: `/api/vector/${path(args.workspaceId)}/hybrid-search`,
      body: bodyOf(args),
    }),
  },
  {
    name: 'similar_records',
    title: 'Similar records',
    description: 'Records most like the given one.',
    input: {
      workspaceId,
      entityType,
      id: recordIdSchema,
      topK: z.number().int().min(1).max(100).default(10),
    },
    writes: false,
    request: (args) => ({
      method: 'GET',
      url: `/api/vector/${path(args.workspaceId, 'similar', args.entityType, args.id)}?topK=${Number(args.topK)}`,
    }),
  },
  {
    name: 'get_record',
    title: 'Get a record',
    description: 'One record with every field.',
    input: { workspaceId, entityType, id: recordIdSchema },
    writes: false,
    request: (args) => ({
      method: 'GET',
      url: `/api/workspaces/${path(args.workspaceId, pluralOf(String(args.entityType)), args.id)}`,
    }),
  },
  {
    name: 'list_records',
    title: 'List records',
    description:
      'Records of one type, newest first, with an optional text filter (`q`), equality filters on fields (e.g. {"status":"new"}) and a cursor for the next page.',
    input: {
      workspaceId,
      entityType,
      q: z.string().max(200).optional(),
      filters: z.record(z.string().max(64), z.string().max(200)).optional(),
      limit: z.number().int().min(1).max(100).default(20),
      cursor: z.string().max(500).optional(),
    },
    writes: false,
    request: (args) => {
      const query = new URLSearchParams({ limit: String(args.limit) });
      if (args.q) query.set('q', String(args.q));
      if (args.cursor) query.set('cursor', String(args.cursor));
      for (const [key, value] of Object.entries((args.filters as Record<string, string>) ?? {}))
        query.set(key, value);
      return {
        method: 'GET',
        url: `/api/workspaces/${path(args.workspaceId, pluralOf(String(args.entityType)))}?${query}`,
      };
    },
  },
  ...recordTools(),
  {
    name: 'run_agent',
    title: 'Run an agent',
    description: `Runs one of the CRM agents (${agentNames.join(', ')}) or "auto" to route by the task; the run is kept in the agents' history. GET /api/agents/agents/list documents each agent's input.`,
    input: {
      workspaceId,
      agent: z.union([z.enum(agentNames), z.literal('auto')]).default('auto'),
      task: z.string().min(1).max(2000).optional(),
      input: z.record(z.string(), z.unknown()).default({}),
    },
    writes: false,
    request: (args) => ({
      method: 'POST',
      url: `/api/agents/${path(args.workspaceId)}/execute`,
      body: bodyOf(args),
    }),
  },
  {
    name: 'run_workflow',
    title: 'Run a workflow',
    description:
      'Runs agents as steps of a workflow; a step with `input: null` receives the results of the steps it depends on.',
    input: { workspaceId, workflow: z.array(workflowStepSchema).min(1).max(50) },
    writes: false,
    request: (args) => ({
      method: 'POST',
      url: `/api/agents/${path(args.workspaceId)}/workflow`,
      body: bodyOf(args),
    }),
  },
  {
    name: 'list_automation_runs',
    title: 'Automation runs',
    description:
      'Runs of the workspace’s automation rules, newest first: the trigger, the agents’ answers, the actions taken or proposed, and who approved. `status: "pending_approval"` lists what waits for a person.',
    input: {
      workspaceId,
      ruleId: z.string().min(1).max(100).optional(),
      status: z
        .enum(['queued', 'running', 'pending_approval', 'approved', 'succeeded', 'failed', 'rejected'])
        .optional(),
      limit: z.number().int().min(1).max(200).default(20),
    },
    writes: false,
    request: (args) => {
      const query = new URLSearchParams({ limit: String(args.limit) });
      if (args.ruleId) query.set('ruleId', String(args.ruleId));
      if (args.status) query.set('status', String(args.status));
      return { method: 'GET', url: `/api/automations/${path(args.workspaceId)}/runs?${query}` };
    },
  },
  {
    name: 'agent_history',
    title: 'Agent history',
    description: 'The latest agent runs in the workspace (who ran which agent, on what, with what answer).',
    input: { workspaceId, limit: z.number().int().min(1).max(100).default(20) },
    writes: false,
    request: (args) => ({
      method: 'GET',
      url: `/api/agents/${path(args.workspaceId)}/history?limit=${Number(args.limit)}`,
    }),
  },
];
