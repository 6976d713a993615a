// Scores users can threshold. A raw score means nothing across models (cosine ranges differ by embedder;
// BM25 grows with the corpus), so every hit's score is a calibrated probability that it is relevant, fitted
// per embedder on the judged dev set (bench/relevance/calibrate.ts writes calibration.json):
//   vector side:  P = σ(cos·c + lift·l + bias)             (semantic search)
//   both sides:   P = σ(cos·c + lift·l + coverage·k + keyword·r + bias)  (hybrid search)
// `cos` is the record's best-passage cosine, `lift` how far it stands above the query's other candidates (a
// query that matches nothing leaves every candidate at the same level), `coverage` the share of the query's
// words the record holds and `keyword` its keyword score relative to the query's best keyword match (both 0
// when the keyword side did not find it). So `minScore: 0.7` means
// "at least 70% likely relevant" with any model, and what only the vector side found under NOISE_FLOOR is
// never returned (a record holding the query's words is a lexical match, kept in hybrid search).
import calibration from './calibration.json' with { type: 'json' };
import { bestPerEntity, type Candidate, fusedCandidate } from './fusion.ts';

export interface RelevanceModel {
  vector: { cos: number; lift: number; bias: number };
  hybrid: { cos: number; lift: number; coverage: number; keyword: number; bias: number };
  /** The keyword side alone, for a weighted mix (explicit vectorWeight). */
  keyword: { coverage: number; keyword: number; bias: number };
}

export interface Calibration {
  /** What the model was fitted on and how well it ranks (cross-validated), for the record. */
  fittedOn: string;
  models: Record<string, RelevanceModel & { vectorWeight: number }>;
}

/**
 * Vector-only results less likely than this to be relevant are noise: a query that only finds noise gets none.
 * Chosen on the dev set: 0.1 cost all-MiniLM-L6-v2's hybrid 0.018 nDCG@10, and nonsense still finds nothing.
 */
export const NOISE_FLOOR = 0.05;

const table = calibration as Calibration;

/**
 * The relevance model for an embedder: its own calibration when the dev set measured it (matched by model
 * name, whatever the dtype), else the generic one for pretrained sentence models, or for the local embedder.
 */
export function relevanceModelFor(embedderModel: string): RelevanceModel & { vectorWeight: number } {
  const exact = Object.entries(table.models).find(([name]) => embedderModel.includes(name));
  if (exact) return exact[1];
  return embedderModel.startsWith('local-') ? table.models['local-lexical']! : table.models.pretrained!;
}

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

export interface SideScores {
  /** Best-passage cosine per record (key `type:id`). */
  vector: Map<string, Candidate>;
  /** Keyword score relative to the query's best, per record. */
  keyword: Map<string, Candidate>;
  /** Mean cosine of the query's vector candidates: the level a match must stand out from. */
  vectorLevel: number;
}

/** The query's candidates from both sides, one per record, with the features the model reads. */
export function sideScores(
  vectorMatches: readonly Candidate[],
  keywordMatches: readonly Candidate[],
): SideScores {
  const vector = bestPerEntity(vectorMatches);
  const keywordBest = bestPerEntity(keywordMatches);
  const topKeyword = Math.max(0, ...[...keywordBest.values()].map((match) => match.score));
  const keyword = new Map(
    [...keywordBest].map(([key, match]) => [
      key,
      { ...match, score: topKeyword > 0 ? match.score / topKeyword : 0 },
    ]),
  );
  const cosines = [...vector.values()].map((match) => match.score);
  const vectorLevel = cosines.length > 0 ? cosines.reduce((a, b) => a + b, 0) / cosines.length : 0;
  return { vector, keyword, vectorLevel };
}

/** Semantic search: each record's probability from its vector side alone. */
export function vectorRelevance(sides: SideScores, model: RelevanceModel): Candidate[] {
  const { cos, lift, bias } = model.vector;
  return [...sides.vector.values()].map((match) => ({
    ...match,
    score: sigma(cos * match.score + lift * (match.score - sides.vectorLevel) + bias),
  }));
}

/**
 * Hybrid search. By default one probability from both sides' evidence; with an explicit `vectorWeight`,
 * the weighted mean of each side's own probability.
 */
export function hybridRelevance(
  sides: SideScores,
  model: RelevanceModel,
  vectorWeight?: number,
): Candidate[] {
  const h = model.hybrid;
  const out: Candidate[] = [];
  for (const key of new Set([...sides.vector.keys(), ...sides.keyword.keys()])) {
    const fromVector = sides.vector.get(key);
    const fromKeyword = sides.keyword.get(key);
    const cos = fromVector?.score ?? 0;
    const lift = fromVector ? cos - sides.vectorLevel : 0;
    const keyword = fromKeyword?.score ?? 0;
    const coverage = fromKeyword?.coverage ?? 0;
    let score: number;
    if (vectorWeight === undefined) {
      score = sigma(h.cos * cos + h.lift * lift + h.coverage * coverage + h.keyword * keyword + h.bias);
    } else {
      const v = model.vector;
      const k = model.keyword;
      const pVector = fromVector ? sigma(v.cos * cos + v.lift * lift + v.bias) : 0;
      const pKeyword = fromKeyword ? sigma(k.coverage * coverage + k.keyword * keyword + k.bias) : 0;
      score = vectorWeight * pVector + (1 - vectorWeight) * pKeyword;
    }
    out.push(fusedCandidate(fromVector, fromKeyword, score));
  }
  return out;
}

/**
 * The hybrid results worth returning: at least `minScore`, and what only the vector side found also above the
 * noise floor. A record that holds the query's words is a lexical match, however unlikely the model finds it.
 */
export function aboveFloor(candidates: readonly Candidate[], minScore: number): Candidate[] {
  const floor = Math.max(minScore, NOISE_FLOOR);
  return candidates.filter(
    (candidate) => candidate.score >= (candidate.matched?.includes('keyword') ? minScore : floor),
  );
}
