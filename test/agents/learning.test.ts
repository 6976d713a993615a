import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rankSentences, splitSentences } from '../../src/agents/analytic/sentences.ts';
import { routeByIntent } from '../../src/agents/orchestrator.ts';
import { seniorityOf } from '../../src/crm/records/features.ts';

describe('agent text and routing helpers', () => {
  test('sentences split at their ends; the most central sentence ranks first', () => {
    assert.deepEqual(splitSentences('Budget is approved. Legal review next week! Is SSO needed?'), [
      'Budget is approved.',
      'Legal review next week!',
      'Is SSO needed?',
    ]);
    const ranked = rankSentences([
      {
        text: 'The migration needs single sign-on. The migration must finish before renewal. Lunch was nice today. Single sign-on blocks the migration.',
      },
    ]);
    assert.notEqual(ranked[0]!.text, 'Lunch was nice today.');
    assert.equal(ranked.at(-1)!.text, 'Lunch was nice today.');
  });

  test('seniority is read from titles', () => {
    assert.equal(seniorityOf('Chief Technology Officer'), 'executive');
    assert.equal(seniorityOf('VP of Sales'), 'vp or director');
    assert.equal(seniorityOf('Sales Manager'), 'manager');
    assert.equal(seniorityOf('Software Engineer'), 'individual');
    // No title is unknown, not junior.
    assert.equal(seniorityOf(null), null);
  });

  test('auto routes by the task’s words, then by the input’s shape', () => {
    assert.equal(routeByIntent('Score this lead', {}), 'leadQualification');
    assert.equal(routeByIntent('What are the chances we win this deal?', {}), 'dealAnalysis');
    assert.equal(routeByIntent('Give me a recap of the account', {}), 'summary');
    assert.equal(routeByIntent('Which option should we choose?', {}), 'decision');
    assert.equal(routeByIntent('Research Acme and its competitors', {}), 'research');
    assert.equal(routeByIntent(undefined, { dealId: 'd1' }), 'dealAnalysis');
    assert.throws(() => routeByIntent(undefined, {}), { code: 'VALIDATION_FAILED' });
  });
});
