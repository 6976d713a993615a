// POST /mcp: the Model Context Protocol over Streamable HTTP, for AI clients (desktop assistants, coding
// agents). Bearer-token authenticated like the API; stateless, so each request gets its own server and any
// instance of a cluster can answer. GET and DELETE (server-initiated streams, sessions) are not offered.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../platform/errors.ts';
import type { Authenticator } from '../platform/http/auth.ts';
import type { Logger } from '../platform/logger.ts';
import { createMcpServer } from './server.ts';

// Outside the OpenAPI document (JSON-RPC, described by the MCP specification); the route checks the token.
const route = { config: { access: { public: true } }, schema: { hide: true } };

export function registerMcpRoutes(app: FastifyInstance, authenticator: Authenticator, log: Logger): void {
  app.post('/mcp', route, async (request, reply) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="crm-ai"');
      throw AppError.unauthorized();
    }
    const { principal } = await authenticator.authorize(token);
    const server = createMcpServer(app, { token, userId: principal.userId }, log);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });

  const notOffered = async (_request: unknown, reply: FastifyReply) =>
    reply
      .code(405)
      .header('allow', 'POST')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this server is stateless, use POST' },
        id: null,
      });
  app.get('/mcp', route, notOffered);
  app.delete('/mcp', route, notOffered);
}
