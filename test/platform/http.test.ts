import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';

describe('HTTP platform', () => {
  let server: TestApp;
  let tenant: Tenant;
  const logLines: string[] = [];

  before(async () => {
    server = await startTestApp({ LOG_LEVEL: 'info', BODY_LIMIT_BYTES: '65536' }, undefined, {
      write: (line: string) => logLines.push(line),
    });
    tenant = await server.newTenant();
  });
  after(() => server.close());

  test('/health answers without a token and /ready checks the database', async () => {
    const health = await server.anonymous.get('/health');
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await server.anonymous.get('/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: 'ok' });
  });

  test('GET /api lists the endpoints; OpenAPI JSON and the docs page are served', async () => {
    const listing = await server.anonymous.get('/api');
    assert.equal(listing.status, 200);
    const paths = listing.body.endpoints.map(
      (e: { method: string; path: string }) => `${e.method} ${e.path}`,
    );
    for (const expected of [
      'GET /api/workspaces/:workspaceId/contacts',
      'POST /api/workspaces/:workspaceId/deals/batch',
      'PATCH /api/workspaces/:workspaceId/documents/:id',
      'POST /api/tokens',
    ]) {
      assert.ok(paths.includes(expected), expected);
    }
    const openapi = await server.anonymous.get('/docs/json');
    assert.equal(openapi.status, 200);
    assert.match(openapi.body.openapi, /^3\./);
    const post = openapi.body.paths['/api/workspaces/{workspaceId}/contacts'].post;
    assert.ok(post.requestBody.content['application/json'].schema.properties.email);
    const docs = await fetch(`${server.baseUrl}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  test('unknown routes get 404 ROUTE_NOT_FOUND', async () => {
    const res = await tenant.api.get('/api/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'ROUTE_NOT_FOUND');
  });

  test('bodies over the limit get 413 PAYLOAD_TOO_LARGE and nothing is written', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      name: `Big body ${i}`,
      notes: 'x'.repeat(40),
    }));
    const res = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts/batch`, { records });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'PAYLOAD_TOO_LARGE');
    const list = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/contacts`, { q: 'Big body' });
    assert.equal(list.body.data.length, 0);
  });

  test('every response carries a request id', async () => {
    const res = await tenant.api.get('/api/me');
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('secrets never reach the logs', async () => {
    await tenant.api.get('/api/me');
    const issued = await tenant.api.post('/api/tokens', { name: 'logged?' });
    await server.as(issued.body.token).get('/api/me');
    const text = logLines.join('');
    assert.ok(text.includes('/api/me'), 'requests are logged');
    assert.ok(!text.includes(tenant.token), 'the bearer token is not logged');
    assert.ok(!text.includes(issued.body.token), 'an issued token is not logged');
  });
});

describe('rate limiting', () => {
  test('a token over its per-minute budget gets 429 RATE_LIMITED', async () => {
    const server = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const tenant = await server.newTenant();
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await tenant.api.get('/api/me')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      const limited = await tenant.api.get('/api/me');
      assert.equal(limited.body.error.code, 'RATE_LIMITED');
      assert.ok(limited.headers.get('retry-after'));
      // Another token has its own budget.
      const other = await server.newTenant();
      assert.equal((await other.api.get('/api/me')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('guessing tokens is limited per address', async () => {
    const server = await startTestApp();
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 35; i++) statuses.add((await server.as(`crm_guess${i}`).get('/api/me')).status);
      assert.deepEqual([...statuses].sort(), [401, 429]);
    } finally {
      await server.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('in-flight requests finish, then the database is closed', async () => {
    const server = await startTestApp();
    const tenant = await server.newTenant();
    const records = Array.from({ length: 3000 }, (_, i) => ({ name: `Shutdown ${i}`, notes: 'in flight' }));
    const arrived = new Promise((resolve) => server.app.server.once('request', resolve));
    const inFlight = tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts/batch`, { records });
    await arrived;
    await server.close({ drop: false });
    const res = await inFlight;
    assert.equal(res.status, 201);
    const stored = await server.database.query('select count(*) as n from contacts where workspace_id = ?', [
      tenant.workspaceId,
    ]);
    assert.equal(Number(stored[0]!.n), 3000);
    await server.database.drop();
  });
});
