// temporary experiment
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { inferColumnKind, labelOf, type TabularRow } from '../src/ai/scoring/binning.ts';
import { brierScore, expectedCalibrationError, rocAuc } from '../src/ai/scoring/calibration.ts';
import { TabularScorer } from '../src/ai/scoring/tabular-scorer.ts';

const rows = parse(readFileSync('../shared/fixtures/datasets/bank-marketing/bank-marketing.csv'), {
  columns: true,
  cast: true,
}) as Record<string, string | number>[];
const fnv = (s: string) => {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(s)) {
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};
const test = rows.map((_, k) => fnv(`row${k}`) / 2 ** 32 < 0.3);
const names = Object.keys(rows[0]!).filter((n) => n !== 'output' && n !== 'duration');
const columns = names
  .map((name) => ({ name, label: labelOf(name), kind: inferColumnKind(rows.map((r) => r[name]))! }))
  .filter((c) => c.kind);
console.log(columns.map((c) => `${c.name}:${c.kind}`).join(' '));
const tr = rows.filter((_, i) => !test[i]);
const te = rows.filter((_, i) => test[i]);
const lab = (r: Record<string, unknown>) => (r.output === 'yes' ? 1 : 0);
const now = Date.now();
const t0 = performance.now();
const scorer = await TabularScorer.train(
  { columns, rows: tr as TabularRow[], labels: tr.map(lab), asOf: tr.map(() => now) },
  { params: JSON.parse(process.env.P ?? '{}') },
);
const t1 = performance.now();
const p = te.map((r) => scorer.probability(r as TabularRow, now));
console.log(
  JSON.stringify({
    quality: scorer.quality,
    trainS: (t1 - t0) / 1000,
    auc: rocAuc(p, te.map(lab)),
    ece: expectedCalibrationError(p, te.map(lab)),
    brier: brierScore(p, te.map(lab)),
  }),
);
const e = scorer.explain(te[0] as TabularRow, now);
console.log(
  JSON.stringify(e.factors.slice(0, 4)),
  e.probability,
  e.baselineProbability,
  e.factors.reduce((s, f) => s + f.effect, 0),
  Math.log(e.probability / (1 - e.probability)) -
    Math.log(e.baselineProbability / (1 - e.baselineProbability)),
);
