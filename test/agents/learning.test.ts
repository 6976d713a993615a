import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { textOf } from '../../src/agents/analytic/reader.ts';
import {
  isActionItem,
  isOpportunity,
  isRisk,
  rankSentences,
  splitSentences,
  topTerms,
} from '../../src/agents/analytic/sentences.ts';
import { routeByIntent, withTaskText } from '../../src/agents/orchestrator.ts';
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

  test('auto passes the task’s words to the agent it picks', () => {
    assert.deepEqual(withTaskText('research', 'Research Acme and its competitors', {}), {
      query: 'Research Acme and its competitors',
    });
    assert.deepEqual(withTaskText('summary', 'Summarise: the budget is approved.', {}), {
      text: 'Summarise: the budget is approved.',
    });
    assert.deepEqual(withTaskText('research', 'Research Acme', { company: 'Acme' }), { company: 'Acme' });
  });

  test('record text joins into clean sentences; actions, risks and opportunities are told apart', () => {
    const text = textOf(
      {
        id: 'x',
        workspaceId: 'w',
        createdAt: '',
        updatedAt: '',
        notes: 'Budget is approved.',
        requirements: 'Needs SSO',
      } as never,
      ['notes', 'requirements'],
    );
    assert.equal(text, 'Budget is approved. Needs SSO.');
    assert.ok(isOpportunity('Budget is approved for this quarter, pending sign-off from the CFO.'));
    assert.ok(!isRisk('Budget is approved for this quarter, pending sign-off from the CFO.'));
    assert.ok(isRisk('Timeline slipped because their IT team is busy with a migration.'));
    assert.ok(!isActionItem('Timeline slipped because their IT team is busy with a migration.'));
    assert.ok(isActionItem('Send the revised proposal by Friday.'));
    assert.ok(isActionItem('We need to book a security review with their CISO.'));
  });

  test('keywords leave out names and stop words', () => {
    const terms = topTerms(
      [
        'Spoke with Maria Lopez about reporting. Maria wants reporting exports.',
        'Reporting exports again; Maria asked about the exports to Globex.',
      ],
      8,
      ['Globex Corp'],
    );
    assert.ok(terms.includes('reporting') && terms.includes('exports'), terms.join());
    assert.ok(
      !terms.includes('maria') && !terms.includes('globex') && !terms.includes('about'),
      terms.join(),
    );
  });
});
