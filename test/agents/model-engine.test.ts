// The model engine against a local server that follows the OpenAI chat completions contract.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { type ChatServer, echoFindings, startChatServer } from '../support/chat-server.ts';

let chat: ChatServer;
let server: TestApp;
let tenant: Tenant;
const leads: string[] = [];

before(async () => {
  chat = await startChatServer({ apiKey: 'sk-test' });
  server = await startTestApp({
    AGENT_MODEL: 'test-chat-1',
    AGENT_MODEL_BASE_URL: `${chat.url}/v1`,
    AGENT_MODEL_API_KEY: 'sk-test',
    AGENT_MODEL_COST_PER_1M_INPUT: '2',
    AGENT_MODEL_COST_PER_1M_OUTPUT: '6',
  });
  tenant = await server.newTenant();
  const created = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/leads/batch`, {
    records: Array.from({ length: 8 }, (_, i) => ({
      name: `Lead ${i}`,
      company: `Company ${i}`,
      role: i % 2 ? 'VP of Sales' : 'Analyst',
      source: 'referral',
      requirements: 'Needs a CRM integration with single sign-on.',
    })),
  });
  leads.push(...created.body.ids);
});
after(async () => {
  await server.close();
  await chat.close();
});

const qualify = (leadId: string) =>
  tenant.api.post(`/api/agents/${tenant.workspaceId}/qualify-lead/${leadId}`, {});

describe('model engine', () => {
  test('asks for JSON matching the agent’s schema and returns the model’s validated answer with tokens', async () => {
    chat.answerWith(echoFindings);
    const before = chat.completions.length;
    const res = await qualify(leads[0]!);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.engine, 'test-chat-1');
    assert.ok(res.body.tokens.prompt > 0 && res.body.tokens.completion > 0);
    const request = chat.completions[before]!;
    assert.equal(request.model, 'test-chat-1');
    assert.equal(request.response_format?.type, 'json_schema');
    assert.equal(request.response_format?.json_schema?.name, 'leadQualification');
    assert.match(request.messages[1]!.content, /"findings"/);
    const history = await tenant.api.get(`/api/agents/${tenant.workspaceId}/history?limit=1`);
    const run = history.body.data[0];
    assert.equal(run.engine, 'test-chat-1');
    assert.equal(run.promptTokens, res.body.tokens.prompt);
    const expectedCost = (res.body.tokens.prompt * 2 + res.body.tokens.completion * 6) / 1e6;
    assert.ok(Math.abs(run.costUsd - expectedCost) < 1e-6);
  });

  test('a repeated call is served from the cache, not the model', async () => {
    chat.answerWith(echoFindings);
    await qualify(leads[1]!);
    const calls = chat.completions.length;
    const again = await qualify(leads[1]!);
    assert.equal(again.body.engine, 'test-chat-1');
    assert.equal(chat.completions.length, calls, 'no second model call');
  });

  test('malformed JSON gets one repair round with the validation error', async () => {
    chat.answerWith((body) =>
      body.messages.length === 2 ? 'Sure! {"qualityScore": "high"' : echoFindings(body),
    );
    const before = chat.completions.length;
    const res = await qualify(leads[2]!);
    assert.equal(res.body.engine, 'test-chat-1');
    assert.equal(chat.completions.length - before, 2);
    const repair = chat.completions.at(-1)!;
    assert.equal(repair.messages.length, 4);
    assert.match(repair.messages[3]!.content, /not valid: not JSON/);

    chat.answerWith(() => JSON.stringify({ qualityScore: 'high' }));
    const twice = await qualify(leads[3]!);
    assert.equal(twice.body.engine, 'analytic', 'two invalid answers: the analytic answer stands');
    assert.match(twice.body.warnings[0], /failed validation twice/);
    assert.equal(typeof twice.body.qualityScore, 'number');
  });

  test('429 is retried (Retry-After), and persistent 500s fall back to the analytic answer', async () => {
    chat.answerWith(echoFindings);
    chat.failNext({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { message: 'Rate limit reached', type: 'requests' } },
    });
    const retried = await qualify(leads[4]!);
    assert.equal(retried.body.engine, 'test-chat-1');

    chat.failNext(
      ...Array.from({ length: 4 }, () => ({
        status: 500,
        body: { error: { message: 'boom', type: 'server_error' } },
      })),
    );
    const fallback = await qualify(leads[5]!);
    assert.equal(fallback.status, 200);
    assert.equal(fallback.body.engine, 'analytic');
    assert.match(fallback.body.warnings[0], /model endpoint failed/);
  });

  test('a workflow step that outlives its timeout fails with AGENT_TIMEOUT', async () => {
    chat.answerWith(echoFindings);
    chat.failNext({ status: 200, delayMs: 2000, body: {} });
    const res = await tenant.api.post(`/api/agents/${tenant.workspaceId}/workflow`, {
      workflow: [{ name: 'slow', agent: 'leadQualification', input: { leadId: leads[6] }, timeoutMs: 200 }],
    });
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.steps[0].error.code, 'AGENT_TIMEOUT');
  });
});
