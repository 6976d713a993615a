import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entityTypes } from '../../src/crm/records/entity-types.ts';
import { generateWorkspace } from '../../src/crm/seed/generator.ts';

const workspace = generateWorkspace({ workspaceId: 'ws', size: 10_000, seed: 42 });
const rate = (items: readonly Record<string, unknown>[], status: string) =>
  items.filter((item) => item.status === status).length / Math.max(1, items.length);

describe('demo data generator', () => {
  test('the same seed gives the same workspace; another seed does not', () => {
    const again = generateWorkspace({ workspaceId: 'ws', size: 10_000, seed: 42 });
    assert.deepEqual(again, workspace);
    const other = generateWorkspace({ workspaceId: 'ws', size: 10_000, seed: 43 });
    assert.notDeepEqual(other.contact[0], workspace.contact[0]);
  });

  test('sizes add up and every record passes its type’s API schema', () => {
    const total = Object.values(workspace).reduce((sum, records) => sum + records.length, 0);
    assert.equal(total, 10_000);
    for (const [name, records] of Object.entries(workspace)) {
      const type = entityTypes[name as keyof typeof entityTypes];
      for (const record of records.slice(0, 200)) {
        const {
          workspaceId: _w,
          createdAt: _c,
          updatedAt: _u,
          closeDateSlips: _s,
          closedAt: _d,
          stageHistory: _h,
          ...input
        } = record as Record<string, unknown>;
        const parsed = type.createSchema.safeParse(input);
        assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
      }
    }
  });

  test('every link points at a generated record', () => {
    const ids = new Map(
      Object.entries(workspace).map(([name, records]) => [name, new Set(records.map((r) => r.id))]),
    );
    for (const activity of workspace.activity) {
      assert.ok(ids.get(activity.relatedType as string)!.has(activity.relatedId as string));
    }
    for (const deal of workspace.deal) assert.ok(ids.get('contact')!.has(deal.contactId as string));
  });

  test('lead conversion depends on the lead’s attributes, so it can be learned', () => {
    const decided = workspace.lead.filter(
      (lead) => lead.status === 'converted' || lead.status === 'unqualified',
    );
    assert.ok(decided.length > 1000);
    const bySource = (source: string) =>
      rate(
        decided.filter((lead) => lead.source === source),
        'converted',
      );
    assert.ok(
      bySource('referral') > bySource('cold_call') + 0.2,
      'referrals convert far more than cold calls',
    );
    const trial = decided.filter((lead) => (lead.custom as { trialStarted: boolean }).trialStarted);
    const noTrial = decided.filter((lead) => !(lead.custom as { trialStarted: boolean }).trialStarted);
    assert.ok(
      rate(trial, 'converted') > rate(noTrial, 'converted') + 0.15,
      'a custom field predicts conversion',
    );
  });

  test('deals have won and lost outcomes related to slips and engagement', () => {
    const won = workspace.deal.filter((deal) => deal.status === 'won');
    const lost = workspace.deal.filter((deal) => deal.status === 'lost');
    assert.ok(won.length > 200 && lost.length > 200);
    const meanSlips = (deals: typeof won) =>
      deals.reduce((sum, d) => sum + (d.closeDateSlips as number), 0) / deals.length;
    assert.ok(meanSlips(lost) > meanSlips(won) + 0.2, 'lost deals slipped more');
    const activityCount = new Map<string, number>();
    for (const activity of workspace.activity) {
      activityCount.set(
        activity.relatedId as string,
        (activityCount.get(activity.relatedId as string) ?? 0) + 1,
      );
    }
    const meanActivities = (deals: typeof won) =>
      deals.reduce((sum, d) => sum + (activityCount.get(d.id) ?? 0), 0) / deals.length;
    assert.ok(meanActivities(won) > meanActivities(lost), 'won deals saw more activity');
    for (const deal of won) {
      assert.equal((deal.stageHistory as { stage: string }[]).at(-1)!.stage, 'closed_won');
      assert.ok(deal.closedAt);
    }
  });

  test('documents and notes are real sentences', () => {
    for (const document of workspace.document.slice(0, 20)) {
      assert.match(document.content as string, /^[A-Z].+\.$/s);
      assert.ok(!(document.content as string).includes('{'), 'no unfilled template slots');
    }
  });
});
