// The MCP server end to end with the official MCP client from the same SDK, over Streamable HTTP: tool
// listing, each tool's happy path, records as resources, bad arguments, another workspace's ids, a viewer's
// write, and no token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;
let other: Tenant;
const clients: Client[] = [];

async function connect(token?: string) {
  const client = new Client({ name: 'crm-ai-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** A tool call with a deadline: a hang fails the test with the tool's name instead of stalling the suite. */
const call = (client: Client, name: string, args: Record<string, unknown>) =>
  client.callTool({ name, arguments: args }, undefined, { timeout: 20_000 });

type ToolResult = { isError?: boolean; content: { type: string; text: string }[] };
const text = (result: unknown) => (result as ToolResult).content[0]!.text;
const json = (result: unknown) => {
  assert.ok(!(result as ToolResult).isError, text(result));
  return JSON.parse(text(result));
};

describe('MCP server', () => {
  let client: Client;
  before(async () => {
    ({ server, tenant, other } = await seededWorkspaces({ size: 120, seed: 8 }));
    await server.vector.indexer.idle();
    client = await connect(tenant.token);
  });
  after(async () => {
    for (const each of clients) await each.close();
    await server.close();
  });

  test('without a token the connection is refused', async () => {
    await assert.rejects(connect(), /401|Unauthorized|missing or invalid bearer token/i);
    await assert.rejects(connect('crm_not-a-token'), /401|Unauthorized|invalid/i);
  });

  test('lists the tools with schemas from the API’s own, and records as a resource template', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of [
      'list_workspaces',
      'semantic_search',
      'hybrid_search',
      'similar_records',
      'get_record',
      'list_records',
      'create_lead',
      'update_deal',
      'run_agent',
      'run_workflow',
      'agent_history',
      'list_automation_runs',
    ])
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    const hybrid = tools.find((tool) => tool.name === 'hybrid_search')!;
    assert.deepEqual(hybrid.inputSchema.required?.sort(), ['query', 'workspaceId']);
    const createLead = tools.find((tool) => tool.name === 'create_lead')!;
    assert.ok('email' in (createLead.inputSchema.properties ?? {}), 'the lead fields');
    assert.equal(createLead.annotations?.readOnlyHint, false);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.equal(resourceTemplates[0]!.uriTemplate, 'crm://{workspaceId}/{entityType}/{id}');
  });

  test('search, similar, get and list records, in the token’s workspace', async () => {
    const workspaces = json(await call(client, 'list_workspaces', {}));
    assert.ok(
      workspaces.data.some((w: { id: string }) => w.id === tenant.workspaceId),
      'own workspace',
    );
    const hits = json(
      await call(client, 'hybrid_search', {
        workspaceId: tenant.workspaceId,
        query: 'data migration',
        topK: 5,
      }),
    ).results;
    assert.ok(hits.length > 0, 'hybrid hits');
    const semantic = json(
      await call(client, 'semantic_search', {
        workspaceId: tenant.slug,
        query: 'data migration',
        entityTypes: ['deal'],
      }),
    ).results;
    assert.ok(
      semantic.length > 0 && semantic.every((hit: { entityType: string }) => hit.entityType === 'deal'),
      'deals only',
    );
    const first = hits[0];
    const similar = json(
      await call(client, 'similar_records', {
        workspaceId: tenant.workspaceId,
        entityType: first.entityType,
        id: first.entityId,
        topK: 3,
      }),
    ).results;
    assert.ok(
      similar.length > 0 && similar.every((hit: { entityId: string }) => hit.entityId !== first.entityId),
      'others like it',
    );
    const anyLead = json(
      await call(client, 'list_records', { workspaceId: tenant.workspaceId, entityType: 'lead', limit: 1 }),
    ).data[0];
    const leads = json(
      await call(client, 'list_records', {
        workspaceId: tenant.workspaceId,
        entityType: 'lead',
        filters: { status: anyLead.status },
        limit: 3,
      }),
    ).data;
    assert.ok(
      leads.length > 0 && leads.every((lead: { status: string }) => lead.status === anyLead.status),
      'filtered by status',
    );
    const lead = json(
      await call(client, 'get_record', {
        workspaceId: tenant.workspaceId,
        entityType: 'lead',
        id: leads[0].id,
      }),
    );
    assert.equal(lead.id, leads[0].id);
    const resource = await client.readResource({ uri: `crm://${tenant.workspaceId}/lead/${lead.id}` });
    assert.equal(JSON.parse(String((resource.contents[0] as { text: string }).text)).id, lead.id);
  });

  test('create and update records; agents and workflows run and land in the history', async () => {
    const created = json(
      await call(client, 'create_lead', {
        workspaceId: tenant.workspaceId,
        name: 'Ada Lovelace',
        email: 'ada@analytical.example',
        company: 'Analytical Engines',
        source: 'website',
      }),
    );
    assert.equal(created.status, 'new');
    const updated = json(
      await call(client, 'update_lead', {
        workspaceId: tenant.workspaceId,
        id: created.id,
        status: 'contacted',
      }),
    );
    assert.equal(updated.status, 'contacted');
    const answer = json(
      await call(client, 'run_agent', {
        workspaceId: tenant.workspaceId,
        agent: 'leadQualification',
        input: { leadId: created.id },
      }),
    );
    assert.equal(answer.agent, 'leadQualification');
    const workflow = json(
      await call(client, 'run_workflow', {
        workspaceId: tenant.workspaceId,
        workflow: [{ name: 'qualify', agent: 'leadQualification', input: { leadId: created.id } }],
      }),
    );
    assert.equal(workflow.status, 'succeeded');
    const history = json(await call(client, 'agent_history', { workspaceId: tenant.workspaceId, limit: 5 }));
    assert.ok(
      history.data.some((run: { id: string }) => run.id === answer.taskId),
      'the agent run is in the history',
    );
    const automation = json(
      await call(client, 'list_automation_runs', {
        workspaceId: tenant.workspaceId,
        status: 'pending_approval',
      }),
    );
    assert.deepEqual(automation.runs, []);
  });

  test('bad arguments, another workspace’s ids and a viewer’s write are refused with a clear error', async () => {
    const missing = await call(client, 'hybrid_search', { workspaceId: tenant.workspaceId }).catch(
      (error: Error) => ({ isError: true, content: [{ type: 'text', text: error.message }] }),
    );
    assert.equal((missing as ToolResult).isError, true);
    assert.match(text(missing), /query/);

    const badEmail = await call(client, 'create_lead', {
      workspaceId: tenant.workspaceId,
      name: 'X',
      email: 'not-an-email',
    });
    assert.equal((badEmail as ToolResult).isError, true);
    assert.match(text(badEmail), /email/i);

    const theirs = (await other.api.post(`/api/workspaces/${other.workspaceId}/leads`, { name: 'Theirs' }))
      .body;
    const crossed = await call(client, 'get_record', {
      workspaceId: tenant.workspaceId,
      entityType: 'lead',
      id: theirs.id,
    });
    assert.equal((crossed as ToolResult).isError, true);
    assert.match(text(crossed), /NOT_FOUND/);
    const foreignWorkspace = await call(client, 'list_records', {
      workspaceId: other.workspaceId,
      entityType: 'lead',
    });
    assert.equal((foreignWorkspace as ToolResult).isError, true);
    assert.match(text(foreignWorkspace), /NOT_FOUND/);

    const viewer = await server.newMember(tenant.workspaceId, 'viewer');
    const readOnly = await connect(viewer.token);
    const refused = await call(readOnly, 'create_contact', {
      workspaceId: tenant.workspaceId,
      name: 'Grace Hopper',
    });
    assert.equal((refused as ToolResult).isError, true);
    assert.match(text(refused), /FORBIDDEN/);
  });
});
