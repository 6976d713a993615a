import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { entityTypes } from '../../src/crm/records/entity-types.ts';
import type { EntityChangedEvent } from '../../src/platform/events.ts';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;

before(async () => {
  server = await startTestApp();
  tenant = await server.newTenant();
});
after(() => server.close());

const path = (plural: string, suffix = '') => `/api/workspaces/${tenant.workspaceId}/${plural}${suffix}`;

describe('record CRUD', () => {
  const samples: Record<string, Record<string, unknown>> = {
    contacts: {
      name: 'Dana Ortiz',
      email: 'dana@acme.example',
      company: 'Acme',
      role: 'CTO',
      tags: ['champion'],
    },
    leads: { name: 'Lee Park', email: 'lee@globex.example', source: 'referral', requirements: 'SSO' },
    deals: { name: 'Acme renewal', amount: 12000, currency: 'EUR', expectedCloseDate: '2027-03-31' },
    activities: { type: 'call', notes: 'Discussed pricing', outcome: 'positive' },
    projects: { name: 'Acme onboarding', description: 'Roll out to 50 seats' },
    documents: { title: 'Proposal', content: 'Scope and pricing.', summary: 'Proposal for Acme' },
  };

  for (const [plural, sample] of Object.entries(samples)) {
    test(`${plural}: create, read, update, list and delete`, async () => {
      const created = await tenant.api.post(path(plural), { ...sample, custom: { tier: 'gold', score: 3 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal(created.body.workspaceId, tenant.workspaceId);
      assert.deepEqual(created.body.custom, { tier: 'gold', score: 3 });

      const fetched = await tenant.api.get(path(plural, `/${id}`));
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body, created.body, 'a created record reads back exactly as returned');

      const firstField = Object.keys(sample)[0]!;
      const patchValue = firstField === 'type' ? 'meeting' : `${sample[firstField]} (updated)`;
      const updated = await tenant.api.patch(path(plural, `/${id}`), { [firstField]: patchValue });
      assert.equal(updated.status, 200);
      assert.equal(updated.body[firstField], patchValue);
      assert.ok(updated.body.updatedAt >= created.body.updatedAt);

      const listed = await tenant.api.get(path(plural));
      assert.ok(listed.body.data.some((record: { id: string }) => record.id === id));

      assert.equal((await tenant.api.delete(path(plural, `/${id}`))).status, 204);
      const gone = await tenant.api.get(path(plural, `/${id}`));
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'RECORD_NOT_FOUND');
      assert.equal((await tenant.api.delete(path(plural, `/${id}`))).status, 404);
    });
  }

  test('every change emits entity.changed after it is stored', async () => {
    const events: EntityChangedEvent[] = [];
    const stop = server.events.on('entity.changed', (event) => {
      if (event.workspaceId === tenant.workspaceId) events.push(event);
    });
    const { body } = await tenant.api.post(path('contacts'), { name: 'Evented' });
    await tenant.api.patch(path('contacts', `/${body.id}`), { role: 'CEO' });
    await tenant.api.delete(path('contacts', `/${body.id}`));
    stop();
    assert.deepEqual(
      events.map((event) => [event.kind, event.entityType, event.entityId, event.workspaceId]),
      [
        ['created', 'contact', body.id, tenant.workspaceId],
        ['updated', 'contact', body.id, tenant.workspaceId],
        ['deleted', 'contact', body.id, tenant.workspaceId],
      ],
    );
    assert.equal(events[1]!.record?.role, 'CEO');
  });
});

describe('validation', () => {
  test('invalid bodies get 400 VALIDATION_FAILED naming the fields', async () => {
    const res = await tenant.api.post(path('contacts'), { name: '', email: 'not-an-email' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    const paths = res.body.error.details.issues.map((issue: { path: string }) => issue.path);
    assert.deepEqual(paths.sort(), ['/email', '/name']);
  });

  test('unknown fields are refused, not silently dropped', async () => {
    const res = await tenant.api.post(path('deals'), { name: 'X', amout: 5 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.match(res.body.error.message, /amout/);
  });

  test('malformed JSON gets 400 INVALID_JSON', async () => {
    const res = await tenant.api.request('POST', path('contacts'), '{"name": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_JSON');
  });

  test('an empty update is refused', async () => {
    const { body } = await tenant.api.post(path('contacts'), { name: 'Empty patch' });
    const res = await tenant.api.patch(path('contacts', `/${body.id}`), {});
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
  });

  test('bad list parameters are refused', async () => {
    for (const query of [{ limit: 0 }, { limit: 501 }, { sort: 'password' }, { nosuchfilter: 'x' }]) {
      const res = await tenant.api.get(path('contacts'), query);
      assert.equal(res.status, 400, JSON.stringify(query));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    }
    const res = await tenant.api.get(path('contacts'), { cursor: 'garbage' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_CURSOR');
  });

  test('links must point at records of the same workspace', async () => {
    const other = await server.newTenant();
    const { body: foreign } = await other.api.post(`/api/workspaces/${other.workspaceId}/contacts`, {
      name: 'Theirs',
    });
    const res = await tenant.api.post(path('deals'), { name: 'Sneaky', contactId: foreign.id });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'LINKED_RECORD_NOT_FOUND');

    const half = await tenant.api.post(path('activities'), { type: 'call', relatedId: 'x' });
    assert.equal(half.status, 400);
    assert.equal(half.body.error.code, 'VALIDATION_FAILED');
  });
});

describe('batch create', () => {
  test('1,000 records in one request', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({
      name: `Import ${i}`,
      email: `import${i}@example.com`,
    }));
    const res = await tenant.api.post(path('leads', '/batch'), { records });
    assert.equal(res.status, 201);
    assert.equal(res.body.created, 1000);
    const page = await tenant.api.get(path('leads'), { q: 'import', limit: 500 });
    assert.equal(page.body.data.length, 500);
    assert.ok(page.body.nextCursor);
  });

  test('one bad record writes nothing', async () => {
    const before = await server.crm.records.count(entityTypes.project, tenant.workspaceId);
    const records = Array.from({ length: 50 }, (_, i) => ({ name: `P${i}` }));
    records[37] = { name: '' };
    const res = await tenant.api.post(path('projects', '/batch'), { records });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.ok(
      res.body.error.details.issues.some((issue: { path: string }) => issue.path === '/records/37/name'),
    );
    const after = await server.crm.records.count(entityTypes.project, tenant.workspaceId);
    assert.equal(after, before);
  });

  test('a record failing a database check rolls the whole batch back', async () => {
    const { body: existing } = await tenant.api.post(path('projects'), { id: 'fixed-id', name: 'Taken' });
    const records = [
      { name: 'new one', id: 'fresh-1' },
      { name: 'clash', id: existing.id },
    ];
    const res = await tenant.api.post(path('projects', '/batch'), { records });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'RECORD_EXISTS');
    assert.equal((await tenant.api.get(path('projects', '/fresh-1'))).status, 404);

    const linked = await tenant.api.post(path('activities', '/batch'), {
      records: [
        { type: 'note', relatedType: 'project', relatedId: existing.id },
        { type: 'note', relatedType: 'project', relatedId: 'missing' },
      ],
    });
    assert.equal(linked.status, 400);
    assert.equal(linked.body.error.code, 'LINKED_RECORD_NOT_FOUND');
    const notes = await tenant.api.get(path('activities'), { relatedId: existing.id });
    assert.equal(notes.body.data.length, 0);
  });

  test('duplicate ids inside a batch are refused', async () => {
    const res = await tenant.api.post(path('contacts', '/batch'), {
      records: [
        { id: 'a', name: 'A' },
        { id: 'a', name: 'B' },
      ],
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'DUPLICATE_IDS');
  });
});

describe('lists', () => {
  test('pagination returns every record exactly once while records are inserted concurrently', async () => {
    const own = await server.newTenant();
    const contacts = `/api/workspaces/${own.workspaceId}/contacts`;
    const initial = Array.from({ length: 230 }, (_, i) => ({ name: `Existing ${i}` }));
    await own.api.post(`${contacts}/batch`, { records: initial });

    for (const sort of ['-createdAt', 'createdAt', 'name', '-updatedAt']) {
      const seen: string[] = [];
      let reading = true;
      let inserted = 0;
      // A writer keeps inserting, on its own connection, for as long as the reader pages.
      const writer = (async () => {
        while (reading) {
          const res = await own.api.post(`${contacts}/batch`, {
            records: [
              { name: `Concurrent ${sort} ${inserted++}` },
              { name: `Another ${sort} ${inserted++}` },
            ],
          });
          assert.equal(res.status, 201);
        }
      })();
      const reader = (async () => {
        let cursor: string | undefined;
        do {
          const page = await own.api.get(contacts, { limit: 17, sort, cursor });
          assert.equal(page.status, 200);
          for (const record of page.body.data) seen.push(record.name);
          cursor = page.body.nextCursor ?? undefined;
        } while (cursor);
        reading = false;
      })();
      await Promise.all([reader, writer]);
      assert.ok(inserted > 0, 'the writer ran while the reader paged');
      const existing = seen.filter((name) => name.startsWith('Existing '));
      assert.equal(existing.length, 230, `sort ${sort}: every existing record once`);
      assert.equal(new Set(seen).size, seen.length, `sort ${sort}: no record twice`);
    }
  });

  test('filters, ranges, text search and sort', async () => {
    const own = await server.newTenant();
    const deals = `/api/workspaces/${own.workspaceId}/deals`;
    await own.api.post(`${deals}/batch`, {
      records: [
        { name: 'Small', amount: 1000, stage: 'proposal' },
        { name: 'Medium', amount: 50000, stage: 'negotiation', company: 'Initech' },
        { name: 'Large', amount: 250000, stage: 'closed_won' },
      ],
    });
    const byStage = await own.api.get(deals, { stage: 'negotiation' });
    assert.deepEqual(
      byStage.body.data.map((d: { name: string }) => d.name),
      ['Medium'],
    );
    const won = await own.api.get(deals, { status: 'won' });
    assert.deepEqual(
      won.body.data.map((d: { name: string }) => d.name),
      ['Large'],
    );
    const range = await own.api.get(deals, { amountMin: 1000, amountMax: 50000, sort: 'amount' });
    assert.deepEqual(
      range.body.data.map((d: { name: string }) => d.name),
      ['Small', 'Medium'],
    );
    const text = await own.api.get(deals, { q: 'INITECH' });
    assert.deepEqual(
      text.body.data.map((d: { name: string }) => d.name),
      ['Medium'],
    );
    const sorted = await own.api.get(deals, { sort: '-amount' });
    assert.deepEqual(
      sorted.body.data.map((d: { name: string }) => d.name),
      ['Large', 'Medium', 'Small'],
    );
    const like = await own.api.get(deals, { q: '%' });
    assert.equal(like.body.data.length, 0, 'LIKE wildcards in q are matched literally');
  });
});

describe('record behaviour', () => {
  test('deals keep their stage history, status and close-date slips', async () => {
    const { body: deal } = await tenant.api.post(path('deals'), {
      name: 'Pipeline',
      expectedCloseDate: '2027-01-31',
    });
    assert.equal(deal.stage, 'prospecting');
    assert.equal(deal.status, 'open');
    await tenant.api.patch(path('deals', `/${deal.id}`), {
      stage: 'proposal',
      expectedCloseDate: '2027-02-28',
    });
    const { body: won } = await tenant.api.patch(path('deals', `/${deal.id}`), { stage: 'closed_won' });
    assert.deepEqual(
      won.stageHistory.map((change: { stage: string; from: string | null }) => [change.from, change.stage]),
      [
        [null, 'prospecting'],
        ['prospecting', 'proposal'],
        ['proposal', 'closed_won'],
      ],
    );
    assert.equal(won.status, 'won');
    assert.ok(won.closedAt);
    assert.equal(won.closeDateSlips, 1);
  });

  test('converting a lead stamps converted_at once', async () => {
    const { body: lead } = await tenant.api.post(path('leads'), { name: 'To convert' });
    assert.equal(lead.status, 'new');
    assert.equal(lead.convertedAt, null);
    const { body: converted } = await tenant.api.patch(path('leads', `/${lead.id}`), { status: 'converted' });
    assert.ok(converted.convertedAt);
    const { body: again } = await tenant.api.patch(path('leads', `/${lead.id}`), {
      notes: 'still converted',
    });
    assert.equal(again.convertedAt, converted.convertedAt);
  });

  test('timestamps are stored in one canonical form', async () => {
    const { body } = await tenant.api.post(path('activities'), {
      type: 'meeting',
      occurredAt: '2026-05-01T12:00:00+02:00',
    });
    assert.equal(body.occurredAt, '2026-05-01T10:00:00.000Z');
  });
});
