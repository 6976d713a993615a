// Fits the relevance models (src/vector/relevance.ts) for every embedder on the judged dev set and writes
// src/vector/calibration.json. Each model is a logistic regression over the features the service computes
// (cosine, lift above the query's other candidates, relative keyword score), labelled by the judgments
// (grade ≥ 1 = relevant), with noise queries as negatives. The ranking quality reported next to each fit is
// 5-fold cross-validated over the queries (fitted on four folds, measured on the fifth).
// Usage: CRM_AI_TEST_MODELS=$(scripts/test-models.sh) node --import tsx bench/relevance/calibrate.ts
import fs from 'node:fs';
import path from 'node:path';
import type { Calibration, RelevanceModel } from '../../src/vector/relevance.ts';
import { hybridRelevance, vectorRelevance } from '../../src/vector/relevance.ts';
import { availableEmbedders, devSetInstance } from '../relevance.ts';
import { type JudgedQuery, ndcgAt } from './dev-set.ts';

type Sides = Awaited<ReturnType<Awaited<ReturnType<typeof devSetInstance>>['candidates']>>;
interface Sample {
  query: JudgedQuery;
  sides: Sides;
}

/** Logistic regression by Newton's method with a small ridge; returns [bias, ...weights]. */
export function fitLogistic(rows: number[][], labels: number[], ridge = 1e-2): number[] {
  const n = rows[0]!.length + 1;
  const beta = new Array<number>(n).fill(0);
  for (let iteration = 0; iteration < 60; iteration++) {
    const gradient = new Array<number>(n).fill(0);
    const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    rows.forEach((row, i) => {
      const x = [1, ...row];
      const p = 1 / (1 + Math.exp(-x.reduce((sum, value, j) => sum + value * beta[j]!, 0)));
      const w = Math.max(1e-6, p * (1 - p));
      for (let j = 0; j < n; j++) {
        gradient[j]! += (p - labels[i]!) * x[j]!;
        for (let k = 0; k < n; k++) hessian[j]![k]! += w * x[j]! * x[k]!;
      }
    });
    for (let j = 1; j < n; j++) {
      gradient[j]! += ridge * beta[j]!;
      hessian[j]![j]! += ridge;
    }
    const step = solve(hessian, gradient);
    for (let j = 0; j < n; j++) beta[j]! -= step[j]!;
  }
  return beta;
}

function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

const relevant = (query: JudgedQuery, key: string) => ((query.relevant[key.split(':')[1]!] ?? 0) > 0 ? 1 : 0);

function fit(samples: Sample[]): RelevanceModel {
  const vectorRows: number[][] = [];
  const vectorLabels: number[] = [];
  const hybridRows: number[][] = [];
  const hybridLabels: number[] = [];
  const keywordRows: number[][] = [];
  const keywordLabels: number[] = [];
  for (const { query, sides } of samples) {
    for (const key of new Set([...sides.vector.keys(), ...sides.keyword.keys()])) {
      const cos = sides.vector.get(key)?.score ?? 0;
      const lift = sides.vector.has(key) ? cos - sides.vectorLevel : 0;
      const keyword = sides.keyword.get(key)?.score ?? 0;
      const coverage = sides.keyword.get(key)?.coverage ?? 0;
      if (sides.vector.has(key)) {
        vectorRows.push([cos, lift]);
        vectorLabels.push(relevant(query, key));
      }
      if (sides.keyword.has(key)) {
        keywordRows.push([coverage, keyword]);
        keywordLabels.push(relevant(query, key));
      }
      hybridRows.push([cos, lift, coverage, keyword]);
      hybridLabels.push(relevant(query, key));
    }
  }
  const [vb, vc, vl] = fitLogistic(vectorRows, vectorLabels);
  const [hb, hc, hl, hv, hk] = fitLogistic(hybridRows, hybridLabels);
  const [kb, kv, kk] = fitLogistic(keywordRows, keywordLabels);
  const round = (x: number) => Number(x!.toFixed(4));
  return {
    vector: { cos: round(vc!), lift: round(vl!), bias: round(vb!) },
    hybrid: {
      cos: round(hc!),
      lift: round(hl!),
      coverage: round(hv!),
      keyword: round(hk!),
      bias: round(hb!),
    },
    keyword: { coverage: round(kv!), keyword: round(kk!), bias: round(kb!) },
  };
}

function ndcg(samples: Sample[], model: RelevanceModel, mode: 'vector' | 'hybrid'): number {
  const scored = samples.filter(({ query }) => query.kind !== 'noise');
  return (
    scored.reduce((sum, { query, sides }) => {
      const ranked = (mode === 'vector' ? vectorRelevance(sides, model) : hybridRelevance(sides, model))
        .sort((a, b) => b.score - a.score)
        .map((candidate) => candidate.entityId);
      return sum + ndcgAt(10, ranked, query.relevant);
    }, 0) / scored.length
  );
}

async function main() {
  const file = path.resolve(import.meta.dirname, '../../src/vector/calibration.json');
  const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Calibration;
  const models: Calibration['models'] = { ...current.models };
  const notes: string[] = [];
  for (const embedder of availableEmbedders()) {
    const instance = await devSetInstance(embedder.env);
    const samples: Sample[] = [];
    for (const query of instance.queries)
      samples.push({ query, sides: await instance.candidates(query.text) });
    await instance.close();
    const folds = 5;
    const cv = { vector: 0, hybrid: 0 };
    for (let f = 0; f < folds; f++) {
      const model = fit(samples.filter((_, i) => i % folds !== f));
      const test = samples.filter((_, i) => i % folds === f);
      const weight = test.filter(({ query }) => query.kind !== 'noise').length;
      cv.vector += ndcg(test, model, 'vector') * weight;
      cv.hybrid += ndcg(test, model, 'hybrid') * weight;
    }
    const scoredCount = samples.filter(({ query }) => query.kind !== 'noise').length;
    const model = fit(samples);
    const key = embedder.name === 'local' ? 'local-lexical' : embedder.name;
    models[key] = { vectorWeight: key === 'local-lexical' ? 0.3 : 0.8, ...model };
    // Pretrained sentence models without a fit of their own use the first real model's.
    if (key !== 'local-lexical' && !notes.some((note) => note.startsWith('pretrained')))
      models.pretrained = models[key]!;
    notes.push(
      `${key}: cross-validated nDCG@10 vector ${(cv.vector / scoredCount).toFixed(3)}, hybrid ${(cv.hybrid / scoredCount).toFixed(3)}`,
    );
    process.stderr.write(`${notes.at(-1)}\n`);
  }
  const calibration: Calibration = {
    fittedOn: `bench/relevance (153 records, 44 judged and 6 noise queries); ${notes.join('; ')}`,
    models,
  };
  fs.writeFileSync(file, `${JSON.stringify(calibration, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'calibrate', models: Object.keys(models) })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
