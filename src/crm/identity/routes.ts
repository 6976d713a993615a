// HTTP for the caller's identity: who am I, my tokens, my workspaces and their members.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, workspaceOf } from '../../platform/http/auth.ts';
import { roles } from '../../platform/http/roles.ts';
import { errorResponses, workspaceParams } from '../../platform/http/schemas.ts';
import type { IdentityService } from './service.ts';

const tags = ['identity'];

/** Slugs cannot look like UUIDs, so a URL segment names one workspace whether it is an id or a slug. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes, 2-63 characters')
  .refine((slug) => !/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(slug), { message: 'a slug may not look like a UUID' });

const workspaceSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
});
const workspaceWithRole = workspaceSchema.extend({ role: z.enum(roles) });
const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
});

export function registerIdentityRoutes(app: FastifyInstance, identity: IdentityService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/me',
    {
      schema: {
        summary: 'The calling user and the workspaces it can reach',
        tags,
        response: {
          200: z.object({
            user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
            workspaces: z.array(workspaceWithRole),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const [user, workspaces] = await Promise.all([
        identity.getUser(userId),
        identity.listWorkspacesOf(userId),
      ]);
      return { user: { id: user.id, email: user.email, name: user.name }, workspaces };
    },
  );

  api.get(
    '/tokens',
    {
      schema: {
        summary: "List the caller's API tokens (never their secrets)",
        tags,
        response: { 200: z.object({ data: z.array(tokenSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await identity.listTokens(principalOf(request).userId) }),
  );

  api.post(
    '/tokens',
    {
      schema: {
        summary: 'Create an API token for the caller; the secret is shown once',
        tags,
        body: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
        response: {
          201: z.object({
            id: z.string(),
            name: z.string(),
            prefix: z.string(),
            createdAt: z.string(),
            token: z.string(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await identity.issueToken(principalOf(request).userId, request.body.name)),
  );

  api.delete(
    '/tokens/:tokenId',
    {
      schema: {
        summary: "Revoke one of the caller's tokens",
        tags,
        params: z.object({ tokenId: z.string().max(100) }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await identity.revokeToken(principalOf(request).userId, request.params.tokenId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/workspaces',
    {
      schema: {
        summary: 'Workspaces the caller belongs to',
        tags,
        response: { 200: z.object({ data: z.array(workspaceWithRole) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await identity.listWorkspacesOf(principalOf(request).userId) }),
  );

  api.post(
    '/workspaces',
    {
      schema: {
        summary: 'Create a workspace; the caller becomes its owner',
        tags,
        body: z.object({ slug: slugSchema, name: z.string().trim().min(1).max(200).optional() }).strict(),
        response: { 201: workspaceSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const workspace = await identity.createWorkspace({
        ...request.body,
        ownerUserId: principalOf(request).userId,
      });
      return reply.code(201).send(workspace);
    },
  );

  api.get(
    '/workspaces/:workspaceId',
    {
      schema: {
        summary: 'One workspace and the caller’s role in it',
        tags,
        params: workspaceParams,
        response: { 200: workspaceWithRole, ...errorResponses },
      },
    },
    async (request) => {
      const { id, slug, name, role } = workspaceOf(request);
      const access = await identity.access(principalOf(request).userId, id);
      return { id, slug, name, role, createdAt: access.workspace.createdAt };
    },
  );

  api.get(
    '/workspaces/:workspaceId/members',
    {
      schema: {
        summary: 'Members of a workspace and their roles',
        tags,
        params: workspaceParams,
        response: { 200: z.object({ data: z.array(memberSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const members = await identity.listMembers(workspaceOf(request).id);
      return { data: members.map(({ createdAt: _joined, ...member }) => member) };
    },
  );

  api.put(
    '/workspaces/:workspaceId/members',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Add a member by email (creating the user if needed) or change a member’s role',
        tags,
        params: workspaceParams,
        body: z
          .object({ email: z.email(), role: z.enum(roles), name: z.string().max(200).optional() })
          .strict(),
        response: { 200: memberSchema, ...errorResponses },
      },
    },
    async (request) => {
      const workspace = workspaceOf(request);
      return identity.setMember(workspace.id, request.body, workspace.role);
    },
  );

  api.delete(
    '/workspaces/:workspaceId/members/:userId',
    {
      config: { access: { role: 'admin' } },
      schema: {
        summary: 'Remove a member from a workspace',
        tags,
        params: workspaceParams.extend({ userId: z.string().max(100) }),
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const workspace = workspaceOf(request);
      await identity.removeMember(workspace.id, request.params.userId, workspace.role);
      return reply.code(204).send(null);
    },
  );
}
