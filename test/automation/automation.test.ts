// Automation rules end to end over HTTP: a record change runs the rule's agent and its actions (a field, a
// follow-up task, a signed webhook), once per event; approvals; a failing webhook retried, logged, and the rule
// disabling itself; dry runs; schedules; rate limits; roles and bad rules.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AUTOMATION_QUEUE } from '../../src/automation/service.ts';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';

let server: TestApp;
let tenant: Tenant;
let receiver: Server;
let hookUrl: string;
let answerStatus = 200;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

const rules = () => `/api/automations/${tenant.workspaceId}/rules`;
const runs = (query = '') => `/api/automations/${tenant.workspaceId}/runs${query}`;
const leads = () => `/api/workspaces/${tenant.workspaceId}/leads`;

async function createRule(name: string, definition: Record<string, unknown>) {
  const created = await tenant.api.post(rules(), { name, definition });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { rule: { id: string }; webhookSecret: string };
}

const runsOf = async (ruleId: string): Promise<any[]> =>
  (await tenant.api.get(runs(`?ruleId=${ruleId}`))).body.runs;
const finished = (list: { status: string }[]) =>
  list.length > 0 &&
  list.every((run) => ['succeeded', 'failed', 'rejected', 'pending_approval'].includes(run.status));

const qualifyStep = { name: 'qualify', agent: 'leadQualification', input: { leadId: '{{record.id}}' } };

describe('automation rules', () => {
  before(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.statusCode = answerStatus;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm-hook`;
    ({ server, tenant } = await seededWorkspaces({
      size: 150,
      seed: 12,
      env: {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        AUTOMATION_RETRY_BACKOFF_MS: '10',
        AUTOMATION_TICK_MS: '3600000',
      },
    }));
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('a new website lead is qualified, scored and gets a follow-up task and a signed webhook', async () => {
    const { rule, webhookSecret } = await createRule('Website leads', {
      trigger: {
        kind: 'record',
        entityType: 'lead',
        on: ['created'],
        conditions: [{ field: 'source', op: 'eq', value: 'website' }],
      },
      steps: [qualifyStep],
      actions: [
        { type: 'update_record', fields: { 'custom.aiScore': '{{answers.qualify.qualityScore}}' } },
        {
          type: 'create_activity',
          activityType: 'task',
          subject: 'Follow up with {{record.name}} (score {{answers.qualify.qualityScore}})',
          when: [{ field: 'answers.qualify.qualityScore', op: 'gte', value: 0 }],
        },
        {
          type: 'create_activity',
          subject: 'never',
          when: [{ field: 'answers.qualify.qualityScore', op: 'gt', value: 100 }],
        },
        { type: 'webhook', url: hookUrl },
      ],
    });
    const ignored = (await tenant.api.post(leads(), { name: 'Cold One', source: 'cold_call' })).body;
    const lead = (
      await tenant.api.post(leads(), { name: 'Ada Lovelace', source: 'website', company: 'Analytical' })
    ).body;
    const run = (await eventually(() => runsOf(rule.id), finished))[0]!;
    assert.equal(run.status, 'succeeded', run.error);
    assert.equal(run.trigger.entityId, lead.id);
    assert.deepEqual(
      run.actions.map((a: { status: string }) => a.status),
      ['done', 'done', 'skipped', 'done'],
    );
    const score = run.answers.qualify.qualityScore;
    assert.equal(typeof score, 'number');

    const updated = (await tenant.api.get(`${leads()}/${lead.id}`)).body;
    assert.equal(updated.custom.aiScore, score, 'the score was written to the lead');
    const tasks = (
      await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/activities?relatedId=${lead.id}`)
    ).body.data;
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].type, 'task');
    assert.equal(tasks[0].subject, `Follow up with Ada Lovelace (score ${score})`);

    const delivery = received.find((entry) => JSON.parse(entry.body).run.id === run.id)!;
    assert.ok(delivery, 'the webhook arrived');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(delivery.headers['x-crm-ai-signature']))!;
    assert.equal(
      createHmac('sha256', webhookSecret).update(`${t}.${delivery.body}`).digest('hex'),
      v1,
      'signed',
    );
    assert.equal(delivery.headers['x-crm-ai-delivery'], `${run.id}:3`);
    assert.equal(JSON.parse(delivery.body).record.id, lead.id);
    const log = (await tenant.api.get(`/api/automations/${tenant.workspaceId}/deliveries`)).body.deliveries;
    assert.equal(log.find((entry: { runId: string }) => entry.runId === run.id).status, 'delivered');
    assert.equal(
      (await runsOf(rule.id)).filter(
        (r: { trigger: { entityId: string } }) => r.trigger.entityId === ignored.id,
      ).length,
      0,
    );

    // The same event again (a redelivered change, a retried job) acts once.
    await server.automation.onChange({
      kind: 'created',
      workspaceId: tenant.workspaceId,
      entityType: 'lead',
      entityId: lead.id,
      record: lead,
      changeToken: run.eventKey.replace(/^change:/, ''),
    });
    await server.automation.process({ id: run.id, name: 'run', data: { runId: run.id }, attemptsMade: 0 });
    await server.platform.queue.idle(AUTOMATION_QUEUE);
    const again = (
      await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/activities?relatedId=${lead.id}`)
    ).body.data;
    assert.equal(again.length, 1, 'no second task');
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('a rule that needs approval proposes; a member approves or rejects; a viewer cannot', async () => {
    const { rule } = await createRule('Qualify with approval', {
      trigger: {
        kind: 'record',
        entityType: 'lead',
        on: ['created'],
        conditions: [{ field: 'source', op: 'eq', value: 'referral' }],
      },
      steps: [qualifyStep],
      actions: [{ type: 'update_record', fields: { status: 'qualified' } }],
      requiresApproval: true,
    });
    const first = (await tenant.api.post(leads(), { name: 'Approve Me', source: 'referral' })).body;
    const second = (await tenant.api.post(leads(), { name: 'Reject Me', source: 'referral' })).body;
    const pending = await eventually(
      () => tenant.api.get(runs('?status=pending_approval')),
      (response) => response.body.runs.filter((r: { ruleId: string }) => r.ruleId === rule.id).length === 2,
    );
    const byLead = (id: string) =>
      pending.body.runs.find((r: { trigger: { entityId: string } }) => r.trigger.entityId === id);
    assert.equal(byLead(first.id).actions[0].detail.fields.status, 'qualified', 'the proposal');
    assert.equal((await tenant.api.get(`${leads()}/${first.id}`)).body.status, 'new', 'nothing done yet');

    const viewer = await server.newMember(tenant.workspaceId, 'viewer');
    assert.equal((await viewer.api.post(runs(`/${byLead(first.id).id}/approve`))).status, 403);
    const member = await server.newMember(tenant.workspaceId, 'member');
    const approved = await member.api.post(runs(`/${byLead(first.id).id}/approve`));
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.decidedBy, member.userId);
    await eventually(
      () => tenant.api.get(`${leads()}/${first.id}`),
      (response) => response.body.status === 'qualified',
    );
    const rejected = await member.api.post(runs(`/${byLead(second.id).id}/reject`));
    assert.equal(rejected.body.status, 'rejected');
    assert.equal(
      (await member.api.post(runs(`/${byLead(second.id).id}/approve`))).body.error.code,
      'RUN_NOT_PENDING',
    );
    assert.equal((await tenant.api.get(`${leads()}/${second.id}`)).body.status, 'new');
    const done = (await tenant.api.get(runs(`/${byLead(first.id).id}`))).body;
    assert.equal(done.status, 'succeeded');
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('a failing webhook is retried and logged; a rule that keeps failing disables itself', async () => {
    answerStatus = 500;
    try {
      const { rule } = await createRule('Broken hook', {
        trigger: {
          kind: 'record',
          entityType: 'lead',
          on: ['created'],
          conditions: [{ field: 'source', op: 'eq', value: 'event' }],
        },
        actions: [{ type: 'webhook', url: hookUrl }],
      });
      for (let i = 0; i < 5; i++) await tenant.api.post(leads(), { name: `Fail ${i}`, source: 'event' });
      const disabled = await eventually(
        () => tenant.api.get(`${rules()}/${rule.id}`),
        (response) => response.body.enabled === false,
        30_000,
      );
      assert.match(disabled.body.disabledReason, /5 failed runs in a row.*HTTP 500/);
      const failedRuns = await runsOf(rule.id);
      assert.equal(failedRuns.length, 5);
      assert.ok(failedRuns.every((r: { status: string }) => r.status === 'failed'));
      const log = (await tenant.api.get(`/api/automations/${tenant.workspaceId}/deliveries?limit=200`)).body
        .deliveries;
      const attempts = log.filter((entry: { runId: string }) => entry.runId === failedRuns[0].id);
      assert.equal(attempts.length, 5, 'five attempts, each logged');
      assert.deepEqual(
        attempts.map((entry: { attempt: number }) => entry.attempt).sort(),
        [1, 2, 3, 4, 5],
        'each attempt numbered',
      );
      assert.ok(attempts.every((entry: { responseStatus: number }) => entry.responseStatus === 500));
      // A disabled rule ignores new changes.
      await tenant.api.post(leads(), { name: 'After', source: 'event' });
      await server.platform.queue.idle(AUTOMATION_QUEUE);
      assert.equal((await runsOf(rule.id)).length, 5);
    } finally {
      answerStatus = 200;
    }
  });

  test('a dry run shows what a rule would do to its latest matching records, changing nothing', async () => {
    const { rule } = await createRule('Stale deals', {
      trigger: {
        kind: 'schedule',
        entityType: 'deal',
        everyMinutes: 60,
        conditions: [{ field: 'status', op: 'eq', value: 'open' }],
      },
      steps: [{ name: 'analyse', agent: 'dealAnalysis', input: { dealId: '{{record.id}}' } }],
      actions: [
        {
          type: 'create_activity',
          activityType: 'note',
          subject: 'Risk: {{answers.analyse.timeline.assessment}}',
        },
      ],
    });
    const dry = await tenant.api.post(`${rules()}/${rule.id}/dry-run`, { limit: 3 });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.records, 3);
    for (const result of dry.body.results) {
      assert.equal(result.actions[0].status, 'planned');
      assert.match(result.actions[0].detail.subject, /^Risk: (on track|at risk|overdue|closed)$/);
    }
    assert.equal((await runsOf(rule.id)).length, 0, 'no runs, no activities');

    // The schedule: one run per matching deal per window, however often it ticks.
    const started = await server.automation.tick();
    assert.ok(started > 0);
    assert.equal(await server.automation.tick(), 0, 'the same window again starts nothing');
    await server.platform.queue.idle(AUTOMATION_QUEUE, 60_000);
    const scheduled = await runsOf(rule.id);
    assert.equal(scheduled.length, started);
    assert.ok(scheduled.every((r: { eventKey: string }) => r.eventKey.startsWith('schedule:')));
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('a score trigger fires once when a record’s score crosses its threshold', async () => {
    // Scoring the workspace's open leads (the first read trains the scorer and scores them).
    const scored = await tenant.api.get(`/api/agents/${tenant.workspaceId}/scores/leads?limit=5`);
    assert.equal(scored.status, 200, JSON.stringify(scored.body));
    await eventually(
      () => tenant.api.get(`/api/agents/${tenant.workspaceId}/scores/leads?limit=5`),
      (response) => response.body.data.length > 0,
    );
    const { rule } = await createRule('Any scored lead', {
      trigger: { kind: 'score', entityType: 'lead', direction: 'above', threshold: 0 },
      actions: [{ type: 'update_record', fields: { 'custom.crossed': true } }],
    });
    const started = await server.automation.tick();
    assert.ok(started > 0, 'scored leads crossed 0');
    // Looking again fires nothing for those records (leads scored since then may cross now: once each).
    await server.automation.tick();
    await server.platform.queue.idle(AUTOMATION_QUEUE, 60_000);
    const fired = await runsOf(rule.id);
    assert.ok(fired.length >= started);
    const perRecord = new Map<string, number>();
    for (const run of fired)
      perRecord.set(run.trigger.entityId, (perRecord.get(run.trigger.entityId) ?? 0) + 1);
    assert.ok(
      [...perRecord.values()].every((count) => count === 1),
      'one run per record and crossing',
    );
    assert.ok(fired.every((r) => r.trigger.kind === 'score' && r.status === 'succeeded'));
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('over its rate a rule’s runs wait their turn instead of being dropped', async () => {
    const { rule } = await createRule('Slow rule', {
      trigger: {
        kind: 'record',
        entityType: 'lead',
        on: ['created'],
        conditions: [{ field: 'source', op: 'eq', value: 'partner' }],
      },
      actions: [{ type: 'update_record', fields: { 'custom.seen': true } }],
      maxRunsPerMinute: 2,
    });
    // Created together, so that their runs compete to start: the rate must hold under concurrency too.
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        tenant.api.post(leads(), { name: `Partner ${i}`, source: 'partner' }),
      ),
    );
    const list = await eventually(
      () => runsOf(rule.id),
      (all) =>
        all.length === 4 && all.filter((r: { status: string }) => r.status === 'succeeded').length === 2,
    );
    assert.equal(
      list.filter((r: { status: string }) => r.status === 'queued').length,
      2,
      'two wait, none dropped',
    );
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('changes a rule makes do not trigger rules: a rule that updates what it watches runs once', async () => {
    const { rule } = await createRule('Touches itself', {
      trigger: {
        kind: 'record',
        entityType: 'lead',
        on: ['created', 'updated'],
        conditions: [{ field: 'source', op: 'eq', value: 'loop' }],
      },
      actions: [{ type: 'update_record', fields: { 'custom.touched': '{{trigger.entityId}}' } }],
    });
    const lead = (await tenant.api.post(leads(), { name: 'Loop', source: 'loop' })).body;
    await eventually(() => runsOf(rule.id), finished);
    await server.platform.queue.idle(AUTOMATION_QUEUE);
    const all = await runsOf(rule.id);
    assert.equal(all.length, 1, 'one run, not a loop');
    assert.equal((await tenant.api.get(`${leads()}/${lead.id}`)).body.custom.touched, lead.id);
    // A person's change still triggers it.
    await tenant.api.patch(`${leads()}/${lead.id}`, { name: 'Loop 2' });
    await eventually(
      () => runsOf(rule.id),
      (list) => list.length === 2 && finished(list),
    );
    await tenant.api.patch(`${rules()}/${rule.id}`, { enabled: false });
  });

  test('bad rules are refused naming the field; internal webhook addresses are refused; viewers cannot write', async () => {
    const bad = await tenant.api.post(rules(), {
      name: 'Bad',
      definition: { trigger: { kind: 'record', entityType: 'lead' }, steps: [{ name: 'x', agent: 'nope' }] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /steps\.0\.agent/);
    const internal = await tenant.api.post(rules(), {
      name: 'Metadata',
      definition: {
        trigger: { kind: 'record', entityType: 'lead' },
        actions: [{ type: 'webhook', url: 'http://169.254.169.254/x' }],
      },
    });
    assert.equal(internal.status, 400);
    assert.equal(internal.body.error.code, 'WEBHOOK_ADDRESS_REFUSED');
    const viewer = await server.newMember(tenant.workspaceId, 'viewer');
    assert.equal(
      (
        await viewer.api.post(rules(), {
          name: 'x',
          definition: { trigger: { kind: 'record', entityType: 'lead' } },
        })
      ).status,
      403,
    );
    assert.equal((await viewer.api.get(rules())).status, 200);
    const other = await server.newTenant();
    assert.equal((await other.api.get(rules())).status, 404);
  });
});

describe('automation on the shared queue (BullMQ on Redis)', () => {
  test('a rule runs through BullMQ, and approval queues a second turn of the same run', async () => {
    const { testRedisUrl, uniqueNamespace } = await import('../support/redis.ts');
    const shared = await seededWorkspaces({
      size: 60,
      seed: 4,
      env: { REDIS_URL: testRedisUrl, CACHE_NAMESPACE: uniqueNamespace(), JOB_QUEUE: 'redis' },
    });
    try {
      const owner = shared.tenant;
      const created = await owner.api.post(`/api/automations/${owner.workspaceId}/rules`, {
        name: 'Shared',
        definition: {
          trigger: {
            kind: 'record',
            entityType: 'lead',
            conditions: [{ field: 'source', op: 'eq', value: 'web' }],
          },
          actions: [{ type: 'update_record', fields: { status: 'contacted' } }],
          requiresApproval: true,
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const lead = (
        await owner.api.post(`/api/workspaces/${owner.workspaceId}/leads`, { name: 'Q', source: 'web' })
      ).body;
      const pending = await eventually(
        () => owner.api.get(`/api/automations/${owner.workspaceId}/runs?status=pending_approval`),
        (response) => response.body.runs.length === 1,
      );
      await owner.api.post(`/api/automations/${owner.workspaceId}/runs/${pending.body.runs[0].id}/approve`);
      await eventually(
        () => owner.api.get(`/api/workspaces/${owner.workspaceId}/leads/${lead.id}`),
        (response) => response.body.status === 'contacted',
      );
    } finally {
      await shared.server.close();
    }
  });
});
