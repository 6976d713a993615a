// Input that used to reach the engines and come back as 500s: each gets a 4xx with a stable code, on
// SQLite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Tenant, type TestApp, twoWorkspaces } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;

before(async () => {
  const setup = await twoWorkspaces();
  server = setup.server;
  tenant = setup.alice;
});
after(() => server.close());

/** A JSON body sent as raw text, so escapes such as \ud800 reach the server exactly as written. */
function rawPost(path: string, json: string) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
    body: json,
  });
}

async function errorCode(response: Response): Promise<[number, string]> {
  const body = (await response.json()) as { error: { code: string } };
  return [response.status, body.error.code];
}

describe('hostile input', () => {
  test('an unknown entity type in similar-record search is a 400, not a 500', async () => {
    const contact = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts`, { name: 'Ana' });
    const response = await tenant.api.get(
      `/api/vector/${tenant.workspaceId}/similar/contact/${contact.body.id}?entityTypes=bogus`,
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'VALIDATION_FAILED');
    const listed = await tenant.api.get(
      `/api/vector/${tenant.workspaceId}/similar/contact/${contact.body.id}?entityTypes=lead,deal`,
    );
    assert.equal(listed.status, 200, 'a comma-separated list of known types still works');
  });

  test('JSON nested thousands of levels deep is refused at the boundary (agents and workflows)', async () => {
    const deep = `${'{"a":'.repeat(7000)}1${'}'.repeat(7000)}`;
    const execute = await rawPost(
      `/api/agents/${tenant.workspaceId}/execute`,
      `{"agent":"summary","input":${deep}}`,
    );
    assert.deepEqual(await errorCode(execute), [400, 'BODY_TOO_DEEP']);
    const workflow = await rawPost(
      `/api/agents/${tenant.workspaceId}/workflow`,
      `{"workflow":[{"name":"a","agent":"summary","input":${deep}}]}`,
    );
    assert.deepEqual(await errorCode(workflow), [400, 'BODY_TOO_DEEP']);
  });

  test('a NUL character anywhere in text is INVALID_TEXT on every engine, and nothing is written', async () => {
    const ws = tenant.workspaceId;
    const cases: [string, string][] = [
      [`/api/workspaces/${ws}/contacts`, '{"name":"a\\u0000b"}'],
      [`/api/workspaces/${ws}/contacts`, '{"name":"ok","custom":{"note":"x\\u0000"}}'],
      [`/api/workspaces/${ws}/deals`, '{"name":"Deal\\u0000"}'],
      [`/api/workspaces/${ws}/contacts`, '{"name":"ok","custom":{"k\\u0000ey":1}}'],
      [`/api/agents/${ws}/summarize`, '{"text":"hello\\u0000"}'],
      [`/api/agents/${ws}/execute`, '{"agent":"summary","input":{"text":"x\\u0000"}}'],
      [
        `/api/ai/fine-tuning/${ws}/datasets`,
        '{"name":"d\\u0000","type":"completion","trainingData":{"source":"upload","jsonl":"{}"}}',
      ],
      [
        `/api/ai/fine-tuning/${ws}/jobs`,
        '{"name":"job\\u0000","baseModel":"llama-3.1-8b","method":"lora","trainingData":{"source":"workspace","filters":{}}}',
      ],
    ];
    for (const [path, json] of cases) {
      assert.deepEqual(await errorCode(await rawPost(path, json)), [400, 'INVALID_TEXT'], `${path} ${json}`);
    }
    const contacts = await tenant.api.get(`/api/workspaces/${ws}/contacts`);
    assert.ok(contacts.body.data.every((contact: { name: string }) => !contact.name.includes('\u0000')));
  });

  test('an unpaired surrogate is INVALID_TEXT; a paired one (an emoji) is stored as sent', async () => {
    const ws = tenant.workspaceId;
    const lone = await rawPost(`/api/agents/${ws}/summarize`, '{"text":"a\\ud800b"}');
    assert.deepEqual(await errorCode(lone), [400, 'INVALID_TEXT']);
    const emoji = await rawPost(`/api/workspaces/${ws}/contacts`, '{"name":"Zoë \\ud83d\\ude80"}');
    assert.equal(emoji.status, 201);
    assert.equal(((await emoji.json()) as { name: string }).name, 'Zoë 🚀');
  });

  test('NUL in a query string or a path is a 400, with or without a valid token', async () => {
    const list = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/contacts?q=%00`);
    assert.equal(list.status, 400);
    assert.equal(list.body.error.code, 'INVALID_TEXT');
    const path = await server.as('crm_invalid').get('/api/workspaces/%00/contacts');
    assert.equal(path.status, 400);
    assert.equal(path.body.error.code, 'INVALID_TEXT');
  });

  test('a dataset upload of more than 100,000 lines is refused with 413, nothing stored', async () => {
    const response = await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets`, {
      name: 'Too many lines',
      type: 'completion',
      trainingData: { source: 'upload', jsonl: '{}\n'.repeat(100_001) },
    });
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'PAYLOAD_TOO_LARGE');
    const datasets = await tenant.api.get(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets`);
    assert.ok(!JSON.stringify(datasets.body).includes('Too many lines'));
  });

  test('an embedding request over 1 MiB is refused with 413 before any work', async () => {
    const texts = Array.from({ length: 256 }, () => 'x'.repeat(20_000));
    const response = await tenant.api.post('/api/vector/embedding', { texts });
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'PAYLOAD_TOO_LARGE');
  });

  // Found by schemathesis (npm run test:fuzz); kept here as regressions.
  test('fuzz finding: an id longer than the router allowed got a 414 in Fastify’s own body; now a 400', async () => {
    const response = await tenant.api.get(
      `/api/workspaces/${tenant.workspaceId}/contacts/${'0'.repeat(150)}`,
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'VALIDATION_FAILED');
  });

  test('fuzz finding: an email whose local part passes 64 characters is refused, not stored unreadable', async () => {
    const response = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/contacts`, {
      name: 'Long local part',
      email: `${'a'.repeat(65)}@example.com`,
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'VALIDATION_FAILED');
  });

  test('fuzz finding: a null document type broke the required column (500); it means plain text', async () => {
    const ws = tenant.workspaceId;
    const created = await tenant.api.post(`/api/workspaces/${ws}/documents`, {
      title: 'Untyped',
      content: 'x',
      mimeType: null,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.mimeType, 'text/plain');
    const patched = await tenant.api.patch(`/api/workspaces/${ws}/documents/${created.body.id}`, {
      mimeType: null,
      title: '0',
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.mimeType, 'text/plain');
  });

  test('fuzz finding (PostgreSQL): a year-0000 date became 1 BC and made the record unreadable; now refused', async () => {
    const ws = tenant.workspaceId;
    for (const convertedAt of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+14:00']) {
      const response = await tenant.api.post(`/api/workspaces/${ws}/leads`, { name: 'Old', convertedAt });
      assert.equal(response.status, 400, convertedAt);
      assert.equal(response.body.error.code, 'VALIDATION_FAILED');
    }
    const range = await tenant.api.get(`/api/workspaces/${ws}/leads?convertedAtMin=0000-01-01T00:00:00Z`);
    assert.equal(range.status, 400);
    const fine = await tenant.api.post(`/api/workspaces/${ws}/leads`, {
      name: 'Recent',
      convertedAt: '2024-03-01T09:30:00+02:00',
    });
    assert.equal(fine.status, 201);
    assert.equal((await tenant.api.get(`/api/workspaces/${ws}/leads/${fine.body.id}`)).status, 200);
  });

  test('fuzz finding (PostgreSQL): a time zone offset past ±14:00 reached the database (500); now a 400', async () => {
    const ws = tenant.workspaceId;
    const history = await tenant.api.get(
      `/api/agents/${ws}/history?until=${encodeURIComponent('9367-01-24T11:49:01.433112-18:05')}`,
    );
    assert.equal(history.status, 400);
    assert.equal(history.body.error.code, 'VALIDATION_FAILED');
    const lead = await tenant.api.post(`/api/workspaces/${ws}/leads`, {
      name: 'Far east',
      convertedAt: '2024-01-01T00:00:00+15:30',
    });
    assert.equal(lead.status, 400);
    const kiribati = await tenant.api.post(`/api/workspaces/${ws}/leads`, {
      name: 'Line Islands',
      convertedAt: '2024-01-01T00:00:00+14:00',
    });
    assert.equal(kiribati.status, 201, 'the widest offset in use is accepted');
  });

  test('fuzz finding: a URL over 16 KB got Node’s 431 in Fastify’s body; now our error body with a code', async () => {
    const response = await tenant.api.get(
      `/api/workspaces/${tenant.workspaceId}/leads?cursor=${'x'.repeat(20_000)}`,
    );
    assert.equal(response.status, 431);
    assert.equal(response.body.error.code, 'HEADERS_TOO_LARGE');
  });
});
