// Who may call the API: users, their tokens, workspaces and the role each user holds in each workspace.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CacheService } from '../../platform/cache/cache-service.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal, WorkspaceContext } from '../../platform/http/auth.ts';
import { type Role, roleAllows } from '../../platform/http/roles.ts';
import { CrmError } from '../errors.ts';
import type { IdentityRepository, User, Workspace } from './repository.ts';
import { displayPrefix, generateToken, hashToken } from './tokens.ts';

/** last_used_at is a hint for humans; writing it at most once a minute keeps reads free of writes. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;
const GRANT_TTL = { seconds: 30 };

export interface WorkspaceAccess {
  workspace: Workspace;
  role: Role;
}

export interface IssuedToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  /** The secret itself: returned once, never stored. */
  token: string;
}

export class IdentityService {
  /** When this process last wrote each token's last_used_at. */
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly repository: IdentityRepository,
    private readonly cache: CacheService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Every request asks this, so grants are cached (30 s, dropped when a token is revoked or a membership
   * changes). With Redis they live only there, so a revocation holds on every instance as soon as it
   * returns. Unknown tokens are not cached: a guess costs a query, and is rate limited.
   */
  async authorize(
    token: string,
    workspaceRef?: string,
  ): Promise<{ principal: Principal; workspace?: WorkspaceContext }> {
    const tokenHash = hashToken(token);
    const grant = await this.cache.tiers.getOrSet(
      this.grantKey(tokenHash, workspaceRef ?? ''),
      async () => {
        const found = await this.repository.findTokenGrant(tokenHash, workspaceRef);
        if (!found) throw AppError.unauthorized('invalid or revoked token');
        return found;
      },
      { ttl: GRANT_TTL, sharedOnly: true },
    );
    const now = this.now();
    const lastTouched =
      this.touched.get(grant.tokenId) ?? (grant.lastUsedAt ? Date.parse(grant.lastUsedAt) : 0);
    if (now.getTime() - lastTouched > TOKEN_TOUCH_INTERVAL_MS) {
      this.touched.set(grant.tokenId, now.getTime());
      await this.repository.touchToken(grant.tokenId, now.toISOString());
    }
    const principal = { userId: grant.userId, email: grant.email, tokenId: grant.tokenId };
    if (workspaceRef === undefined) return { principal };
    // Not a member and no such workspace look the same from outside: both are 404.
    if (!grant.workspace) throw CrmError.workspaceNotFound(workspaceRef);
    return { principal, workspace: grant.workspace };
  }

  async isOperator(userId: string): Promise<boolean> {
    return (await this.repository.findUserById(userId))?.operator === 1;
  }

  async highestRole(userId: string): Promise<Role | null> {
    const memberships = await this.repository.listWorkspacesOf(userId);
    let highest: Role | null = null;
    for (const { role } of memberships) if (!highest || roleAllows(role, highest)) highest = role;
    return highest;
  }

  /** Not a member and no such workspace look the same from outside: both are 404. */
  async access(userId: string, workspaceRef: string): Promise<WorkspaceAccess> {
    const access = await this.repository.findMembership(userId, workspaceRef);
    if (!access) throw CrmError.workspaceNotFound(workspaceRef);
    return access;
  }

  async createUser(input: { email: string; name?: string; operator?: boolean }): Promise<User> {
    const email = input.email.toLowerCase();
    if (await this.repository.findUserByEmail(email)) throw CrmError.userExists(email);
    const user = {
      id: randomUUID(),
      email,
      name: input.name ?? email.split('@')[0]!,
      createdAt: this.stamp(),
      operator: input.operator ? 1 : 0,
    };
    await this.repository.insertUser(user);
    return user;
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    return this.repository.findUserByEmail(email.toLowerCase());
  }

  async getUser(userId: string): Promise<User> {
    const user = await this.repository.findUserById(userId);
    if (!user) throw AppError.notFound(`user ${userId}`);
    return user;
  }

  async issueToken(userId: string, name: string): Promise<IssuedToken> {
    const token = generateToken();
    const row = {
      id: randomUUID(),
      userId,
      name,
      tokenHash: hashToken(token),
      tokenPrefix: displayPrefix(token),
      createdAt: this.stamp(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.repository.insertToken(row);
    return { id: row.id, name, prefix: row.tokenPrefix, createdAt: row.createdAt, token };
  }

  async listTokens(userId: string) {
    const tokens = await this.repository.listTokens(userId);
    return tokens.map(({ tokenHash: _secret, userId: _owner, tokenPrefix, ...token }) => ({
      ...token,
      prefix: tokenPrefix,
    }));
  }

  async revokeToken(userId: string, tokenId: string): Promise<void> {
    const token = (await this.repository.listTokens(userId)).find((candidate) => candidate.id === tokenId);
    const revoked = await this.repository.revokeToken(userId, tokenId, this.stamp());
    if (!revoked || !token) throw AppError.notFound(`active token ${tokenId}`);
    await this.cache.deletePattern(`${this.grantKey(token.tokenHash, '')}*`);
  }

  /** The cached grant of a token for one workspace reference (id, slug, or '' for none). */
  private grantKey(tokenHash: string, workspaceRef: string): string {
    return `${this.cache.namespace}:_auth:${tokenHash}:${workspaceRef}`;
  }

  /** Roles or memberships changed: no cached grant may outlive that. Rare, so every grant goes. */
  private async forgetGrants(): Promise<void> {
    await this.cache.deletePattern(`${this.cache.namespace}:_auth:*`);
  }

  async createWorkspace(input: { slug: string; name?: string; ownerUserId: string }): Promise<Workspace> {
    const created = await this.repository.transaction(async (repository) => {
      if (await repository.findWorkspaceBySlug(input.slug)) throw CrmError.slugTaken(input.slug);
      const workspace = {
        id: randomUUID(),
        slug: input.slug,
        name: input.name ?? input.slug,
        createdAt: this.stamp(),
      };
      await repository.insertWorkspace(workspace);
      await repository.upsertMembership(workspace.id, input.ownerUserId, 'owner', workspace.createdAt);
      return workspace;
    });
    await this.forgetGrants();
    return created;
  }

  /** Every workspace of the instance: for maintenance that spans them (index repair). */
  async listAllWorkspaceIds(): Promise<string[]> {
    return this.repository.listAllWorkspaceIds();
  }

  async findWorkspaceBySlug(slug: string): Promise<Workspace | undefined> {
    return this.repository.findWorkspaceBySlug(slug);
  }

  async listWorkspacesOf(userId: string) {
    return this.repository.listWorkspacesOf(userId);
  }

  /** Adds a member by email, creating the user if needed, or changes an existing member's role. */
  async setMember(workspaceId: string, input: { email: string; role: Role; name?: string }, actorRole: Role) {
    const member = await this.repository.transaction(async (repository) => {
      const email = input.email.toLowerCase();
      let user = await repository.findUserByEmail(email);
      if (!user) {
        user = {
          id: randomUUID(),
          email,
          name: input.name ?? email.split('@')[0]!,
          createdAt: this.stamp(),
          operator: 0,
        };
        await repository.insertUser(user);
      }
      const current = (await repository.listMembers(workspaceId)).find((member) => member.userId === user.id);
      if ((input.role === 'owner' || current?.role === 'owner') && actorRole !== 'owner') {
        throw AppError.forbidden('only an owner can grant or change the owner role');
      }
      if (
        current?.role === 'owner' &&
        input.role !== 'owner' &&
        (await repository.countOwners(workspaceId)) <= 1
      ) {
        throw CrmError.lastOwner();
      }
      await repository.upsertMembership(workspaceId, user.id, input.role, this.stamp());
      return { userId: user.id, email: user.email, name: user.name, role: input.role };
    });
    await this.forgetGrants();
    return member;
  }

  async removeMember(workspaceId: string, userId: string, actorRole: Role): Promise<void> {
    await this.repository.transaction(async (repository) => {
      const member = (await repository.listMembers(workspaceId)).find((m) => m.userId === userId);
      if (!member) throw AppError.notFound(`member ${userId}`);
      if (member.role === 'owner' && actorRole !== 'owner')
        throw AppError.forbidden('only an owner can remove an owner');
      if (member.role === 'owner' && (await repository.countOwners(workspaceId)) <= 1)
        throw CrmError.lastOwner();
      await repository.deleteMembership(workspaceId, userId);
    });
    await this.forgetGrants();
  }

  async listMembers(workspaceId: string) {
    return this.repository.listMembers(workspaceId);
  }

  /**
   * First start on an empty database: an owner, a `demo` workspace and a token, so a new user can call the
   * API at once. Returns undefined when the instance already has users.
   */
  async bootstrap(): Promise<{ user: User; workspace: Workspace; token: IssuedToken } | undefined> {
    if ((await this.repository.countUsers()) > 0) return undefined;
    const user = await this.createUser({ email: 'owner@localhost', name: 'Owner', operator: true });
    const workspace = await this.createWorkspace({
      slug: 'demo',
      name: 'Demo workspace',
      ownerUserId: user.id,
    });
    const token = await this.issueToken(user.id, 'bootstrap');
    return { user, workspace, token };
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
