import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;

before(async () => {
  server = await startTestApp();
  tenant = await server.newTenant();
  const base = `/api/workspaces/${tenant.workspaceId}`;
  await tenant.api.post(`${base}/contacts/batch`, {
    records: [
      {
        id: 'c-dana',
        name: 'Dana Ortiz',
        email: 'dana@acme.example',
        company: 'Acme',
        role: 'CTO',
        notes: 'Owns the data migration from the legacy CRM.',
      },
      {
        id: 'c-lee',
        name: 'Lee Park',
        email: 'lee@globex.example',
        company: 'Globex',
        notes: 'Runs the loyalty campaign for retail stores.',
      },
    ],
  });
  await tenant.api.post(`${base}/leads`, {
    id: 'l-sso',
    name: 'Ana Silva',
    company: 'Initech',
    requirements: 'Needs single sign-on and audit logs for compliance.',
  });
  await tenant.api.post(`${base}/documents`, {
    id: 'd-sec',
    title: 'Security review for Initech',
    content: 'Single sign-on, audit logs and data residency were reviewed with the Initech security team.',
  });
  await server.vector.indexer.idle();
});
after(() => server.close());

const search = (body: Record<string, unknown>, api = tenant.api, workspaceId = tenant.workspaceId) =>
  api.post(`/api/vector/${workspaceId}/search`, body);

describe('semantic search', () => {
  test('records are indexed automatically when written and found by meaning of their words', async () => {
    const res = await search({ query: 'single sign-on audit logs', topK: 5 });
    assert.equal(res.status, 200);
    const ids = res.body.results.map((hit: { entityId: string }) => hit.entityId);
    assert.deepEqual(ids.slice(0, 2).sort(), ['d-sec', 'l-sso']);
    const top = res.body.results[0];
    assert.ok(top.score > 0 && top.score <= 1);
    assert.ok(top.title.length > 0 && top.snippet.length > 0);
    assert.equal(res.body.model, 'local-lexical-v1-384');
  });

  test('entityTypes and minScore are respected', async () => {
    const onlyDocs = await search({ query: 'single sign-on audit logs', entityTypes: ['document'], topK: 5 });
    assert.deepEqual(
      onlyDocs.body.results.map((hit: { entityType: string }) => hit.entityType),
      ['document'],
    );
    const plural = await search({ query: 'single sign-on', entityTypes: ['documents'] });
    assert.equal(plural.status, 200, 'plural type names are accepted too');
    const strict = await search({ query: 'single sign-on audit logs', minScore: 1 });
    assert.deepEqual(strict.body.results, []);
    assert.match(strict.body.reason, /no record reached minScore 1/);
    const all = await search({ query: 'single sign-on audit logs', minScore: 0.2, topK: 10 });
    assert.ok(all.body.results.every((hit: { score: number }) => hit.score >= 0.2));
  });

  test('an update is reflected at once and a delete removes the record from results', async () => {
    const base = `/api/workspaces/${tenant.workspaceId}`;
    await tenant.api.patch(`${base}/contacts/c-lee`, { notes: 'Evaluating a warehouse robotics platform.' });
    await server.vector.indexer.idle();
    const fresh = await search({ query: 'warehouse robotics' });
    assert.equal(fresh.body.results[0].entityId, 'c-lee');
    const stale = await search({
      query: 'loyalty campaign retail stores',
      entityTypes: ['contact'],
      minScore: 0.3,
    });
    assert.ok(!stale.body.results.some((hit: { entityId: string }) => hit.entityId === 'c-lee'));

    await tenant.api.delete(`${base}/contacts/c-lee`);
    await server.vector.indexer.idle();
    const gone = await search({ query: 'warehouse robotics' });
    assert.ok(!gone.body.results.some((hit: { entityId: string }) => hit.entityId === 'c-lee'));
  });

  test('similar records exclude the record itself', async () => {
    const res = await tenant.api.get(`/api/vector/${tenant.workspaceId}/similar/lead/l-sso`, {
      topK: 3,
      entityTypes: 'document,lead',
    });
    assert.equal(res.status, 200);
    const ids = res.body.results.map((hit: { entityId: string }) => hit.entityId);
    assert.ok(!ids.includes('l-sso'));
    assert.equal(ids[0], 'd-sec');
    const missing = await tenant.api.get(`/api/vector/${tenant.workspaceId}/similar/lead/nope`);
    assert.equal(missing.status, 404);
  });

  test('bad requests get 400', async () => {
    assert.equal((await search({ query: '' })).status, 400);
    assert.equal((await search({ query: 'x', topK: 1000 })).status, 400);
    assert.equal((await search({ query: 'x', entityTypes: ['secrets'] })).status, 400);
  });
});

describe('isolation', () => {
  test('the same record ids in two workspaces never leak', async () => {
    const other = await server.newTenant();
    await other.api.post(`/api/workspaces/${other.workspaceId}/contacts`, {
      id: 'c-dana',
      name: 'Other Dana',
      notes: 'Quantum annealing hardware procurement.',
    });
    await server.vector.indexer.idle();
    const mine = await search({ query: 'quantum annealing hardware' });
    assert.ok(!mine.body.results.some((hit: { title: string }) => hit.title === 'Other Dana'));
    const theirs = await search({ query: 'quantum annealing hardware' }, other.api, other.workspaceId);
    assert.equal(theirs.body.results[0].title, 'Other Dana');
    const crossing = await search({ query: 'x' }, other.api, tenant.workspaceId);
    assert.equal(crossing.status, 404);
  });
});

describe('index administration', () => {
  test('index one, index a batch, remove; admins only; stats count per type', async () => {
    const base = `/api/vector/${tenant.workspaceId}`;
    const member = await server.newMember(tenant.workspaceId, 'member');
    assert.equal((await member.api.post(`${base}/index/contact/c-dana`)).status, 403);
    const one = await tenant.api.post(`${base}/index/contact/c-dana`);
    // The record, and its notes as a passage of their own.
    assert.deepEqual(one.body, { indexed: 1, vectors: 2, missing: [] });
    assert.equal((await tenant.api.post(`${base}/index/contact/nope`)).status, 404);
    const batch = await tenant.api.post(`${base}/index-batch/contact`, {});
    assert.equal(batch.body.indexed, 1);
    const removed = await tenant.api.delete(`${base}/index/document/d-sec`);
    assert.deepEqual(removed.body, { removed: 1 });
    const stats = await tenant.api.get(`${base}/stats`);
    assert.equal(stats.body.backend, 'local');
    assert.equal(stats.body.dimensions, 384);
    assert.equal(stats.body.vectorsByType.document ?? 0, 0);
    assert.equal(stats.body.vectorsByType.lead, 2, 'one lead: the record and its notes');
    assert.equal(stats.body.records.document, 1);
    assert.equal(stats.body.needsReindex, false);
    assert.ok(stats.body.lastIndexedAt);
    await tenant.api.post(`${base}/index/document/d-sec`);
  });

  test('the embedding endpoint returns normalised vectors of the configured model', async () => {
    const res = await tenant.api.post('/api/vector/embedding', { texts: ['hello world', 'second'] });
    assert.equal(res.status, 200);
    assert.equal(res.body.dimensions, 384);
    assert.equal(res.body.embeddings.length, 2);
    const norm = Math.sqrt(res.body.embeddings[0].reduce((sum: number, x: number) => sum + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5);
    assert.equal((await tenant.api.post('/api/vector/embedding', {})).status, 400);
  });
});

describe('index persistence', () => {
  test('a restart keeps the index; a lost index directory is rebuilt; a model change is reported', async () => {
    const first = await startTestApp();
    const owner = await first.newTenant();
    await owner.api.post(`/api/workspaces/${owner.workspaceId}/deals`, {
      name: 'Renewal',
      notes: 'Kubernetes migration budget approved.',
    });
    await first.vector.indexer.idle();
    await first.close({ drop: false });

    const second = await startTestApp({}, first.database);
    await second.vector.repaired;
    const api = second.as(owner.token);
    const kept = await api.post(`/api/vector/${owner.workspaceId}/search`, { query: 'kubernetes migration' });
    assert.equal(kept.body.results[0].title, 'Renewal');
    await second.close({ drop: false });

    fs.rmSync(path.join(first.database.dataDir, 'vectors', owner.workspaceId), {
      recursive: true,
      force: true,
    });
    const third = await startTestApp({}, first.database);
    await third.vector.repaired;
    const rebuilt = await third
      .as(owner.token)
      .post(`/api/vector/${owner.workspaceId}/search`, { query: 'kubernetes migration' });
    assert.equal(rebuilt.body.results[0].title, 'Renewal', 'rebuilt from the database at start');
    await third.close({ drop: false });

    const fourth = await startTestApp({ EMBEDDING_DIMENSIONS: '256' }, first.database);
    try {
      const stats = await fourth.as(owner.token).get(`/api/vector/${owner.workspaceId}/stats`);
      assert.equal(stats.body.needsReindex, true);
      assert.equal(stats.body.indexModel, 'local-lexical-v1-384');
      const refused = await fourth
        .as(owner.token)
        .post(`/api/vector/${owner.workspaceId}/search`, { query: 'kubernetes' });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'INDEX_MODEL_MISMATCH');
    } finally {
      await fourth.close();
    }
  });
});

describe('hybrid search', () => {
  test('an exact email that vector search alone misses ranks first, and says which side matched', async () => {
    const base = `/api/workspaces/${tenant.workspaceId}`;
    // Many contacts whose notes resemble the query's words, and one whose email is the query.
    await tenant.api.post(`${base}/contacts/batch`, {
      records: Array.from({ length: 30 }, (_, i) => ({
        name: `Acme buyer ${i}`,
        company: 'Acme',
        notes: `Contact at acme example about the renewal number ${i}.`,
      })),
    });
    await tenant.api.post(`${base}/contacts`, {
      id: 'c-exact',
      name: 'Zed Quorra',
      email: 'renewal.acme@acme.example',
      notes: 'Rarely in touch; prefers phone calls over long threads and meeting invitations.',
    });
    await server.vector.indexer.idle();
    const query = 'renewal.acme@acme.example';

    const vectorOnly = await search({ query, topK: 3, entityTypes: ['contact'] });
    assert.notEqual(
      vectorOnly.body.results[0].entityId,
      'c-exact',
      'the premise: vector search alone ranks look-alikes first',
    );
    const hybrid = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
      query,
      topK: 3,
    });
    assert.equal(hybrid.status, 200);
    assert.equal(hybrid.body.results[0].entityId, 'c-exact');
    assert.ok(hybrid.body.results[0].matched.includes('keyword'));

    const byName = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
      query: 'Zed Quorra',
      topK: 3,
    });
    assert.equal(byName.body.results[0].entityId, 'c-exact');

    const rrf = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
      query,
      topK: 3,
      fusion: 'rrf',
    });
    assert.equal(rrf.body.results[0].entityId, 'c-exact');

    const keywordOnly = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
      query: 'single sign-on',
      vectorWeight: 0,
      topK: 5,
    });
    assert.ok(keywordOnly.body.results.length > 0);
    assert.ok(
      keywordOnly.body.results.every((hit: { matched: string[] }) => hit.matched.includes('keyword')),
    );
    const bad = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
      query: 'x',
      vectorWeight: 2,
    });
    assert.equal(bad.status, 400);
  });

  test('query syntax cannot break the keyword side: operators are words, and the words still match', async () => {
    const created = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/documents`, {
      title: "Call notes: Niamh O'Brien",
      content: 'Asked about the zorblax integration near the end of the call.',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await server.vector.indexer.idle();
    for (const query of ['"zorblax', 'NEAR(zorblax b)', 'zorblax OR', "o'brien -- drop table", 'zorblax*']) {
      const res = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, { query });
      assert.equal(res.status, 200, query);
      const hit = res.body.results.find((r: { entityId: string }) => r.entityId === created.body.id);
      assert.ok(hit, `${query}: the record is found`);
      assert.ok(hit.matched.includes('keyword'), `${query}: through the keyword side`);
    }
    const bare = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, { query: '*' });
    assert.equal(bare.status, 200);
  });
});
