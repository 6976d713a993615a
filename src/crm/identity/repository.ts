// Users, API tokens, workspaces and memberships.
import type { Kysely } from 'kysely';
import { type PreparedQuery, prepareQuery } from '../../platform/db/prepared-query.ts';
import type { Role } from '../../platform/http/roles.ts';
import type { IdentityTables } from './tables.ts';

export type User = IdentityTables['users'];
export type Workspace = IdentityTables['workspaces'];
export type TokenRow = IdentityTables['apiTokens'];

export interface TokenGrant {
  tokenId: string;
  userId: string;
  email: string;
  lastUsedAt: string | null;
  /** The requested workspace, when the token's user is a member of it. */
  workspace?: { id: string; slug: string; name: string; role: Role };
}

type TokenGrantRow = Awaited<
  ReturnType<ReturnType<IdentityRepository['buildTokenGrantQuery']>['executeTakeFirstOrThrow']>
>;
export class IdentityRepository {
  private tokenGrantQuery?: PreparedQuery<[string, string], TokenGrantRow>;

  constructor(private readonly db: Kysely<IdentityTables>) {}

  async transaction<T>(work: (repository: IdentityRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new IdentityRepository(trx)));
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertUser(user: User): Promise<void> {
    await this.db.insertInto('users').values(user).execute();
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async findUserById(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertToken(token: TokenRow): Promise<void> {
    await this.db.insertInto('apiTokens').values(token).execute();
  }

  /** The token's user and, in the same query, their membership of the named workspace (by id or slug). */
  async findTokenGrant(tokenHash: string, workspaceRef?: string): Promise<TokenGrant | undefined> {
    // Runs on every request: built once per database, see prepareQuery.
    this.tokenGrantQuery ??= prepareQuery(2, (hash: string, ref: string) =>
      this.buildTokenGrantQuery(hash, ref),
    );
    const [row] = await this.tokenGrantQuery.execute(this.db, tokenHash, workspaceRef ?? '');
    if (!row) return undefined;
    const { workspaceId, slug, name, role, ...owner } = row;
    return workspaceId && slug && name && role
      ? { ...owner, workspace: { id: workspaceId, slug, name, role } }
      : owner;
  }

  private buildTokenGrantQuery(tokenHash: string, workspaceRef: string) {
    return this.db
      .selectFrom('apiTokens')
      .innerJoin('users', 'users.id', 'apiTokens.userId')
      .leftJoin('memberships', (join) =>
        join.onRef('memberships.userId', '=', 'apiTokens.userId').on('memberships.workspaceId', 'in', (eb) =>
          eb
            .selectFrom('workspaces')
            .select('workspaces.id')
            .where((w) =>
              w.or([w('workspaces.id', '=', workspaceRef), w('workspaces.slug', '=', workspaceRef)]),
            ),
        ),
      )
      .leftJoin('workspaces', 'workspaces.id', 'memberships.workspaceId')
      .select([
        'apiTokens.id as tokenId',
        'apiTokens.userId',
        'users.email',
        'apiTokens.lastUsedAt',
        'workspaces.id as workspaceId',
        'workspaces.slug',
        'workspaces.name',
        'memberships.role',
      ])
      .where('apiTokens.tokenHash', '=', tokenHash)
      .where('apiTokens.revokedAt', 'is', null);
  }

  async touchToken(tokenId: string, at: string): Promise<void> {
    await this.db.updateTable('apiTokens').set({ lastUsedAt: at }).where('id', '=', tokenId).execute();
  }

  async listTokens(userId: string): Promise<TokenRow[]> {
    return this.db
      .selectFrom('apiTokens')
      .selectAll()
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .execute();
  }

  async revokeToken(userId: string, tokenId: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('apiTokens')
      .set({ revokedAt: at })
      .where('id', '=', tokenId)
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertWorkspace(workspace: Workspace): Promise<void> {
    await this.db.insertInto('workspaces').values(workspace).execute();
  }

  async listAllWorkspaceIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('workspaces')
      .select('id')
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async findWorkspaceBySlug(slug: string): Promise<Workspace | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  /** A workspace is named by id or slug in URLs; either way the caller must be a member. */
  async findMembership(
    userId: string,
    workspaceRef: string,
  ): Promise<{ workspace: Workspace; role: Role } | undefined> {
    const row = await this.workspacesOfQuery(userId)
      .where((eb) =>
        eb.or([eb('workspaces.id', '=', workspaceRef), eb('workspaces.slug', '=', workspaceRef)]),
      )
      .executeTakeFirst();
    if (!row) return undefined;
    const { role, ...workspace } = row;
    return { workspace, role };
  }

  async listWorkspacesOf(userId: string): Promise<(Workspace & { role: Role })[]> {
    return this.workspacesOfQuery(userId).orderBy('workspaces.createdAt').orderBy('workspaces.id').execute();
  }

  /** The workspaces a user belongs to, with the role held in each. */
  private workspacesOfQuery(userId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspaceId')
      .select([
        'workspaces.id',
        'workspaces.slug',
        'workspaces.name',
        'workspaces.createdAt',
        'memberships.role',
      ])
      .where('memberships.userId', '=', userId);
  }

  async upsertMembership(workspaceId: string, userId: string, role: Role, at: string): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ workspaceId, userId, role, createdAt: at })
      .onConflict((conflict) => conflict.columns(['workspaceId', 'userId']).doUpdateSet({ role }))
      .execute();
  }

  async deleteMembership(workspaceId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('memberships')
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listMembers(workspaceId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.userId')
      .select([
        'users.id as userId',
        'users.email',
        'users.name',
        'memberships.role',
        'memberships.createdAt',
      ])
      .where('memberships.workspaceId', '=', workspaceId)
      .orderBy('memberships.createdAt')
      .orderBy('users.id')
      .execute();
  }

  async countOwners(workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspaceId', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
