import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { twoWorkspaces } from '../support/app.ts';

let env: Awaited<ReturnType<typeof twoWorkspaces>>;

before(async () => {
  env = await twoWorkspaces();
});
after(() => env.server.close());

/** Every route that names a workspace, with its placeholders filled for workspace `workspaceId`. */
function workspaceRoutes(workspaceId: string, recordId: string) {
  return env.server.app.endpoints
    .filter((endpoint) => endpoint.path.includes(':workspaceId'))
    .map((endpoint) => ({
      method: endpoint.method,
      path: endpoint.path
        .replace(':workspaceId', workspaceId)
        .replace(':id', recordId)
        .replace(':userId', 'someone'),
    }));
}

describe('tenancy', () => {
  test('a token for one workspace gets 404 on every route of another workspace', async () => {
    const { alice, bob } = env;
    const { body: contact } = await bob.api.post(`/api/workspaces/${bob.workspaceId}/contacts`, {
      name: 'Dana Ortiz',
    });
    const routes = workspaceRoutes(bob.workspaceId, contact.id);
    assert.ok(routes.length >= 40, `expected every workspace route, got ${routes.length}`);
    for (const route of routes) {
      const body =
        route.method === 'GET' || route.method === 'DELETE'
          ? undefined
          : { name: 'x', records: [{ name: 'x' }] };
      const res = await alice.api.request(route.method, route.path, body);
      assert.ok(
        res.status === 404 || res.status === 403,
        `${route.method} ${route.path} gave ${res.status}: ${JSON.stringify(res.body)}`,
      );
    }
    // By slug too, and nothing of Bob's changed.
    const bySlug = await alice.api.get(`/api/workspaces/${bob.slug}/contacts/${contact.id}`);
    assert.equal(bySlug.status, 404);
    const still = await bob.api.get(`/api/workspaces/${bob.workspaceId}/contacts/${contact.id}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.name, 'Dana Ortiz');
  });

  test('the same record id in two workspaces stays two records', async () => {
    const { alice, bob } = env;
    await alice.api.post(`/api/workspaces/${alice.workspaceId}/contacts`, {
      id: 'shared-id',
      name: 'Alice side',
    });
    await bob.api.post(`/api/workspaces/${bob.workspaceId}/contacts`, { id: 'shared-id', name: 'Bob side' });
    const mine = await alice.api.get(`/api/workspaces/${alice.workspaceId}/contacts/shared-id`);
    assert.equal(mine.body.name, 'Alice side');
    const theirs = await bob.api.get(`/api/workspaces/${bob.workspaceId}/contacts/shared-id`);
    assert.equal(theirs.body.name, 'Bob side');
    await alice.api.delete(`/api/workspaces/${alice.workspaceId}/contacts/shared-id`);
    assert.equal((await bob.api.get(`/api/workspaces/${bob.workspaceId}/contacts/shared-id`)).status, 200);
  });

  test('lists only show the caller’s own workspaces', async () => {
    const { alice, bob } = env;
    const res = await alice.api.get('/api/workspaces');
    const ids = res.body.data.map((workspace: { id: string }) => workspace.id);
    assert.ok(ids.includes(alice.workspaceId));
    assert.ok(!ids.includes(bob.workspaceId));
  });
});

describe('authentication', () => {
  test('no token, a malformed header and an unknown token are 401', async () => {
    const path = `/api/workspaces/${env.alice.workspaceId}/contacts`;
    const none = await env.server.anonymous.get(path);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    const malformed = await env.server.anonymous.request('GET', path, undefined, {
      authorization: 'Token abc',
    });
    assert.equal(malformed.status, 401);
    const unknown = await env.server.as('crm_not-a-real-token').get(path);
    assert.equal(unknown.status, 401);
  });

  test('a revoked token is refused at once', async () => {
    const { alice } = env;
    const issued = await alice.api.post('/api/tokens', { name: 'short-lived' });
    assert.equal(issued.status, 201);
    assert.match(issued.body.token, /^crm_/);
    const shortLived = env.server.as(issued.body.token);
    assert.equal((await shortLived.get('/api/me')).status, 200);
    assert.equal((await alice.api.delete(`/api/tokens/${issued.body.id}`)).status, 204);
    const refused = await shortLived.get('/api/me');
    assert.equal(refused.status, 401);
  });

  test('token lists never show secrets or hashes', async () => {
    const res = await env.alice.api.get('/api/tokens');
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(env.alice.token));
    assert.ok(!/tokenHash|token_hash/.test(text));
    assert.ok(res.body.data.some((token: { prefix: string }) => env.alice.token.startsWith(token.prefix)));
  });

  test('tokens are stored hashed', async () => {
    const rows = await env.server.database.query('select token_hash from api_tokens');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.notEqual(row.token_hash, env.alice.token);
      assert.match(String(row.token_hash), /^[0-9a-f]{64}$/);
    }
  });

  test('one user cannot revoke another user’s token', async () => {
    const { body: tokens } = await env.bob.api.get('/api/tokens');
    const res = await env.alice.api.delete(`/api/tokens/${tokens.data[0].id}`);
    assert.equal(res.status, 404);
    assert.equal((await env.bob.api.get('/api/me')).status, 200);
  });
});

describe('roles', () => {
  test('a viewer reads but cannot write', async () => {
    const { alice, server } = env;
    const viewer = await server.newMember(alice.workspaceId, 'viewer');
    const contacts = `/api/workspaces/${alice.workspaceId}/contacts`;
    assert.equal((await viewer.api.get(contacts)).status, 200);
    const write = await viewer.api.post(contacts, { name: 'Nope' });
    assert.equal(write.status, 403);
    assert.equal(write.body.error.code, 'FORBIDDEN');
  });

  test('a member writes records but cannot manage members', async () => {
    const { alice, server } = env;
    const member = await server.newMember(alice.workspaceId, 'member');
    assert.equal(
      (await member.api.post(`/api/workspaces/${alice.workspaceId}/contacts`, { name: 'Yes' })).status,
      201,
    );
    const manage = await member.api.put(`/api/workspaces/${alice.workspaceId}/members`, {
      email: 'x@example.com',
      role: 'viewer',
    });
    assert.equal(manage.status, 403);
  });

  test('an admin manages members but cannot touch owners', async () => {
    const { alice, server } = env;
    const admin = await server.newMember(alice.workspaceId, 'admin');
    const members = `/api/workspaces/${alice.workspaceId}/members`;
    const added = await admin.api.put(members, { email: 'new.viewer@example.com', role: 'viewer' });
    assert.equal(added.status, 200);
    assert.equal((await admin.api.put(members, { email: 'x2@example.com', role: 'owner' })).status, 403);
    assert.equal((await admin.api.delete(`${members}/${alice.userId}`)).status, 403);
    assert.equal((await admin.api.delete(`${members}/${added.body.userId}`)).status, 204);
  });

  test('the last owner cannot leave', async () => {
    const { alice } = env;
    const res = await alice.api.delete(`/api/workspaces/${alice.workspaceId}/members/${alice.userId}`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'LAST_OWNER');
  });
});

describe('workspaces', () => {
  test('create a workspace and become its owner; slugs are unique and never UUID-shaped', async () => {
    const { alice } = env;
    const created = await alice.api.post('/api/workspaces', { slug: `team-${process.pid}`, name: 'Team' });
    assert.equal(created.status, 201);
    const fetched = await alice.api.get(`/api/workspaces/team-${process.pid}`);
    assert.equal(fetched.body.role, 'owner');
    assert.equal((await alice.api.post('/api/workspaces', { slug: `team-${process.pid}` })).status, 409);
    const uuidLike = await alice.api.post('/api/workspaces', {
      slug: '0123abcd-0123-4567-89ab-0123456789ab',
    });
    assert.equal(uuidLike.status, 400);
  });
});
