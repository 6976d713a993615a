// Bearer-token authentication and per-workspace role checks for every /api route.
// Routes say what they need in their config ({ public: true } or { role: 'admin' }); the default is
// viewer for reads and member for writes, so a new route is never open by accident.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.ts';
import { type Role, roleAllows } from './roles.ts';
import type { TokenRateLimiter } from './token-rate-limiter.ts';

export interface Principal {
  userId: string;
  email: string;
  tokenId: string;
}

export interface WorkspaceContext {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

/** What the HTTP layer needs from whoever owns users and workspaces. */
export interface Authenticator {
  /**
   * Who holds this token and, when the route names a workspace, their role in it; one lookup per request.
   * Throws 401 for an unknown or revoked token and 404 for a workspace the caller cannot see.
   */
  authorize(
    token: string,
    workspaceRef?: string,
  ): Promise<{ principal: Principal; workspace?: WorkspaceContext }>;
  /** The highest role the user holds in any workspace, or null. */
  highestRole(userId: string): Promise<Role | null>;
  /** Whether the user operates the instance (may see every tenant's operational data). */
  isOperator(userId: string): Promise<boolean>;
}

export interface RouteAccess {
  /** No token needed (health, docs). */
  public?: boolean;
  /** The least role the caller must hold in the route's :workspaceId. */
  role?: Role;
  /** For instance-wide routes: the least role the caller must hold in at least one workspace. */
  instanceRole?: Role;
  /** For views across every tenant: instance operators only (owning some workspace is not enough). */
  operator?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    workspace: WorkspaceContext | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

const FAILED_AUTH_WINDOW_MS = 60_000;

export function registerAuth(
  app: FastifyInstance,
  authenticator: Authenticator,
  limiter: TokenRateLimiter,
  /** Failed token attempts allowed per client address per minute before it gets 429s. */
  failedAuthLimit = 30,
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('workspace', null);
  // Guessing tokens is bounded per address even when every guess is a new token (the per-token rate limit
  // would give each guess a fresh budget).
  const failures = new LRUCache<string, { count: number; since: number }>({ max: 10_000 });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access?.public || !request.routeOptions.url?.startsWith('/api')) return;

    const failure = failures.get(request.ip);
    const now = Date.now();
    const blocked =
      failure !== undefined &&
      now - failure.since < FAILED_AUTH_WINDOW_MS &&
      failure.count >= failedAuthLimit;
    // A hook sees every route, typed or not: the workspace is whichever path parameter carries that name.
    const { params } = request;
    const workspaceRef =
      typeof params === 'object' && params !== null && 'workspaceId' in params
        ? String(params.workspaceId)
        : undefined;
    let workspace: WorkspaceContext | undefined;
    try {
      const authorized = await authenticator.authorize(bearerToken(request), workspaceRef);
      request.principal = authorized.principal;
      workspace = authorized.workspace;
      limiter.consume(authorized.principal.tokenId);
    } catch (error) {
      if (!(error instanceof AppError && error.statusCode === 401)) throw error;
      // A blocked address still has every token checked: a valid one is served (behind a proxy or a NAT,
      // many users share the address a guesser uses), only the failures get 429. Tokens carry 256 random
      // bits, so the limit sheds a guesser's load; it is not what makes guessing hopeless.
      if (blocked) {
        throw new AppError('RATE_LIMITED', 429, 'too many failed authentication attempts; wait a minute');
      }
      const fresh = !failure || now - failure.since >= FAILED_AUTH_WINDOW_MS;
      failures.set(
        request.ip,
        fresh ? { count: 1, since: now } : { count: failure.count + 1, since: failure.since },
      );
      throw error;
    }

    if (access?.instanceRole) {
      const highest = await authenticator.highestRole(request.principal.userId);
      if (!highest || !roleAllows(highest, access.instanceRole)) {
        throw AppError.forbidden(`this needs the ${access.instanceRole} role in at least one workspace`);
      }
    }
    if (access?.operator && !(await authenticator.isOperator(request.principal.userId))) {
      throw AppError.forbidden('this needs an instance operator (`crm-ai users create --operator`)');
    }
    if (!workspace) return;
    request.workspace = workspace;
    const needed =
      access?.role ?? (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'member');
    if (!roleAllows(workspace.role, needed)) {
      throw AppError.forbidden(
        `this needs the ${needed} role in workspace ${workspace.slug}; you are ${workspace.role}`,
      );
    }
  });
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw AppError.unauthorized('send Authorization: Bearer <token>');
  return match[1]!;
}

/** The route's workspace, resolved and authorised by the hook above. */
export function workspaceOf(request: FastifyRequest): WorkspaceContext {
  if (!request.workspace) throw new Error(`route ${request.routeOptions.url} has no :workspaceId parameter`);
  return request.workspace;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw AppError.unauthorized();
  return request.principal;
}
