// How to fuse the vector and keyword sides, measured on the judged dev set for every embedder: each query's
// two rankings are read once through the API (top 50 each), then fused offline by each rule and weight.
// Weights are chosen by 5-fold cross-validation over the queries (choose on four folds, score the fifth), so
// the reported numbers are not tuned to the queries they are measured on.
// Usage: node --import tsx bench/relevance/fusion-study.ts
import { availableEmbedders, devSetInstance } from '../relevance.ts';
import { fitLogistic } from './calibrate.ts';
import { type JudgedQuery, ndcgAt } from './dev-set.ts';

type Side = Map<string, number>;
type Rule = (vector: Side, keyword: Side, w: number) => Map<string, number>;

const normByMax = (side: Side) => {
  const top = Math.max(0, ...side.values());
  return new Map([...side].map(([id, s]) => [id, top > 0 ? Math.max(0, s) / top : 0]));
};
const minMax = (side: Side) => {
  const values = [...side.values()];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return new Map([...side].map(([id, s]) => [id, hi > lo ? (s - lo) / (hi - lo) : 1]));
};
const ranks = (side: Side) => new Map([...side].sort(([, a], [, b]) => b - a).map(([id], i) => [id, i + 1]));

const combine = (a: Side, b: Side, w: number) => {
  const out = new Map<string, number>();
  for (const id of new Set([...a.keys(), ...b.keys()]))
    out.set(id, w * (a.get(id) ?? 0) + (1 - w) * (b.get(id) ?? 0));
  return out;
};

export const rules: Record<string, Rule> = {
  // Today's rule: cosine as is, keyword divided by the query's best keyword score.
  current: (v, k, w) => combine(new Map([...v].map(([id, s]) => [id, Math.max(0, s)])), normByMax(k), w),
  maxBoth: (v, k, w) => combine(normByMax(v), normByMax(k), w),
  minMaxBoth: (v, k, w) => combine(minMax(v), minMax(k), w),
  rrf: (v, k, w) => {
    const rv = ranks(v);
    const rk = ranks(k);
    const out = new Map<string, number>();
    for (const id of new Set([...v.keys(), ...k.keys()]))
      out.set(
        id,
        (rv.has(id) ? w / (60 + rv.get(id)!) : 0) + (rk.has(id) ? (1 - w) / (60 + rk.get(id)!) : 0),
      );
    return out;
  },
};

const WEIGHTS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

type Data = { query: JudgedQuery; vector: Side; keyword: Side }[];

/** Fits both sides' calibration on `train`; the rule then averages the two probabilities. */
function calibratedRule(train: Data): { rule: Rule; fit: object } {
  const vx: number[] = [],
    vy: number[] = [],
    kx: number[] = [],
    ky: number[] = [];
  for (const { query, vector, keyword } of train) {
    for (const [id, s] of vector) {
      vx.push(s);
      vy.push((query.relevant[id] ?? 0) > 0 ? 1 : 0);
    }
    for (const [id, s] of keyword) {
      kx.push(s);
      ky.push((query.relevant[id] ?? 0) > 0 ? 1 : 0);
    }
  }
  const one = (xs: number[], ys: number[]) => {
    const [intercept, slope] = fitLogistic(
      xs.map((x) => [x]),
      ys,
      1e-3,
    );
    return { slope: slope!, intercept: intercept! };
  };
  const v = one(vx, vy);
  const k = one(kx, ky);
  const sigma = (z: number) => 1 / (1 + Math.exp(-z));
  const rule: Rule = (vector, keyword, w) => {
    const out = new Map<string, number>();
    for (const id of new Set([...vector.keys(), ...keyword.keys()])) {
      const pv = vector.has(id) ? sigma(v.slope * vector.get(id)! + v.intercept) : 0;
      const pk = keyword.has(id) ? sigma(k.slope * keyword.get(id)! + k.intercept) : 0;
      out.set(id, w * pv + (1 - w) * pk);
    }
    return out;
  };
  return { rule, fit: { vector: v, keyword: k } };
}

function evaluate(data: { query: JudgedQuery; vector: Side; keyword: Side }[], rule: Rule, w: number) {
  return (
    data.reduce((sum, { query, vector, keyword }) => {
      const fused = [...rule(vector, keyword, w)].sort(([, a], [, b]) => b - a).map(([id]) => id);
      return sum + ndcgAt(10, fused, query.relevant);
    }, 0) / data.length
  );
}

async function main() {
  for (const embedder of availableEmbedders()) {
    const instance = await devSetInstance(embedder.env);
    const data: { query: JudgedQuery; vector: Side; keyword: Side }[] = [];
    // The raw sides straight from the service (the API answers calibrated scores): best-passage cosine and
    // keyword score relative to the query's best. Noise queries have nothing to rank.
    for (const query of instance.queries.filter((judged) => judged.kind !== 'noise')) {
      const sides = await instance.candidates(query.text, 50);
      const byId = (side: typeof sides.vector) =>
        new Map([...side.values()].map((m) => [m.entityId, m.score]));
      data.push({ query, vector: byId(sides.vector), keyword: byId(sides.keyword) });
    }
    await instance.close();
    const folds = 5;
    for (const [name, rule] of Object.entries(rules)) {
      const grid = WEIGHTS.map((w) => `${w}:${evaluate(data, rule, w).toFixed(3)}`).join(' ');
      // Cross-validated: the weight is chosen on the other folds.
      let cv = 0;
      for (let f = 0; f < folds; f++) {
        const train = data.filter((_, i) => i % folds !== f);
        const test = data.filter((_, i) => i % folds === f);
        const best = WEIGHTS.reduce((a, b) => (evaluate(train, rule, b) > evaluate(train, rule, a) ? b : a));
        cv += evaluate(test, rule, best) * test.length;
      }
      process.stdout.write(
        `${embedder.name} ${name.padEnd(10)} cv ${(cv / data.length).toFixed(3)} | ${grid}\n`,
      );
    }
    // Calibrated fusion: the calibration and the weight are both chosen on the other folds.
    let cv = 0;
    for (let f = 0; f < folds; f++) {
      const train = data.filter((_, i) => i % folds !== f);
      const test = data.filter((_, i) => i % folds === f);
      const { rule } = calibratedRule(train);
      const best = WEIGHTS.reduce((a, b) => (evaluate(train, rule, b) > evaluate(train, rule, a) ? b : a));
      cv += evaluate(test, rule, best) * test.length;
    }
    const all = calibratedRule(data);
    const grid = WEIGHTS.map((w) => `${w}:${evaluate(data, all.rule, w).toFixed(3)}`).join(' ');
    process.stdout.write(
      `${embedder.name} calibrated cv ${(cv / data.length).toFixed(3)} | ${grid} | fit: ${JSON.stringify(all.fit)}\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
