import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Candidate, fuseRankings, RRF_K } from '../../src/vector/fusion.ts';

const hit = (entityId: string, score: number, chunk = 0): Candidate => ({
  entityType: 'contact',
  entityId,
  chunk,
  score,
});

/** Fused scores by record id, rounded, for readable expectations. */
function scores(fused: Candidate[]): Record<string, number> {
  return Object.fromEntries(
    fused.map((candidate) => [candidate.entityId, Number(candidate.score.toFixed(4))]),
  );
}

describe('hybrid fusion', () => {
  const cases: {
    name: string;
    vector: Candidate[];
    keyword: Candidate[];
    vectorWeight: number;
    fusion: 'weighted' | 'rrf';
    expected: Record<string, number>;
  }[] = [
    {
      name: 'weighted: vector cosine plus keyword score over the best keyword score',
      vector: [hit('a', 0.8), hit('b', 0.4)],
      keyword: [hit('b', 10), hit('c', 5)],
      vectorWeight: 0.7,
      fusion: 'weighted',
      expected: { a: 0.56, b: 0.58, c: 0.15 },
    },
    {
      name: 'weighted: a negative cosine counts as 0, never against the record',
      vector: [hit('a', -0.2)],
      keyword: [hit('a', 3)],
      vectorWeight: 0.5,
      fusion: 'weighted',
      expected: { a: 0.5 },
    },
    {
      name: 'weighted: vectorWeight 1 drops records only the keyword side found',
      vector: [hit('a', 0.9)],
      keyword: [hit('b', 4)],
      vectorWeight: 1,
      fusion: 'weighted',
      expected: { a: 0.9 },
    },
    {
      name: 'weighted: vectorWeight 0 is keyword search alone',
      vector: [hit('a', 0.9)],
      keyword: [hit('b', 4), hit('c', 2)],
      vectorWeight: 0,
      fusion: 'weighted',
      expected: { b: 1, c: 0.5 },
    },
    {
      name: 'rrf: weight over 60 plus the rank on each side',
      vector: [hit('a', 0.9), hit('b', 0.1)],
      keyword: [hit('b', 7)],
      vectorWeight: 0.5,
      fusion: 'rrf',
      expected: {
        a: Number((0.5 / (RRF_K + 1)).toFixed(4)),
        b: Number((0.5 / (RRF_K + 2) + 0.5 / (RRF_K + 1)).toFixed(4)),
      },
    },
    {
      name: 'rrf ignores score scales: the same ranks give the same fused scores',
      vector: [hit('a', 0.31), hit('b', 0.3)],
      keyword: [hit('a', 900), hit('b', 1)],
      vectorWeight: 0.5,
      fusion: 'rrf',
      expected: {
        a: Number((1 / (RRF_K + 1)).toFixed(4)),
        b: Number((1 / (RRF_K + 2)).toFixed(4)),
      },
    },
    {
      name: 'nothing found on either side is nothing',
      vector: [],
      keyword: [],
      vectorWeight: 0.7,
      fusion: 'weighted',
      expected: {},
    },
  ];

  for (const { name, vector, keyword, vectorWeight, fusion, expected } of cases) {
    test(name, () => {
      assert.deepEqual(scores(fuseRankings(vector, keyword, { vectorWeight, fusion })), expected);
    });
  }

  test('one candidate per record, its best chunk; the snippet comes from the keyword side’s passage', () => {
    const fused = fuseRankings([hit('a', 0.2, 0), hit('a', 0.9, 3)], [hit('a', 5, 1), hit('a', 2, 2)], {
      vectorWeight: 0.5,
      fusion: 'weighted',
    });
    assert.equal(fused.length, 1);
    assert.equal(fused[0]!.score, 0.5 * 0.9 + 0.5);
    assert.equal(fused[0]!.chunk, 1);
    assert.deepEqual(fused[0]!.matched, ['vector', 'keyword']);
  });
});
