// Which evidence the hybrid relevance model should read, measured on the judged dev set for every embedder:
// logistic models over candidate feature sets, each scored by 5-fold cross-validated nDCG@10 over the
// queries (fitted on four folds, measured on the fifth), so no number is tuned to the queries it is read on.
// Usage: CRM_AI_TEST_MODELS=$(scripts/test-models.sh) node --import tsx bench/relevance/feature-study.ts
import { availableEmbedders, devSetInstance } from '../relevance.ts';
import { fitLogistic } from './calibrate.ts';
import { type JudgedQuery, ndcgAt, queryKinds } from './dev-set.ts';

type Sides = Awaited<ReturnType<Awaited<ReturnType<typeof devSetInstance>>['candidates']>>;
interface Sample {
  query: JudgedQuery;
  sides: Sides;
}
type Features = (
  sides: Sides,
  key: string,
  ranks: { vector: Map<string, number>; keyword: Map<string, number> },
) => number[];

const base = (sides: Sides, key: string) => {
  const cos = sides.vector.get(key)?.score ?? 0;
  return [
    cos,
    sides.vector.has(key) ? cos - sides.vectorLevel : 0,
    sides.keyword.get(key)?.coverage ?? 0,
    sides.keyword.get(key)?.score ?? 0,
  ];
};
const reciprocal = (ranks: Map<string, number>, key: string) => (ranks.has(key) ? 1 / ranks.get(key)! : 0);

export const featureSets: Record<string, Features> = {
  current: (sides, key) => base(sides, key),
  ranks: (sides, key, ranks) => [
    ...base(sides, key),
    reciprocal(ranks.vector, key),
    reciprocal(ranks.keyword, key),
  ],
  both: (sides, key) => [...base(sides, key), sides.vector.has(key) && sides.keyword.has(key) ? 1 : 0],
  ranksBoth: (sides, key, ranks) => [
    ...base(sides, key),
    reciprocal(ranks.vector, key),
    reciprocal(ranks.keyword, key),
    sides.vector.has(key) && sides.keyword.has(key) ? 1 : 0,
  ],
  covCos: (sides, key) => {
    const b = base(sides, key);
    return [...b, b[0]! * b[2]!];
  },
};

const rankMap = (side: Map<string, { score: number }>) =>
  new Map([...side].sort(([, a], [, b]) => b.score - a.score).map(([key], i) => [key, i + 1]));

function rows(sample: Sample, features: Features) {
  const ranks = { vector: rankMap(sample.sides.vector), keyword: rankMap(sample.sides.keyword) };
  const keys = [...new Set([...sample.sides.vector.keys(), ...sample.sides.keyword.keys()])];
  return keys.map((key) => ({ key, x: features(sample.sides, key, ranks) }));
}

const relevant = (query: JudgedQuery, key: string) => ((query.relevant[key.split(':')[1]!] ?? 0) > 0 ? 1 : 0);

/**
 * Cross-validated nDCG@10 per query kind of a logistic model over `features`; with `keywordFirst`, records the
 * keyword side found rank above those only the vector side found.
 */
function crossValidated(samples: Sample[], features: Features, keywordFirst = false) {
  const folds = 5;
  const byKind = new Map<string, number[]>();
  const add = (kind: string, value: number) => byKind.set(kind, [...(byKind.get(kind) ?? []), value]);
  for (let f = 0; f < folds; f++) {
    const x: number[][] = [];
    const y: number[] = [];
    for (const sample of samples.filter((_, i) => i % folds !== f))
      for (const row of rows(sample, features)) {
        x.push(row.x);
        y.push(relevant(sample.query, row.key));
      }
    const beta = fitLogistic(x, y);
    for (const sample of samples.filter((_, i) => i % folds === f)) {
      if (sample.query.kind === 'noise') continue;
      const ranked = rows(sample, features)
        .map((row) => ({
          id: row.key.split(':')[1]!,
          first: keywordFirst && sample.sides.keyword.has(row.key) ? 1 : 0,
          z: row.x.reduce((sum, value, j) => sum + value * beta[j + 1]!, beta[0]!),
        }))
        .sort((a, b) => b.first - a.first || b.z - a.z)
        .map((row) => row.id);
      const value = ndcgAt(10, ranked, sample.query.relevant);
      add(sample.query.kind, value);
      add('all', value);
    }
  }
  const mean = (values: number[]) => Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(4));
  return Object.fromEntries(['all', ...queryKinds].map((kind) => [kind, mean(byKind.get(kind) ?? [0])]));
}

const result: Record<string, unknown> = {};
for (const embedder of availableEmbedders()) {
  const instance = await devSetInstance(embedder.env);
  const samples: Sample[] = [];
  for (const query of instance.queries) samples.push({ query, sides: await instance.candidates(query.text) });
  await instance.close();
  result[embedder.name] = {
    ...Object.fromEntries(
      Object.entries(featureSets).map(([name, features]) => [name, crossValidated(samples, features)]),
    ),
    keywordFirst: crossValidated(samples, featureSets.current!, true),
  };
  process.stderr.write(`${embedder.name}: ${JSON.stringify(result[embedder.name])}\n`);
}
process.stdout.write(`${JSON.stringify({ study: 'relevance-features', ndcg10: result })}\n`);
