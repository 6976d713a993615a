import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Binner, inferColumnKind, MISSING_BIN, type TabularRow } from '../../src/ai/scoring/binning.ts';
import { type BoostedTrees, predictMargin, type Tree } from '../../src/ai/scoring/boosting.ts';
import {
  calibrate,
  expectedCalibrationError,
  fitPlatt,
  rocAuc,
  sigmoid,
} from '../../src/ai/scoring/calibration.ts';
import { TabularScorer } from '../../src/ai/scoring/tabular-scorer.ts';
import { expectedMargin, treeShap } from '../../src/ai/scoring/tree-shap.ts';

/** Seeded uniform numbers, so the synthetic data is the same on every run. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const NOW = Date.parse('2026-06-01T00:00:00Z');

/** Path-dependent expectation of a tree when only the features in `known` follow the row (the TreeSHAP value function). */
function conditional(tree: Tree, row: Uint8Array, known: Set<number>, node = 0): number {
  const feature = tree.feature[node]!;
  if (feature < 0) return tree.value[node]!;
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  if (known.has(feature)) {
    const goesLeft = tree.leftBins[node]
      ? tree.leftBins[node]!.includes(row[feature]!)
      : row[feature]! <= tree.threshold[node]!;
    return conditional(tree, row, known, goesLeft ? left : right);
  }
  return (
    (tree.cover[left]! * conditional(tree, row, known, left) +
      tree.cover[right]! * conditional(tree, row, known, right)) /
    tree.cover[node]!
  );
}

/** Shapley values by enumerating every subset of features: exact, and only feasible for a handful. */
function bruteForceShapley(model: BoostedTrees, row: Uint8Array, features: number): number[] {
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const value = (known: Set<number>) =>
    model.trees.reduce((sum, tree) => sum + conditional(tree, row, known), model.baseMargin);
  return Array.from({ length: features }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << features; mask++) {
      if (mask & (1 << i)) continue;
      const subset = new Set([...Array(features).keys()].filter((j) => mask & (1 << j)));
      const weight = (factorial(subset.size) * factorial(features - subset.size - 1)) / factorial(features);
      phi += weight * (value(new Set([...subset, i])) - value(subset));
    }
    return phi;
  });
}

/** Rows where the outcome is an interaction (xor of two columns) plus a weak main effect and a rare category. */
function synthetic(n: number, seed: number) {
  const next = random(seed);
  const rows: TabularRow[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = next() < 0.5;
    const b = next() < 0.5 ? 'north' : 'south';
    const size = Math.round(next() * 1000);
    const logit = (a !== (b === 'north') ? 1.8 : -1.8) + (size > 500 ? 0.4 : 0);
    rows.push({ a, region: b, size, city: i === 0 ? 'Atlantis' : next() < 0.5 ? 'Lisbon' : 'Porto' });
    labels.push(next() < sigmoid(logit) ? 1 : 0);
  }
  return { rows, labels };
}

const columns = [
  { name: 'a', label: 'A', kind: 'boolean' as const },
  { name: 'region', label: 'Region', kind: 'categorical' as const },
  { name: 'size', label: 'Size', kind: 'numeric' as const },
  { name: 'city', label: 'City', kind: 'categorical' as const },
];

describe('binning', () => {
  test('column kinds are read from values; constant or empty columns are left out', () => {
    assert.equal(inferColumnKind([1, 2, '3', null]), 'numeric');
    assert.equal(inferColumnKind([true, false, null]), 'boolean');
    assert.equal(inferColumnKind(['2026-01-02', '2025-12-31T10:00:00Z']), 'date');
    assert.equal(inferColumnKind(['may', 'jun', 'may']), 'categorical');
    assert.equal(
      inferColumnKind([
        'Needs single sign-on before the renewal',
        'Wants export of quotes to spreadsheets',
        'Budget approved for the migration this quarter',
      ]),
      'text',
    );
    assert.equal(inferColumnKind(['x', 'x', 'x']), undefined);
    assert.equal(inferColumnKind([null, undefined, '']), undefined);
  });

  test('missing is its own bin; a level seen too rarely shares the "other" bin', () => {
    const rows: TabularRow[] = [
      ...Array.from({ length: 30 }, () => ({ channel: 'web', age: 30 })),
      ...Array.from({ length: 30 }, () => ({ channel: 'phone', age: 50 })),
      { channel: 'fax', age: null },
    ];
    const labels = rows.map((_, i) => i % 2);
    const binner = Binner.fit(
      [
        { name: 'channel', label: 'Channel', kind: 'categorical' },
        { name: 'age', label: 'Age', kind: 'numeric' },
      ],
      rows,
      labels,
      rows.map(() => NOW),
      { minCategoryCount: 10 },
    );
    assert.equal(binner.binOf(0, { channel: null }, NOW), MISSING_BIN);
    assert.equal(binner.describeBin(0, binner.binOf(0, { channel: 'fax' }, NOW)), 'other');
    assert.equal(binner.describeBin(0, binner.binOf(0, { channel: 'never seen' }, NOW)), 'other');
    assert.equal(binner.describeBin(0, binner.binOf(0, { channel: 'Web' }, NOW)), 'web');
    assert.equal(binner.binOf(1, { age: null }, NOW), MISSING_BIN);
    assert.notEqual(binner.binOf(1, { age: 30 }, NOW), binner.binOf(1, { age: 50 }, NOW));
    // Evidence per bin: 30 web rows, half of them positive.
    const web = binner.binOf(0, { channel: 'web' }, NOW);
    assert.equal(binner.features[0]!.counts[web], 30);
    assert.equal(binner.features[0]!.positives[web], 15);
  });
});

describe('boosted trees and TreeSHAP', () => {
  test('learn an interaction a linear model cannot, calibrated on held-out rows', async () => {
    const train = synthetic(3000, 1);
    const test = synthetic(2000, 2);
    const scorer = await TabularScorer.train({
      columns,
      rows: train.rows,
      labels: train.labels,
      asOf: train.rows.map(() => NOW),
    });
    const probabilities = test.rows.map((row) => scorer.probability(row, NOW));
    assert.ok(rocAuc(probabilities, test.labels) > 0.8, `AUC ${rocAuc(probabilities, test.labels)}`);
    assert.ok(expectedCalibrationError(probabilities, test.labels) < 0.05);
    assert.ok(scorer.quality.hasSignal && scorer.quality.auc > 0.8 && scorer.quality.folds === 5);
    // A category seen once cannot carry a score of its own.
    const atlantis = scorer.explain(train.rows[0]!, NOW).factors.find((factor) => factor.column === 'city')!;
    assert.equal(atlantis.bin, 'other');
  });

  test('attributions are exact Shapley values and add up to the margin', async () => {
    const data = synthetic(800, 3);
    const scorer = await TabularScorer.train(
      { columns, rows: data.rows, labels: data.labels, asOf: data.rows.map(() => NOW) },
      { params: { maxLeaves: 6, rounds: 20 }, folds: 3 },
    );
    const { model, features } = scorer.artifact;
    const binner = new Binner(features);
    for (const row of data.rows.slice(0, 5)) {
      const bins = binner.encodeRow(row, NOW);
      const phi = treeShap(model, bins, features.length);
      const exact = bruteForceShapley(model, bins, features.length);
      for (const [i, value] of phi.entries())
        assert.ok(Math.abs(value - exact[i]!) < 1e-9, `${value} vs ${exact[i]}`);
      const total = phi.reduce((sum, value) => sum + value, expectedMargin(model));
      assert.ok(Math.abs(total - predictMargin(model, bins)) < 1e-9);
    }
  });

  test('history that does not predict the outcome is said to have no signal', async () => {
    const next = random(9);
    const rows = Array.from({ length: 600 }, () => ({
      noise: next(),
      colour: next() < 0.5 ? 'red' : 'blue',
    }));
    const labels = rows.map(() => (next() < 0.3 ? 1 : 0));
    const scorer = await TabularScorer.train({
      columns: [
        { name: 'noise', label: 'Noise', kind: 'numeric' },
        { name: 'colour', label: 'Colour', kind: 'categorical' },
      ],
      rows,
      labels,
      asOf: rows.map(() => NOW),
    });
    assert.equal(scorer.quality.hasSignal, false, `AUC ${scorer.quality.auc}`);
    // Calibration keeps such scores near the base rate (and the agents show the base rate itself).
    for (const row of rows.slice(0, 50)) {
      assert.ok(Math.abs(scorer.probability(row, NOW) - scorer.artifact.baseRate) < 0.15);
    }
  });

  test('an artifact round-trips through JSON and scores the same', async () => {
    const data = synthetic(600, 4);
    const scorer = await TabularScorer.train({
      columns,
      rows: data.rows,
      labels: data.labels,
      asOf: data.rows.map(() => NOW),
    });
    const copy = TabularScorer.fromArtifact(JSON.parse(JSON.stringify(scorer.artifact)));
    for (const row of data.rows.slice(0, 20))
      assert.equal(copy.probability(row, NOW), scorer.probability(row, NOW));
  });
});

describe('calibration measures', () => {
  test('Platt scaling recovers a known slope and intercept', () => {
    const next = random(5);
    const margins = Array.from({ length: 20000 }, () => next() * 8 - 4);
    const labels = margins.map((m) => (next() < sigmoid(0.5 * m - 1) ? 1 : 0));
    const platt = fitPlatt(margins, labels);
    assert.ok(
      Math.abs(platt.slope - 0.5) < 0.05 && Math.abs(platt.intercept + 1) < 0.08,
      JSON.stringify(platt),
    );
    assert.ok(Math.abs(calibrate(platt, 2) - sigmoid(0)) < 0.03);
  });

  test('AUC is exact on small cases, with ties counted half; ECE is the gap per bin', () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([1, 1], [0, 1]), 0.5);
    assert.equal(rocAuc([0.2, 0.9], [0, 1]), 1);
    assert.equal(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]), 0);
    assert.ok(Math.abs(expectedCalibrationError([0.95, 0.95], [0, 0]) - 0.95) < 1e-12);
  });
});
