// Hostile callers: every endpoint with another workspace's token, no token, a bad or revoked one; roles;
// oversized bodies; hostile filters, patterns and ids; URLs in every field that nothing may fetch; secrets
// kept out of logs and responses; token guessing rate-limited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { type ContractServer, startContractServer } from '../support/contract-server.ts';
import { eventually } from '../support/eventually.ts';

const SECRET_KEY = 'sk-together-secret-0123456789abcdef';
const logLines: string[] = [];
let server: TestApp;
let victim: Tenant;
let attacker: Tenant;
let canary: ContractServer;
const victimIds: Record<string, string> = {};
let endpoints: { method: string; path: string }[] = [];

before(async () => {
  canary = await startContractServer(() => ({ status: 200, body: {} }));
  server = await startTestApp(
    // The sweeps below send hundreds of refused requests from one address; guessing is tested on its own app.
    {
      LOG_LEVEL: 'info',
      TOGETHER_AI_API_KEY: SECRET_KEY,
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURES_PER_MINUTE: '100000',
    },
    undefined,
    { write: (line: string) => logLines.push(line) },
  );
  victim = await server.newTenant();
  attacker = await server.newTenant();
  const base = `/api/workspaces/${victim.workspaceId}`;
  victimIds.contact = (
    await victim.api.post(`${base}/contacts`, { name: 'Victor Tim', email: 'victor@victim.example' })
  ).body.id;
  victimIds.lead = (
    await victim.api.post(`${base}/leads`, { name: 'Vera Lead', company: 'Victim Co' })
  ).body.id;
  victimIds.deal = (await victim.api.post(`${base}/deals`, { name: 'Victim renewal', value: 1000 })).body.id;
  endpoints = (await server.anonymous.get('/api')).body.endpoints;
});
after(async () => {
  await server.close();
  await canary.close();
});

/** A concrete URL for a route template, aimed at the victim's workspace and records. */
function aimAtVictim(template: string): string {
  return template
    .replace(':workspaceId', victim.workspaceId)
    .replace(/:(leadId|dealId)/, (_, name: string) => (name === 'leadId' ? victimIds.lead! : victimIds.deal!))
    .replace(/:(id|entityId)/g, victimIds.contact!)
    .replace(':entityType', 'contacts')
    .replace(/:\w+/g, 'x');
}

const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
  fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('tenancy', () => {
  test('every workspace endpoint refuses another workspace’s token and leaks nothing of it', async () => {
    const scoped = endpoints.filter((endpoint) => endpoint.path.includes(':workspaceId'));
    assert.ok(scoped.length > 50, `${scoped.length} workspace endpoints`);
    for (const endpoint of scoped) {
      const path = aimAtVictim(endpoint.path);
      const response = await call(
        attacker.token,
        endpoint.method,
        path,
        endpoint.method === 'GET' || endpoint.method === 'DELETE' ? undefined : {},
      );
      const text = await response.text();
      assert.ok(
        [403, 404].includes(response.status),
        `${endpoint.method} ${endpoint.path} answered ${response.status}: ${text.slice(0, 200)}`,
      );
      for (const id of Object.values(victimIds))
        assert.ok(
          !text.includes(id) || path.includes(id),
          `${endpoint.method} ${endpoint.path} leaked ${id}`,
        );
      assert.ok(
        !text.includes('victim.example') && !text.includes('Victim Co'),
        `${endpoint.method} ${endpoint.path} leaked record data`,
      );
    }
  });

  test('instance-wide endpoints show the caller only their own', async () => {
    const workspaces = await attacker.api.get('/api/workspaces');
    assert.deepEqual(
      workspaces.body.data.map((w: { id: string }) => w.id),
      [attacker.workspaceId],
    );
    assert.equal((await attacker.api.get('/api/monitoring/errors')).status, 403);
    const history = await call(attacker.token, 'GET', `/api/agents/${victim.workspaceId}/history`);
    assert.equal(history.status, 404);
  });
});

describe('authentication', () => {
  test('no token, a malformed header and an unknown token get 401 on every non-public endpoint', async () => {
    for (const endpoint of endpoints) {
      const path = aimAtVictim(endpoint.path);
      const public_ = await call(undefined, endpoint.method, path);
      if (endpoint.path === '/api') continue;
      assert.equal(public_.status, 401, `${endpoint.method} ${endpoint.path} without a token`);
    }
    const malformed = await fetch(`${server.baseUrl}/api/workspaces`, {
      headers: { authorization: 'Basic abc' },
    });
    assert.equal(malformed.status, 401);
    assert.equal((await call('crm_not-a-real-token', 'GET', '/api/workspaces')).status, 401);
  });

  test('a revoked token is refused at once', async () => {
    const other = await server.newTenant();
    const tokens = await other.api.get('/api/tokens');
    const id = tokens.body.data[0].id;
    assert.equal((await other.api.get('/api/workspaces')).status, 200);
    assert.equal((await other.api.delete(`/api/tokens/${id}`)).status, 204);
    assert.equal((await other.api.get('/api/workspaces')).status, 401);
  });

  test('guessing tokens from one address is rate-limited (30 a minute by default)', async () => {
    const guarded = await startTestApp();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++)
        statuses.push((await guarded.as(`crm_guess-${i}`).get('/api/workspaces')).status);
      assert.ok(
        statuses.slice(0, 30).every((status) => status === 401),
        statuses.join(','),
      );
      assert.deepEqual(statuses.slice(30), [429, 429]);
      const tenant = await guarded.newTenant();
      assert.equal(
        (await tenant.api.get('/api/workspaces')).status,
        200,
        'a valid token from the same address is never refused by the failed-auth limit',
      );
    } finally {
      await guarded.close();
    }
  });

  test('behind a trusted proxy the limit counts each forwarded client, not the proxy', async () => {
    const proxied = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    try {
      const from = (client: string, token: string) =>
        proxied.as(token).request('GET', '/api/workspaces', undefined, { 'x-forwarded-for': client });
      for (let i = 0; i < 31; i++) await from('203.0.113.7', `crm_guess-${i}`);
      assert.equal((await from('203.0.113.7', 'crm_guess-last')).status, 429);
      assert.equal(
        (await from('198.51.100.2', 'crm_typo')).status,
        401,
        'another client behind the same proxy is not blocked',
      );
    } finally {
      await proxied.close();
    }
  });
});

describe('roles', () => {
  test('a viewer cannot write; a member writes records but cannot train or deploy', async () => {
    const base = `/api/workspaces/${victim.workspaceId}`;
    const viewer = await server.newMember(victim.workspaceId, 'viewer');
    assert.equal((await viewer.api.get(`${base}/contacts`)).status, 200);
    assert.equal((await viewer.api.post(`${base}/contacts`, { name: 'Nope' })).status, 403);
    assert.equal(
      (await viewer.api.patch(`${base}/contacts/${victimIds.contact}`, { name: 'Nope' })).status,
      403,
    );
    assert.equal((await viewer.api.delete(`${base}/contacts/${victimIds.contact}`)).status, 403);
    // Searching is reading: viewers search (POST only carries the query), as the README's table says.
    const vector = `/api/vector/${victim.workspaceId}`;
    assert.equal((await viewer.api.post(`${vector}/search`, { query: 'renewal' })).status, 200);
    assert.equal((await viewer.api.post(`${vector}/hybrid-search`, { query: 'renewal' })).status, 200);
    assert.equal(
      (await viewer.api.post(`${vector}/index/contact/${victimIds.contact}`)).status,
      403,
      'indexing stays with admins',
    );

    const member = await server.newMember(victim.workspaceId, 'member');
    assert.equal((await member.api.post(`${base}/contacts`, { name: 'Member Made' })).status, 201);
    const ft = `/api/ai/fine-tuning/${victim.workspaceId}`;
    const dataset = await member.api.post(`${ft}/datasets`, {
      name: 'x',
      type: 'qa',
      trainingData: { source: 'workspace', filters: {} },
    });
    assert.equal(dataset.status, 403);
    const job = await member.api.post(`${ft}/jobs`, {
      name: 'x',
      baseModel: 'qwen-3-8b',
      trainingData: { source: 'workspace' },
    });
    assert.equal(job.status, 403);
    assert.equal(
      (await member.api.post(`${ft}/jobs/00000000-0000-4000-8000-000000000000/deploy`)).status,
      403,
    );
    assert.equal((await member.api.post(`/api/cache/${victim.workspaceId}/invalidate`, {})).status, 403);
  });
});

describe('hostile input', () => {
  test('an oversized body is refused with 413 and nothing is written', async () => {
    const base = `/api/workspaces/${victim.workspaceId}`;
    const before = (await victim.api.get(`${base}/contacts?limit=200`)).body.data.length;
    const huge = {
      records: Array.from({ length: 2000 }, (_, i) => ({ name: `P${i}`, notes: 'x'.repeat(6000) })),
    };
    const response = await call(victim.token, 'POST', `${base}/contacts/batch`, huge);
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal((await victim.api.get(`${base}/contacts?limit=200`)).body.data.length, before);
  });

  test('injection in filters, sorts, text search and ids is data, not SQL', async () => {
    const base = `/api/workspaces/${victim.workspaceId}`;
    const hostile = ["' OR '1'='1", '1; DROP TABLE contacts; --', '%_\\', '") OR 1=1 --'];
    for (const value of hostile) {
      const search = await victim.api.get(`${base}/contacts`, { q: value });
      assert.equal(search.status, 200);
      assert.equal(search.body.data.length, 0, `q=${value} matched nothing`);
      assert.equal((await victim.api.get(`${base}/contacts/${encodeURIComponent(value)}`)).status, 400);
      assert.equal((await victim.api.get(`${base}/contacts`, { sort: value })).status, 400);
    }
    assert.equal(
      (await attacker.api.get(`/api/workspaces/${encodeURIComponent("' OR 1=1 --")}/contacts`)).status,
      404,
    );
    const where = await victim.api.post(`/api/ai/fine-tuning/${victim.workspaceId}/datasets`, {
      name: 'x',
      type: 'qa',
      trainingData: { source: 'workspace', filters: { where: { 'name; drop table leads': 'x' } } },
    });
    assert.equal(where.status, 400);
    const contacts = await victim.api.get(`${base}/contacts`);
    assert.ok(
      contacts.body.data.some((contact: { id: string }) => contact.id === victimIds.contact),
      'the table is intact',
    );
  });

  test('cache patterns cannot reach another workspace', async () => {
    const other = await victim.api.post(`/api/cache/${victim.workspaceId}/invalidate`, {
      pattern: `${server.platform.cache.workspacePrefix(attacker.workspaceId)}*`,
    });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'CACHE_PATTERN_FORBIDDEN');
    const everything = await victim.api.post(`/api/cache/${victim.workspaceId}/invalidate`, { pattern: '*' });
    assert.equal(everything.status, 200);
    assert.ok(everything.body.pattern.startsWith(server.platform.cache.workspacePrefix(victim.workspaceId)));
  });

  test('no URL a caller sends is fetched by the server', async () => {
    const url = `${canary.url}/steal`;
    const base = `/api/workspaces/${victim.workspaceId}`;
    await victim.api.post(`${base}/contacts`, {
      name: url,
      email: 'u@example.com',
      notes: url,
      custom: { webhook: url },
    });
    await victim.api.post(`/api/vector/${victim.workspaceId}/search`, { query: url });
    await victim.api.post(`/api/agents/${victim.workspaceId}/research`, { topic: url, url });
    await victim.api.post(`/api/agents/${victim.workspaceId}/execute`, {
      agent: 'auto',
      task: `summarise ${url}`,
      input: { url },
    });
    await victim.api.post(`/api/ai/fine-tuning/${victim.workspaceId}/datasets`, {
      name: 'x',
      type: 'completion',
      trainingData: { source: 'upload', jsonl: JSON.stringify({ prompt: url, completion: url }), url },
    });
    await victim.api.post(`/api/ai/fine-tuning/${victim.workspaceId}/datasets`, {
      name: 'x',
      type: 'completion',
      trainingData: { source: 'url', url },
    });
    // The background work these requests start (indexing the record) has finished: had anything fetched
    // the URL, it would have by now.
    await server.vector.indexer.idle();
    assert.equal(canary.requests.length, 0, 'the canary was never called');
  });
});

describe('secrets', () => {
  test('tokens and provider keys never appear in logs or responses', async () => {
    const responses = [
      await victim.api.get('/api/ai/fine-tuning/models'),
      await victim.api.get('/api/me'),
      await victim.api.get('/api/tokens'),
      await server.anonymous.get('/docs/json'),
      await victim.api.post(`/api/ai/fine-tuning/${victim.workspaceId}/jobs`, {
        name: 'x',
        baseModel: 'llama-3.1-8b',
        provider: 'together',
        trainingData: { source: 'workspace' },
      }),
    ];
    for (const response of responses) {
      const text = JSON.stringify(response.body);
      assert.ok(!text.includes(SECRET_KEY), 'the provider key is not in a response');
      assert.ok(!text.includes(victim.token), 'the bearer token is not in a response');
    }
    // Each request's line is written once its response has gone out: wait until the last one is there.
    const lastId = responses.at(-1)!.headers.get('x-request-id')!;
    await eventually(
      async () => logLines.some((line) => line.includes(lastId)),
      (found) => found,
      5000,
    );
    const logs = logLines.join('\n');
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(SECRET_KEY), 'the provider key is not logged');
    assert.ok(!logs.includes(victim.token) && !logs.includes(attacker.token), 'no bearer token is logged');
  });
});
