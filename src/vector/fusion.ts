// Hybrid ranking: the vector and keyword rankings of one query fused into one, as a pure function so that its
// rules are tested directly (test/vector/fusion.test.ts) rather than only through searches.

/** A ranked passage of a record: several chunks of one record may match. */
export interface Candidate {
  entityType: string;
  entityId: string;
  chunk: number;
  score: number;
  matched?: ('vector' | 'keyword')[];
  /** Keyword side: share of the query's terms the passage holds. */
  coverage?: number;
}

export interface FusionOptions {
  /** Weight of the vector side, 0..1; the keyword side gets the rest. */
  vectorWeight: number;
  /** `weighted`: normalised scores; `rrf`: reciprocal rank fusion (k = 60), weighted the same way. */
  fusion: 'weighted' | 'rrf';
}

export const RRF_K = 60;

/**
 * One candidate per record, scored from both sides: `weighted` adds the vector score (cosine, negatives as 0)
 * and the keyword score divided by the query's best keyword score; `rrf` adds weight / (60 + rank) per side.
 * A record only one side found gets nothing from the other, and a record whose only side carries no weight
 * (vectorWeight 0 or 1) is left out: it is not a match at all. Unordered; the caller sorts after hydration.
 */
export function fuseRankings(
  vectorMatches: readonly Candidate[],
  keywordMatches: readonly Candidate[],
  { vectorWeight: w, fusion }: FusionOptions,
): Candidate[] {
  const vectorBest = bestPerEntity(vectorMatches);
  const keywordBest = bestPerEntity(keywordMatches);
  const topKeyword = Math.max(0, ...[...keywordBest.values()].map((match) => match.score));
  const vectorRanks = rankOf(vectorBest);
  const keywordRanks = rankOf(keywordBest);
  const fused: Candidate[] = [];
  for (const key of new Set([...vectorBest.keys(), ...keywordBest.keys()])) {
    const fromVector = vectorBest.get(key);
    const fromKeyword = keywordBest.get(key);
    const score =
      fusion === 'rrf'
        ? (fromVector ? w / (RRF_K + vectorRanks.get(key)!) : 0) +
          (fromKeyword ? (1 - w) / (RRF_K + keywordRanks.get(key)!) : 0)
        : w * Math.max(0, fromVector?.score ?? 0) +
          (1 - w) * (fromKeyword && topKeyword > 0 ? fromKeyword.score / topKeyword : 0);
    if (score <= 0) continue;
    fused.push(fusedCandidate(fromVector, fromKeyword, score));
  }
  return fused;
}

/** One record found by either side or both, with the fused score and which sides found it. */
export function fusedCandidate(
  fromVector: Candidate | undefined,
  fromKeyword: Candidate | undefined,
  score: number,
): Candidate {
  const source = (fromVector ?? fromKeyword)!;
  return {
    entityType: source.entityType,
    entityId: source.entityId,
    // The keyword side's passage is the one that holds the query's words: the better snippet.
    chunk: (fromKeyword ?? fromVector)!.chunk,
    score,
    matched: [...(fromVector ? ['vector' as const] : []), ...(fromKeyword ? ['keyword' as const] : [])],
  };
}

/** The best-scoring passage of each record. */
export function bestPerEntity<T extends Candidate>(matches: readonly T[]): Map<string, T> {
  const best = new Map<string, T>();
  for (const match of matches) {
    const key = `${match.entityType}:${match.entityId}`;
    if ((best.get(key)?.score ?? -Infinity) < match.score) best.set(key, match);
  }
  return best;
}

/** 1-based ranks by score. */
function rankOf(candidates: Map<string, Candidate>): Map<string, number> {
  const ordered = [...candidates].sort(([, a], [, b]) => b.score - a.score);
  return new Map(ordered.map(([key], index) => [key, index + 1]));
}
