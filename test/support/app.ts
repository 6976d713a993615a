// Builds the real app on a test database, listening on a random port, plus builders that keep tests short.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { AutomationService } from '../../src/automation/service.ts';
import { loadConfig } from '../../src/config.ts';
import type { Crm } from '../../src/crm/index.ts';
import { seedWorkspace } from '../../src/crm/seed/seed.ts';
import type { EventBus } from '../../src/platform/events.ts';
import type { Role } from '../../src/platform/http/roles.ts';
import type { Platform } from '../../src/platform/index.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { Vector } from '../../src/vector/index.ts';
import { ApiClient } from './client.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  platform: Platform;
  crm: Crm;
  vector: Vector;
  automation: AutomationService;
  events: EventBus;
  baseUrl: string;
  database: TestDatabase;
  env: Record<string, string>;
  /** A client with no token. */
  anonymous: ApiClient;
  as(token: string): ApiClient;
  /** A new user with a token and a workspace it owns. */
  newTenant(slug?: string): Promise<Tenant>;
  /** A new user holding `role` in an existing workspace. */
  newMember(workspaceId: string, role: Role): Promise<{ token: string; userId: string; api: ApiClient }>;
  /** Stops the server; keeps the database unless drop is true. */
  close(options?: { drop?: boolean }): Promise<void>;
}

export interface Tenant {
  userId: string;
  token: string;
  workspaceId: string;
  slug: string;
  api: ApiClient;
}

let tenantCounter = 0;

export async function startTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  logDestination?: { write(line: string): void },
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const fullEnv = {
    LOG_LEVEL: 'silent',
    BOOTSTRAP_DEMO: 'false',
    // The suite's default embedder is the local one; tests of `auto` and real models say so.
    EMBEDDING_PROVIDER: 'local',
    MODEL_AUTO_PULL: 'false',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...db.env,
    ...env,
  };
  const config = loadConfig(fullEnv);
  const { app, crm, platform, vector, automation } = await buildApp(
    config,
    createLogger(config, logDestination),
  );
  // Tests start from a connected cache; the product itself does not wait for Redis.
  await platform.cache.tiers.start();
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const as = (token: string) => new ApiClient(address, token);

  const testApp: TestApp = {
    app,
    platform,
    crm,
    vector,
    automation: automation.service,
    events: platform.events,
    baseUrl: address,
    database: db,
    env: fullEnv,
    anonymous: new ApiClient(address),
    as,
    async newTenant(slug) {
      tenantCounter += 1;
      const name = slug ?? `ws-${process.pid}-${tenantCounter}`;
      const user = await crm.identity.createUser({ email: `${name}@example.com` });
      const workspace = await crm.identity.createWorkspace({ slug: name, ownerUserId: user.id });
      const { token } = await crm.identity.issueToken(user.id, 'test');
      return { userId: user.id, token, workspaceId: workspace.id, slug: workspace.slug, api: as(token) };
    },
    async newMember(workspaceId, role) {
      tenantCounter += 1;
      const email = `member-${process.pid}-${tenantCounter}@example.com`;
      const member = await crm.identity.setMember(workspaceId, { email, role }, 'owner');
      const { token } = await crm.identity.issueToken(member.userId, 'test');
      return { token, userId: member.userId, api: as(token) };
    },
    async close(options = { drop: true }) {
      await app.close();
      if (options.drop) await db.drop();
    },
  };
  return testApp;
}

/** Two tenants on one server: the usual set-up for isolation tests. */
export async function twoWorkspaces() {
  const server = await startTestApp();
  const alice = await server.newTenant();
  const bob = await server.newTenant();
  return { server, alice, bob };
}

/** A server with a seeded workspace (deterministic demo data) and a second, empty tenant. */
export async function seededWorkspaces(options: {
  size: number;
  seed: number;
  env?: Record<string, string>;
}) {
  const server = await startTestApp(options.env);
  const tenant = await server.newTenant();
  const other = await server.newTenant();
  await seedWorkspace(server.platform, server.crm, {
    workspace: tenant.slug,
    size: options.size,
    seed: options.seed,
    progress: false,
  });
  return { server, tenant, other };
}
