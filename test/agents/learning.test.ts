import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rankSentences, splitSentences } from '../../src/agents/analytic/sentences.ts';
import { seniorityOf } from '../../src/agents/learning/features.ts';
import { LogisticModel, rocAuc } from '../../src/agents/learning/logistic.ts';
import { routeByIntent } from '../../src/agents/orchestrator.ts';

/** Seeded uniform numbers, so the synthetic data is the same on every run. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('logistic regression', () => {
  test('recovers the sign and order of known effects and separates the classes', () => {
    const next = random(3);
    const rows = Array.from({ length: 2000 }, () => ({
      strong: next() * 4 - 2,
      weak: next() * 4 - 2,
      noise: next(),
    }));
    const labels = rows.map((row) =>
      next() < 1 / (1 + Math.exp(-(2 * row.strong - 0.5 * row.weak))) ? 1 : 0,
    );
    const model = LogisticModel.fit(rows, labels);
    const effects = Object.fromEntries(
      model.contributions({ strong: 2, weak: 2, noise: 0.5 }).map((c) => [c.feature, c.effect]),
    );
    assert.ok(effects.strong! > 0 && effects.weak! < 0, JSON.stringify(effects));
    assert.ok(
      Math.abs(effects.strong!) > Math.abs(effects.weak!) &&
        Math.abs(effects.weak!) > Math.abs(effects.noise!),
    );
    const auc = rocAuc(
      rows.map((row) => model.probability(row)),
      labels,
    );
    assert.ok(auc > 0.8, `AUC ${auc}`);
  });

  test('a prior scores on its stated weights', () => {
    const prior = LogisticModel.prior(-1, { a: 2 });
    assert.ok(Math.abs(prior.probability({ a: 0.5 }) - 0.5) < 1e-12);
    assert.equal(prior.trainedOn, 0);
  });

  test('AUC is exact on small cases, with ties counted half', () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([1, 1], [0, 1]), 0.5);
    assert.equal(rocAuc([0.2, 0.9], [0, 1]), 1);
  });
});

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
    assert.equal(seniorityOf('Chief Technology Officer'), 3);
    assert.equal(seniorityOf('VP of Sales'), 2);
    assert.equal(seniorityOf('Sales Manager'), 1);
    assert.equal(seniorityOf('Software Engineer'), 0);
    assert.equal(seniorityOf(null), 0);
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
