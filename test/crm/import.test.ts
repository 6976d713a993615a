import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;

before(async () => {
  server = await startTestApp();
  tenant = await server.newTenant();
});
after(() => server.close({ drop: true }));

/** Uploads a CSV body as a client would (curl --data-binary @file -H 'content-type: text/csv'). */
async function upload(type: string, csv: string, query = '', token = tenant.token, contentType = 'text/csv') {
  const response = await fetch(
    `${server.baseUrl}/api/workspaces/${tenant.workspaceId}/import/${type}${query}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: csv,
    },
  );
  return { status: response.status, body: (await response.json()) as any };
}

const leadsCsv = [
  'Full Name,E-mail,Lead Source,Status,Age,VIP,Plan',
  'Ada Lovelace,ada@example.com,web,converted,36,true,enterprise',
  'Bob Stone,not-an-email,event,new,41,false,starter',
  ',nobody@example.com,web,new,3,true,starter',
  '"Chen, Li",chen@example.com,referral,new,,false,"starter"',
].join('\n');

describe('CSV import', () => {
  test('maps headers to fields, keeps the rest as typed custom fields and reports bad lines', async () => {
    const res = await upload('leads', leadsCsv);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.mapping, {
      name: 'Full Name',
      email: 'E-mail',
      source: 'Lead Source',
      status: 'Status',
    });
    assert.deepEqual(res.body.custom, { Age: 'number', VIP: 'boolean', Plan: 'text' });
    assert.equal(res.body.rows, 4);
    assert.equal(res.body.imported, 2);
    assert.deepEqual(
      res.body.errors.map((error: { line: number }) => error.line),
      [3, 4],
    );
    assert.match(res.body.errors[0].message, /^email: /);
    const list = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/leads?source=referral`);
    assert.equal(list.body.data[0].name, 'Chen, Li');
    assert.deepEqual(list.body.data[0].custom, { VIP: false, Plan: 'starter' });
    const ada = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/leads?email=ada@example.com`);
    assert.deepEqual(ada.body.data[0].custom, { Age: 36, VIP: true, Plan: 'enterprise' });
  });

  test('a dry run validates and writes nothing; explicit mappings override headers', async () => {
    const before = (await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/contacts`)).body.data.length;
    const res = await upload(
      'contacts',
      'Who,Mail\nGrace Hopper,grace@example.com\n',
      '?dryRun=true&map=name=Who',
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.dryRun, true);
    assert.equal(res.body.imported, 1);
    assert.deepEqual(res.body.mapping, { name: 'Who', email: 'Mail' });
    const after = (await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/contacts`)).body.data.length;
    assert.equal(after, before);
  });

  test('bad mappings, empty files and other content types are clear 4xx', async () => {
    const badField = await upload('contacts', 'Name\nA\n', '?map=nope=Name');
    assert.equal(badField.status, 400);
    assert.equal(badField.body.error.code, 'IMPORT_INVALID');
    const badColumn = await upload('contacts', 'Name\nA\n', '?map=name=Missing');
    assert.equal(badColumn.body.error.code, 'IMPORT_INVALID');
    const empty = await upload('contacts', '');
    assert.equal(empty.status, 400);
    const json = await upload('contacts', '{"name":"x"}', '', tenant.token, 'application/json');
    assert.equal(json.status, 400);
    assert.equal((await upload('nothings', 'Name\nA\n')).status, 400);
  });

  test('history needs an admin; an admin import keeps created and closed dates and stage history', async () => {
    const member = await server.newMember(tenant.workspaceId, 'member');
    const dealsCsv = [
      'Deal Name,Amount,Stage,Created,Closed Date,stageHistory',
      `Big renewal,"12,500",closed_won,2024-03-01T10:00:00Z,2024-05-20T09:00:00Z,"${JSON.stringify([
        { stage: 'prospecting', from: null, at: '2024-03-01T10:00:00Z' },
        { stage: 'closed_won', from: 'prospecting', at: '2024-05-20T09:00:00Z' },
      ]).replaceAll('"', '""')}"`,
    ].join('\n');
    const refused = await upload('deals', dealsCsv, '', member.token);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'HISTORY_NEEDS_ADMIN');
    const res = await upload('deals', dealsCsv);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.imported, 1, JSON.stringify(res.body.errors));
    const deal = (await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/deals?stage=closed_won`)).body
      .data[0];
    assert.equal(deal.amount, 12500);
    assert.equal(deal.status, 'won');
    assert.equal(deal.createdAt, '2024-03-01T10:00:00.000Z');
    assert.equal(deal.closedAt, '2024-05-20T09:00:00.000Z');
    assert.equal(deal.stageHistory.length, 2);
  });

  test('thousands of rows stream in batches; one bad row does not stop the rest', async () => {
    const lines = ['name,email,score'];
    for (let i = 0; i < 6000; i++)
      lines.push(i === 4321 ? `Bad ${i},broken,${i}` : `Person ${i},p${i}@example.com,${i}`);
    const res = await upload('contacts', lines.join('\n'));
    assert.equal(res.status, 200);
    assert.equal(res.body.rows, 6000);
    assert.equal(res.body.imported, 5999);
    assert.deepEqual(res.body.errors, [{ line: 4323, message: 'email: Invalid email address' }]);
    assert.equal(res.body.custom.score, 'number');
  });

  test('with Accept: text/event-stream the import streams progress events and ends with its report', async () => {
    const lines = ['name,email'];
    for (let i = 0; i < 1200; i++) lines.push(`Streamed ${i},s${i}@example.com`);
    const response = await fetch(`${server.baseUrl}/api/workspaces/${tenant.workspaceId}/import/contacts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tenant.token}`,
        'content-type': 'text/csv',
        accept: 'text/event-stream',
      },
      body: lines.join('\n'),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!),
      }));
    const progress = events.filter((event) => event.event === 'progress');
    assert.ok(progress.length >= 2, `${progress.length} progress events`);
    assert.ok(progress.at(-1)!.data.imported >= progress[0]!.data.imported);
    assert.equal(events.at(-1)!.event, 'report');
    assert.equal(events.at(-1)!.data.imported, 1200);
    // A bad mapping arrives as an error event in the API's error shape.
    const bad = await fetch(
      `${server.baseUrl}/api/workspaces/${tenant.workspaceId}/import/contacts?map=nope=x`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.token}`,
          'content-type': 'text/csv',
          accept: 'text/event-stream',
        },
        body: 'name\nA\n',
      },
    );
    assert.match(await bad.text(), /event: error\ndata: \{"error":\{"code":"IMPORT_INVALID"/);
  });
});
