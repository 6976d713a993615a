import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { dropNamespace, testRedisUrl, uniqueNamespace } from '../support/redis.ts';

const namespace = uniqueNamespace();
let first: TestApp;
let second: TestApp;
let tenant: Tenant;

before(async () => {
  const env = { REDIS_URL: testRedisUrl, CACHE_NAMESPACE: namespace };
  first = await startTestApp(env);
  second = await startTestApp(env, first.database);
  tenant = await first.newTenant();
});
after(async () => {
  await second.close({ drop: false });
  await first.close();
  await dropNamespace(namespace);
});

describe('cache over HTTP', () => {
  test('record reads are served from the cache', async () => {
    const { body: contact } = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts`, {
      name: 'Cached',
    });
    const path = `/api/workspaces/${tenant.workspaceId}/contacts/${contact.id}`;
    await tenant.api.get(path);
    const before = (await tenant.api.get('/api/cache/stats')).body.hits;
    for (let i = 0; i < 5; i++) assert.equal((await tenant.api.get(path)).body.name, 'Cached');
    const afterStats = (await tenant.api.get('/api/cache/stats')).body;
    assert.ok(afterStats.hits - before >= 5, 'each read hit the cache');
    assert.equal(afterStats.redisConnected, true);
    assert.match(afterStats.hitRate, /^\d+\.\d{2}%$/);
    for (const field of ['misses', 'sets', 'deletes', 'errors', 'localCacheSize', 'localCacheLimit']) {
      assert.equal(typeof afterStats[field], 'number', field);
    }
  });

  test('a write through one instance is read at once through another', async () => {
    const onB = second.as(tenant.token);
    const deals = `/api/workspaces/${tenant.workspaceId}/deals`;
    const { body: deal } = await tenant.api.post(deals, { name: 'Shared', amount: 100 });
    assert.equal((await onB.get(`${deals}/${deal.id}`)).body.amount, 100);
    assert.equal((await onB.get(`${deals}/${deal.id}`)).body.amount, 100, 'now cached on B');
    const listOnB = await onB.get(deals);
    assert.equal(listOnB.body.data.length, 1);

    await tenant.api.patch(`${deals}/${deal.id}`, { amount: 250 });
    assert.equal((await onB.get(`${deals}/${deal.id}`)).body.amount, 250);
    await tenant.api.post(deals, { name: 'Second' });
    assert.equal((await onB.get(deals)).body.data.length, 2, 'B sees the new list at once');
    await tenant.api.delete(`${deals}/${deal.id}`);
    assert.equal((await onB.get(`${deals}/${deal.id}`)).status, 404);
  });

  test('a token revoked on one instance is refused at once on another', async () => {
    const issued = await tenant.api.post('/api/tokens', { name: 'cross-instance' });
    const onB = second.as(issued.body.token);
    assert.equal((await onB.get(`/api/workspaces/${tenant.workspaceId}/contacts`)).status, 200);
    await tenant.api.delete(`/api/tokens/${issued.body.id}`);
    assert.equal((await onB.get(`/api/workspaces/${tenant.workspaceId}/contacts`)).status, 401);
  });

  test('a role taken away on one instance applies at once on another', async () => {
    const member = await first.newMember(tenant.workspaceId, 'member');
    const onB = second.as(member.token);
    const contacts = `/api/workspaces/${tenant.workspaceId}/contacts`;
    assert.equal((await onB.post(contacts, { name: 'allowed' })).status, 201);
    const members = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/members`);
    const email = members.body.data.find((m: { userId: string }) => m.userId === member.userId).email;
    await tenant.api.put(`/api/workspaces/${tenant.workspaceId}/members`, { email, role: 'viewer' });
    assert.equal((await onB.post(contacts, { name: 'refused' })).status, 403);
  });

  test('stats need an admin role somewhere', async () => {
    const viewer = await first.newMember(tenant.workspaceId, 'viewer');
    assert.equal((await viewer.api.get('/api/cache/stats')).status, 403);
    assert.equal((await tenant.api.get('/api/cache/stats')).status, 200);
  });

  test('invalidation takes entity types or a pattern inside the workspace, never another one', async () => {
    const other = await first.newTenant();
    const invalidate = `/api/cache/${tenant.workspaceId}/invalidate`;
    const foreign = await tenant.api.post(invalidate, { pattern: `${namespace}:${other.workspaceId}:*` });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, 'CACHE_PATTERN_FORBIDDEN');
    const everything = await tenant.api.post(invalidate, { pattern: `${namespace}:*` });
    assert.equal(everything.status, 403);

    const { body: contact } = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts`, {
      name: 'x',
    });
    await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/contacts/${contact.id}`);
    const relative = await tenant.api.post(invalidate, { pattern: 'entity:contact:*' });
    assert.equal(relative.status, 200);
    assert.equal(relative.body.pattern, `${namespace}:${tenant.workspaceId}:entity:contact:*`);
    assert.ok(relative.body.deleted >= 1);

    assert.equal((await tenant.api.post(invalidate, { entityTypes: ['deal', 'lead'] })).status, 200);
    assert.equal((await tenant.api.post(invalidate, { entityTypes: ['secrets'] })).status, 400);
    assert.equal((await tenant.api.post(invalidate, {})).status, 200);

    const viewer = await first.newMember(tenant.workspaceId, 'viewer');
    assert.equal((await viewer.api.post(invalidate, {})).status, 403);
    assert.equal((await other.api.post(invalidate, {})).status, 404);
  });

  test('/ready reports Redis', async () => {
    const ready = await first.anonymous.get('/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: 'ok', redis: 'ok' });
  });
});
