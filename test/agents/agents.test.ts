import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { displayValue } from '../../src/agents/learning/scorer.ts';
import { ScorerStore } from '../../src/agents/learning/scorer-store.ts';
import { ScoringModels } from '../../src/agents/learning/scoring-models.ts';
import { agents } from '../../src/agents/orchestrator.ts';
import { wordsOf } from '../../src/ai/scoring/binning.ts';
import { entityTypes, type RecordRow } from '../../src/crm/records/entity-types.ts';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';
import { recordValueOf } from '../support/record-values.ts';

let server: TestApp;
let tenant: Tenant;
let other: Tenant;
const ids: {
  lead: string;
  decidedLead: string;
  deal: string;
  deal2: string;
  contact: string;
  company: string;
} = {
  lead: '',
  decidedLead: '',
  deal: '',
  deal2: '',
  contact: '',
  company: '',
};

before(async () => {
  ({ server, tenant, other } = await seededWorkspaces({ size: 3000, seed: 11 }));
  await server.vector.service.rebuild(tenant.workspaceId);
  const base = `/api/workspaces/${tenant.workspaceId}`;
  const leads = (await tenant.api.get(`${base}/leads?status=new&limit=1`)).body.data;
  ids.lead = leads[0].id;
  ids.decidedLead = (await tenant.api.get(`${base}/leads?status=converted&limit=1`)).body.data[0].id;
  const deals = (await tenant.api.get(`${base}/deals?status=open&limit=2`)).body.data;
  ids.deal = deals[0].id;
  ids.deal2 = deals[1].id;
  ids.contact = deals[0].contactId;
  ids.company = deals[0].company;
});
after(() => server.close());

const agentsUrl = (path: string, workspaceId = tenant.workspaceId) => `/api/agents/${workspaceId}/${path}`;

/** Every evidence id names a record of this workspace. */
async function assertEvidenceExists(evidence: { entityType: string; entityId: string }[]) {
  assert.ok(evidence.length > 0, 'an answer names the records it used');
  for (const { entityType, entityId } of evidence.slice(0, 25)) {
    const plural = entityTypes[entityType as keyof typeof entityTypes].plural;
    const res = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/${plural}/${entityId}`);
    assert.equal(res.status, 200, `${entityType} ${entityId} is in the workspace`);
  }
}

describe('agents on the seeded workspace (analytic engine)', () => {
  const cases: [string, keyof typeof agents, () => [string, unknown?]][] = [
    ['qualify-lead', 'leadQualification', () => [`qualify-lead/${ids.lead}`]],
    ['analyze-deal', 'dealAnalysis', () => [`analyze-deal/${ids.deal}`]],
    ['customer-insights', 'customerInsights', () => [`customer-insights/${ids.contact}`]],
    ['recommend', 'recommendation', () => ['recommend', {}]],
    ['research', 'research', () => ['research', { company: ids.company }]],
    ['summarize', 'summary', () => ['summarize', { entityType: 'deal', entityId: ids.deal }]],
    [
      'decide',
      'decision',
      () => [
        'decide',
        {
          question: 'Which deal gets the solutions engineer this week?',
          options: [
            { name: 'first', dealId: ids.deal },
            { name: 'second', dealId: ids.deal2 },
          ],
          criteria: [{ name: 'expectedValue', weight: 2 }, { name: 'winProbability' }],
        },
      ],
    ],
  ];
  for (const [path, name, request] of cases) {
    test(`${path}: schema-valid output with evidence from this workspace`, async () => {
      const [url, body] = request();
      const res = await tenant.api.post(agentsUrl(url), body ?? {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const parsed = agents[name].output.safeParse(res.body);
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
      assert.equal(res.body.agent, name);
      assert.equal(res.body.engine, 'analytic');
      assert.ok(res.body.durationMs >= 0 && typeof res.body.taskId === 'string');
      await assertEvidenceExists(res.body.evidence);
    });
  }

  test('lead scores come from a model trained on this workspace’s converted and lost leads', async () => {
    const res = await tenant.api.post(agentsUrl(`qualify-lead/${ids.lead}`), {});
    assert.equal(res.body.model.basis, 'workspace history');
    assert.ok(res.body.model.positives >= 15 && res.body.model.negatives >= 15);
    assert.ok(res.body.model.auc > 0.6, `held-out AUC ${res.body.model.auc}`);
    assert.ok(['medium', 'high'].includes(res.body.confidence), res.body.confidenceNote);
    assert.match(res.body.scoredBy, /^Workspace leads model v1/);
    assert.ok(res.body.strengths.length + res.body.weaknesses.length > 0);
    assert.match(res.body.estimatedValue, /^\$[\d,]+$/);
  });

  test('research says it used no outside sources; decisions rank by the stated criteria', async () => {
    const research = await tenant.api.post(agentsUrl('research'), { company: ids.company });
    assert.match(research.body.sources[0], /no outside sources/);
    assert.equal(research.body.found, true);
    assert.ok(research.body.decisionMakers.length > 0);
    // Every person named belongs to the company researched.
    for (const person of research.body.decisionMakers) {
      const plural = person.type === 'lead' ? 'leads' : 'contacts';
      const record = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/${plural}/${person.id}`);
      assert.equal(record.body.company, ids.company);
    }
    // A company the workspace does not know: it says so, and presents no other company's facts as its own.
    const unknown = await tenant.api.post(agentsUrl('research'), { company: 'Acme Corp' });
    assert.equal(unknown.body.found, false);
    assert.deepEqual(
      [unknown.body.painPoints, unknown.body.competitiveLandscape, unknown.body.decisionMakers],
      [[], [], []],
    );
    assert.match(unknown.body.industryTrends[0], /Nothing about "Acme Corp"/);
    const decision = await tenant.api.post(agentsUrl('decide'), {
      question: 'Pick a vendor',
      options: [
        { name: 'cheap', values: { price: 10, quality: 3 } },
        { name: 'good', values: { price: 20, quality: 9 } },
      ],
      criteria: [
        { name: 'price', weight: 1, prefer: 'lower' },
        { name: 'quality', weight: 3 },
      ],
    });
    assert.equal(decision.body.recommendation, 'good');
    assert.deepEqual(decision.body.optionsEvaluated[0], {
      option: 'good',
      score: 0.75,
      breakdown: { price: 0, quality: 1 },
    });
  });

  test('auto routes by intent; unknown records are 404 and bad input 400', async () => {
    const routed = await tenant.api.post(agentsUrl('execute'), {
      agent: 'auto',
      task: 'Please qualify this lead',
      input: { leadId: ids.lead },
    });
    assert.equal(routed.status, 200);
    assert.equal(routed.body.agent, 'leadQualification');
    assert.equal((await tenant.api.post(agentsUrl('qualify-lead/nope'), {})).status, 404);
    assert.equal((await tenant.api.post(agentsUrl('decide'), { question: 'x', options: [] })).status, 400);
    const badExecute = await tenant.api.post(agentsUrl('execute'), {
      agent: 'dealAnalysis',
      input: { leadId: 'x' },
    });
    assert.equal(badExecute.status, 400);
    assert.equal(badExecute.body.error.code, 'VALIDATION_FAILED');
  });

  test('no agent reads another workspace’s records', async () => {
    const otherUrl = (path: string) => agentsUrl(path, other.workspaceId);
    assert.equal((await other.api.post(otherUrl(`qualify-lead/${ids.lead}`), {})).status, 404);
    assert.equal((await other.api.post(otherUrl(`analyze-deal/${ids.deal}`), {})).status, 404);
    assert.equal((await other.api.post(otherUrl(`customer-insights/${ids.contact}`), {})).status, 404);
    const research = await other.api.post(otherUrl('research'), { company: ids.company });
    assert.equal(research.status, 200);
    assert.deepEqual(research.body.evidence, []);
    const outsider = await other.api.post(agentsUrl(`qualify-lead/${ids.lead}`), {});
    assert.equal(outsider.status, 404, 'another workspace is not even shown to exist');
  });
});

describe('workflows', () => {
  test('the mission’s three-step example: qualify, research, then recommend from the earlier results', async () => {
    const res = await tenant.api.post(agentsUrl('workflow'), {
      workflow: [
        { name: 'qualify', agent: 'leadQualification', input: { leadId: ids.lead } },
        { name: 'research', agent: 'research', input: { company: ids.company } },
        { name: 'recommend', agent: 'recommendation', input: null },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'succeeded');
    assert.deepEqual(
      res.body.steps.map((step: { status: string }) => step.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    const qualify = res.body.results.qualify;
    const recommend = res.body.results.recommend;
    assert.ok(
      qualify.nextActions.some((action: string) => recommend.immediateActions.includes(action)),
      'the recommendation builds on the qualification’s next actions',
    );
  });

  test('steps with dependsOn [] run concurrently; a dependent step waits for both', async () => {
    const res = await tenant.api.post(agentsUrl('workflow'), {
      workflow: [
        { name: 'a', agent: 'dealAnalysis', input: { dealId: ids.deal }, dependsOn: [] },
        { name: 'b', agent: 'dealAnalysis', input: { dealId: ids.deal2 }, dependsOn: [] },
        { name: 'pick', agent: 'recommendation', input: null },
      ],
    });
    const [a, b, pick] = res.body.steps;
    assert.ok(b.startedAt <= a.finishedAt && a.startedAt <= b.finishedAt, 'a and b overlap');
    assert.ok(pick.startedAt >= a.finishedAt && pick.startedAt >= b.finishedAt);
  });

  test('async workflows run in the embedded default too: 202, then polled to their report; other workspaces see nothing', async () => {
    const queued = await tenant.api.post(agentsUrl('workflow'), {
      async: true,
      workflow: [{ name: 'qualify', agent: 'leadQualification', input: { leadId: ids.lead } }],
    });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.equal(queued.body.status, 'queued');
    const url = agentsUrl(`workflow-jobs/${queued.body.workflowJobId}`);
    const done = await eventually(
      () => tenant.api.get(url),
      (response) => ['completed', 'failed'].includes(response.body.state),
    );
    assert.equal(done.body.state, 'completed', JSON.stringify(done.body));
    assert.equal(done.body.report.steps[0].status, 'succeeded');
    assert.equal(done.body.report.results.qualify.leadId, ids.lead);
    const foreign = await other.api.get(
      agentsUrl(`workflow-jobs/${queued.body.workflowJobId}`, other.workspaceId),
    );
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'WORKFLOW_JOB_NOT_FOUND');
    const invalid = await tenant.api.post(agentsUrl('workflow'), {
      async: true,
      workflow: [{ name: 'a', agent: 'summary', input: null, dependsOn: ['nope'] }],
    });
    assert.equal(invalid.status, 400, 'a workflow that cannot run is refused before it is queued');
  });

  test('a failed step is reported with the partial results; its dependents are skipped', async () => {
    const res = await tenant.api.post(agentsUrl('workflow'), {
      workflow: [
        { name: 'good', agent: 'dealAnalysis', input: { dealId: ids.deal }, dependsOn: [] },
        { name: 'bad', agent: 'leadQualification', input: { leadId: 'missing' }, dependsOn: [], retries: 2 },
        { name: 'after', agent: 'recommendation', input: null, dependsOn: ['bad'] },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'partial');
    assert.deepEqual(
      res.body.steps.map((step: { status: string }) => step.status),
      ['succeeded', 'failed', 'skipped'],
    );
    assert.equal(res.body.steps[1].error.code, 'RECORD_NOT_FOUND');
    assert.equal(res.body.steps[1].attempts, 1, 'a 404 is not retried');
    assert.ok(res.body.results.good.winProbability >= 0);
  });

  test('unknown dependencies and duplicate names are 400', async () => {
    const unknown = await tenant.api.post(agentsUrl('workflow'), {
      workflow: [
        { name: 'x', agent: 'summary', input: { text: 'Hello there, friend.' }, dependsOn: ['nope'] },
      ],
    });
    assert.equal(unknown.status, 400);
    const duplicate = await tenant.api.post(agentsUrl('workflow'), {
      workflow: [
        { name: 'x', agent: 'summary', input: { text: 'Hello there, friend.' } },
        { name: 'x', agent: 'summary', input: { text: 'Hello there, friend.' } },
      ],
    });
    assert.equal(duplicate.status, 400);
  });
});

describe('history', () => {
  test('every task and workflow is stored and listed newest first, with filters and pagination', async () => {
    const all = await tenant.api.get(agentsUrl('history?limit=200'));
    assert.equal(all.status, 200);
    assert.ok(all.body.data.length >= 10);
    const workflows = await tenant.api.get(agentsUrl('history?kind=workflow'));
    assert.ok(workflows.body.data.every((run: { kind: string }) => run.kind === 'workflow'));
    assert.ok(workflows.body.data.some((run: { status: string }) => run.status === 'partial'));
    const failed = await tenant.api.get(agentsUrl('history?status=failed&kind=task'));
    assert.ok(failed.body.data.some((run: { error: string }) => /not found/.test(run.error)));
    const first = await tenant.api.get(agentsUrl('history?limit=3'));
    const second = await tenant.api.get(agentsUrl(`history?limit=3&cursor=${first.body.nextCursor}`));
    assert.equal(first.body.data.length, 3);
    const seen = new Set(first.body.data.map((run: { id: string }) => run.id));
    assert.ok(second.body.data.every((run: { id: string }) => !seen.has(run.id)));
    assert.ok(first.body.data[2].createdAt >= second.body.data[0].createdAt);
    const qualify = await tenant.api.get(agentsUrl('history?agent=leadQualification'));
    assert.ok(qualify.body.data.every((run: { agent: string }) => run.agent === 'leadQualification'));
    const theirs = await other.api.get(agentsUrl('history', other.workspaceId));
    assert.ok(
      theirs.body.data.every((run: { workspaceId: string }) => run.workspaceId === other.workspaceId),
    );
  });

  test('runs about one record are listed on their own, and one run opens whole', async () => {
    const qualified = await tenant.api.get(agentsUrl('history?agent=leadQualification&status=succeeded'));
    const run = qualified.body.data.find((r: { subjectId: string }) => r.subjectId === ids.lead);
    assert.ok(run, 'a qualification names the lead it was about');
    assert.equal(run.subjectType, 'lead');
    const about = await tenant.api.get(
      agentsUrl(`history?entityType=${run.subjectType}&entityId=${encodeURIComponent(run.subjectId)}`),
    );
    assert.equal(about.status, 200, JSON.stringify(about.body));
    assert.ok(about.body.data.length >= 1, 'the record has its runs');
    assert.ok(
      about.body.data.every((r: { subjectId: string }) => r.subjectId === run.subjectId),
      'and only its runs',
    );
    const opened = await tenant.api.get(agentsUrl(`history/${run.id}`));
    assert.equal(opened.status, 200);
    assert.equal(opened.body.id, run.id);
    assert.ok(opened.body.output && typeof opened.body.output === 'object', 'the whole answer');
    assert.equal((await other.api.get(agentsUrl(`history/${run.id}`, other.workspaceId))).status, 404);
  });

  test('the agents list names all seven with their inputs', async () => {
    const res = await tenant.api.get('/api/agents/agents/list');
    assert.equal(res.status, 200);
    assert.equal(res.body.engine, 'analytic');
    assert.deepEqual(
      res.body.agents.map((agent: { name: string }) => agent.name),
      Object.keys(agents),
    );
  });
});

describe('scores on the records', () => {
  const scoresUrl = (path: string) => `/api/agents/${tenant.workspaceId}/${path}`;

  test('open leads carry their score, band and factors, listed by score, as the agent answers', async () => {
    await tenant.api.post(agentsUrl(`qualify-lead/${ids.lead}`), {});
    const page = await eventually(
      async () => (await tenant.api.get(scoresUrl('scores/leads?limit=20'))).body,
      (body) => body.data?.length === 20,
    );
    const scores = page.data.map((item: { score: { score: number } }) => item.score.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
    );
    assert.ok(
      page.data.every(
        (item: { record: { status: string } }) => !['converted', 'unqualified'].includes(item.record.status),
      ),
    );
    const top = page.data[0];
    const answer = await tenant.api.post(agentsUrl(`qualify-lead/${top.record.id}`), {});
    assert.equal(answer.body.qualityScore, top.score.score);
    // The stored factors are the agent's, three each way.
    const answered = answer.body.factors.map((factor: { text: string }) => factor.text);
    for (const factor of top.score.factors) assert.ok(answered.includes(factor.text), factor.text);
    // A list page asks for its rows' scores in one request; a record without a score is simply absent.
    const wanted = [page.data[3].record.id, page.data[1].record.id, 'no-such-lead'];
    const some = await tenant.api.get(scoresUrl(`scores/leads?ids=${wanted.join(',')}`));
    assert.equal(some.status, 200, JSON.stringify(some.body));
    assert.deepEqual(
      some.body.data.map((item: { record: { id: string } }) => item.record.id).sort(),
      wanted.slice(0, 2).sort(),
    );
    const tooMany = Array.from({ length: 101 }, (_, i) => `l${i}`).join(',');
    assert.equal((await tenant.api.get(scoresUrl(`scores/leads?ids=${tooMany}`))).status, 400);
    const hot = await tenant.api.get(scoresUrl('scores/leads?band=cold&order=asc&limit=5'));
    assert.ok(hot.body.data.every((item: { score: { band: string } }) => item.score.band === 'cold'));
    const versions = await tenant.api.get(scoresUrl('scoring-models'));
    assert.ok(
      versions.body.data.some(
        (version: { kind: string; status: string }) => version.kind === 'lead' && version.status === 'active',
      ),
    );
  });

  test('a lead is rescored when it or its activities change', async () => {
    const base = `/api/workspaces/${tenant.workspaceId}`;
    const before = (
      await eventually(
        () => tenant.api.get(scoresUrl(`scores/leads/${ids.lead}`)),
        (res) => res.status === 200,
      )
    ).body;
    await tenant.api.post(`${base}/activities`, {
      type: 'meeting',
      subject: 'Demo',
      relatedType: 'lead',
      relatedId: ids.lead,
    });
    await eventually(
      () => tenant.api.get(scoresUrl(`scores/leads/${ids.lead}`)),
      (res) => res.body.scoredAt > before.scoredAt,
    );
    await tenant.api.patch(`${base}/leads/${ids.lead}`, { status: 'unqualified' });
    // A decided lead has no open score.
    await eventually(
      () => tenant.api.get(scoresUrl(`scores/leads/${ids.lead}`)),
      (res) => res.status === 404,
    );
    await tenant.api.patch(`${base}/leads/${ids.lead}`, { status: 'new' });
    assert.equal((await other.api.get(scoresUrl(`scores/leads/${ids.lead}`))).status, 404);
  });
});

describe('scorer versions', () => {
  test('a retrained scorer serves only if not worse on held-out data; every version is listed', async () => {
    const url = `/api/agents/${tenant.workspaceId}/scoring-models`;
    await tenant.api.post(agentsUrl(`qualify-lead/${ids.lead}`), {});
    const retrain = await tenant.api.post(`${url}/retrain`, {});
    assert.equal(retrain.status, 202);
    const versions = await eventually(
      async () => (await tenant.api.get(url)).body.data,
      (data: { kind: string; status: string }[]) =>
        data.filter((version) => version.kind === 'lead').length >= 2,
    );
    // A later request retrains again: a finished retraining never swallows the next one.
    assert.equal((await tenant.api.post(`${url}/retrain`, {})).status, 202);
    await eventually(
      async () => (await tenant.api.get(url)).body.data,
      (data: { kind: string }[]) => data.filter((version) => version.kind === 'lead').length >= 3,
    );
    const leads = versions.filter((version) => version.kind === 'lead');
    assert.equal(leads.filter((version) => version.status === 'active').length, 1);
    assert.equal(leads[0]!.status, 'active', 'the same history trains a model that is not worse');
    const store = new ScorerStore(server.platform.database.kysely as never);
    const active = (await store.active(tenant.workspaceId, 'lead'))!;
    const worse = { ...active.artifact, quality: { ...active.quality, auc: active.quality.auc - 0.05 } };
    const stored = await store.add(tenant.workspaceId, 'lead', worse, new Date().toISOString());
    assert.equal(stored.status, 'rejected');
    assert.match(stored.reason!, /below the active version/);
    assert.equal((await store.active(tenant.workspaceId, 'lead'))!.version, active.version);
    const member = await server.newMember(tenant.workspaceId, 'member');
    assert.equal((await member.api.post(`${url}/retrain`, {})).status, 403);
  });
});

describe('retraining schedule', () => {
  test('workspaces whose leads or deals changed since the last look are queued for retraining', async () => {
    const added: unknown[] = [];
    const queue = { add: async (_queue: string, _name: string, data: unknown) => added.push(data) };
    const models = new ScoringModels(
      server.crm.records,
      server.platform.database.kysely as never,
      queue as never,
      {
        retrainAfterMs: 50,
        retrainOnNewOutcomes: 0.1,
      },
    );
    const stop = models.schedule();
    try {
      await tenant.api.patch(`/api/workspaces/${tenant.workspaceId}/leads/${ids.lead}`, {
        notes: 'Asked for pricing.',
      });
      await eventually(
        async () => added,
        (jobs) => jobs.some((job) => (job as { workspaceId: string }).workspaceId === tenant.workspaceId),
      );
      assert.ok(!added.some((job) => (job as { workspaceId: string }).workspaceId === other.workspaceId));
    } finally {
      stop();
    }
  });
});

describe('explanations are true', () => {
  /** Every record of a type through the API, a page at a time. */
  async function all(plural: string): Promise<RecordRow[]> {
    const rows: RecordRow[] = [];
    let cursor = '';
    do {
      const page = await tenant.api.get(
        `/api/workspaces/${tenant.workspaceId}/${plural}?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      rows.push(...page.body.data);
      cursor = page.body.nextCursor ?? '';
    } while (cursor);
    return rows;
  }

  /** What each next action or strategy claims about the record, as a check on the record's own values. */
  const claims: [RegExp, (record: RecordRow, contact?: RecordRow) => boolean][] = [
    [/direct email/, (record) => !record.email],
    [/direct phone/, (record) => !record.phone],
    [/guided trial/, (record) => (record.custom as Record<string, unknown>).trialStarted !== true],
    [/did not come through lead qualification/, (record) => !record.leadId],
    [/close date has slipped/, (record) => Number(record.closeDateSlips) > 0],
    [/Make first contact|no activity is logged/, () => true],
  ];

  test('every factor of every lead and deal names the record’s own value, and no action contradicts it', async () => {
    const [leads, deals, contacts, activities] = await Promise.all(
      ['leads', 'deals', 'contacts', 'activities'].map(all),
    );
    const contactById = new Map(contacts!.map((contact) => [contact.id, contact]));
    const activityCount = new Map<string, number>();
    for (const activity of activities!) {
      const key = `${activity.relatedType}:${activity.relatedId}`;
      activityCount.set(key, (activityCount.get(key) ?? 0) + 1);
    }
    const mismatches: string[] = [];
    let factors = 0;
    for (const [type, records, path] of [
      ['lead', leads!, 'qualify-lead'],
      ['deal', deals!, 'analyze-deal'],
    ] as const) {
      for (const record of records) {
        const res = await tenant.api.post(agentsUrl(`${path}/${record.id}`), {});
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const contact = record.contactId ? contactById.get(record.contactId as string) : undefined;
        for (const factor of res.body.factors) {
          factors++;
          const where = `${type} ${record.id} ${factor.field}`;
          if (factor.field === 'engagement.activities') {
            if (factor.value !== (activityCount.get(`${type}:${record.id}`) ?? 0)) mismatches.push(where);
          } else if (factor.field === 'engagement.activitiesPer30Days') {
            if ((factor.value === 0) !== !activityCount.get(`${type}:${record.id}`)) mismatches.push(where);
          } else if (factor.field === 'engagement.daysSinceLastActivity') {
            if ((factor.value === null) !== !activityCount.get(`${type}:${record.id}`))
              mismatches.push(where);
          } else if (factor.word !== undefined) {
            const mentions = wordsOf(String(recordValueOf(type, record, factor.field) ?? '')).includes(
              factor.word,
            );
            if (mentions !== / mentions “/.test(factor.text)) mismatches.push(where);
          } else {
            const own = recordValueOf(type, record, factor.field, { contact }) ?? null;
            if (String(own).toLowerCase() !== String(factor.value).toLowerCase())
              mismatches.push(`${where}: ${own} ≠ ${factor.value}`);
            if (!factor.text.startsWith(`${factor.label}: ${displayValue(factor.value)}`))
              mismatches.push(`${where}: ${factor.text}`);
          }
          if (!factor.text.endsWith(`${factor.effect > 0 ? 'raises' : 'lowers'} the odds`))
            mismatches.push(`${where}: sign`);
        }
        for (const action of [...(res.body.nextActions ?? []), ...(res.body.strategies ?? [])]) {
          for (const [claim, holds] of claims) {
            if (claim.test(action) && !holds(record, contact))
              mismatches.push(`${type} ${record.id}: "${action}"`);
          }
        }
      }
    }
    assert.ok(factors > leads!.length, `${factors} factors checked`);
    assert.deepEqual(mismatches, []);
  });
});
