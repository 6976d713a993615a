import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PriorScorer, TrainedScorer } from '../../src/agents/learning/scorer.ts';
import { trainingSetOf, type WorkspaceSnapshot } from '../../src/agents/learning/workspace-data.ts';
import { TabularScorer } from '../../src/ai/scoring/tabular-scorer.ts';
import type { RecordRow } from '../../src/crm/records/entity-types.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');

function lead(i: number, fields: Partial<RecordRow>): RecordRow {
  return {
    id: `lead-${i}`,
    workspaceId: 'w',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-02-01T00:00:00.000Z',
    name: `Lead ${i}`,
    custom: {},
    ...fields,
  } as RecordRow;
}

function snapshotOf(leads: RecordRow[]): WorkspaceSnapshot {
  return { leads, deals: [], contacts: new Map(), trails: new Map(), takenAtMs: NOW };
}

describe('record scorers', () => {
  test('custom fields are learned; factors quote the own value and the evidence for it', async () => {
    // Conversion depends on a custom field no code knows about, and on the source.
    const leads = Array.from({ length: 400 }, (_, i) =>
      lead(i, {
        source: i % 4 === 0 ? 'referral' : 'cold_call',
        status: (i % 3 === 0) !== (i % 4 === 0 && i % 5 !== 0) ? 'converted' : 'unqualified',
        custom: { plan: i % 3 === 0 ? 'enterprise' : 'starter', seats: i % 50 },
      }),
    );
    const snapshot = snapshotOf(leads);
    const set = trainingSetOf('lead', snapshot);
    assert.ok(set.columns.some((column) => column.name === 'custom.plan' && column.kind === 'categorical'));
    assert.ok(set.columns.some((column) => column.name === 'custom.seats' && column.kind === 'numeric'));
    const scorer = new TrainedScorer(
      'lead',
      (await TabularScorer.train(set)).artifact,
      1,
      new Date(NOW).toISOString(),
    );
    const open = lead(1000, { source: 'cold_call', status: 'new', custom: { plan: 'enterprise', seats: 3 } });
    const result = scorer.score(open, snapshot, NOW);
    const plan = result.factors.find((factor) => factor.field === 'custom.plan')!;
    assert.equal(plan.value, 'enterprise');
    assert.equal(plan.direction, 'raises');
    assert.match(
      plan.text,
      /^Plan: enterprise — \d+% of \d+ leads like this converted vs \d+% overall — raises the odds$/,
    );
    assert.ok(result.factors.every((factor) => factor.field !== 'source' || factor.value === 'cold_call'));
    assert.match(result.model.basis, /workspace history/);
  });

  test('a model without signal shows the base rate and says the data does not predict the outcome', async () => {
    let state = 42;
    const next = () => {
      state = (state * 16807) % 2147483647;
      return state / 2147483647;
    };
    const leads = Array.from({ length: 500 }, (_, i) =>
      lead(i, {
        source: next() < 0.5 ? 'web' : 'event',
        status: next() < 0.25 ? 'converted' : 'unqualified',
        custom: { score: Math.round(next() * 100) },
      }),
    );
    const snapshot = snapshotOf(leads);
    const artifact = (await TabularScorer.train(trainingSetOf('lead', snapshot))).artifact;
    assert.equal(artifact.quality.hasSignal, false, `AUC ${artifact.quality.auc}`);
    const result = new TrainedScorer('lead', artifact, 1, new Date(NOW).toISOString()).score(
      lead(999, { source: 'web', status: 'new', custom: { score: 99 } }),
      snapshot,
      NOW,
    );
    assert.equal(result.probability, Number(artifact.baseRate.toFixed(4)));
    assert.equal(result.confidence, 'low');
    assert.match(result.confidenceNote, /does not predict this outcome/);
    assert.deepEqual(result.factors, []);
  });

  test('the prior names only values the record has', () => {
    const result = new PriorScorer('lead', { positives: 2, negatives: 3 }).score(
      lead(1, { role: 'Chief Executive Officer', email: null, custom: { trialStarted: false } }),
      snapshotOf([]),
      NOW,
    );
    assert.deepEqual(
      result.factors.map((factor) => factor.text.split(' — ')[0]),
      ['Seniority: executive', 'Activities logged: 0', 'Email on file: no'],
    );
    assert.equal(result.confidence, 'low');
  });
});
