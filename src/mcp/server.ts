// The MCP server for one request (stateless Streamable HTTP: any instance answers any call). Tools are the
// API's operations (tools.ts), called in-process with the caller's token; records are also resources, at
// crm://{workspaceId}/{entityType}/{id}. Errors come back as tool errors with the API's code and message.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { entityTypeList } from '../crm/records/entity-types.ts';
import type { Logger } from '../platform/logger.ts';
import { type ApiCall, tools } from './tools.ts';

interface Caller {
  token: string;
  userId: string;
}

export function createMcpServer(app: FastifyInstance, caller: Caller, log: Logger): McpServer {
  const server = new McpServer(
    { name: 'crm-ai', title: 'crm-ai: search, records and agents of your CRM', version: '0.1.0' },
    { capabilities: { tools: {}, resources: {} } },
  );
  const call = async (call: ApiCall) => {
    const response = await app.inject({
      method: call.method,
      url: call.url,
      headers: {
        authorization: `Bearer ${caller.token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      payload: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
    const body = response.body ? JSON.parse(response.body) : null;
    return { status: response.statusCode, body };
  };

  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: !tool.writes, openWorldHint: false },
      },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        const request = tool.request(args);
        const { status, body } = await call(request);
        // The audit trail of what AI clients did: who, which tool, where, with what outcome.
        log.info(
          { mcp: { tool: tool.name, workspace: args.workspaceId, status }, userId: caller.userId },
          'mcp tool call',
        );
        if (status >= 400) {
          const error = body?.error ?? {};
          return {
            isError: true,
            content: [
              { type: 'text', text: `${error.code ?? `HTTP_${status}`}: ${error.message ?? 'failed'}` },
            ],
          };
        }
        return {
          content: [{ type: 'text', text: JSON.stringify(body) }],
          structuredContent: Array.isArray(body) ? { items: body } : (body ?? {}),
        };
      },
    );
  }

  server.registerResource(
    'record',
    new ResourceTemplate('crm://{workspaceId}/{entityType}/{id}', { list: undefined }),
    {
      title: 'A CRM record',
      description: 'crm://<workspace>/<contact|lead|deal|…>/<id>',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const type = entityTypeList.find((candidate) => candidate.name === variables.entityType);
      if (!type) throw new Error(`unknown record type ${String(variables.entityType)}`);
      const segments = [variables.workspaceId, type.plural, variables.id].map((part) =>
        encodeURIComponent(String(part)),
      );
      const { status, body } = await call({ method: 'GET', url: `/api/workspaces/${segments.join('/')}` });
      if (status >= 400)
        throw new Error(`${body?.error?.code ?? status}: ${body?.error?.message ?? 'not found'}`);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );
  return server;
}
