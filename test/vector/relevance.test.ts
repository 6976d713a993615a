// The calibrated relevance (src/vector/relevance.ts) as a pure function: probabilities in 0..1 that grow with
// each kind of evidence, a flat field of candidates (a query that matches nothing) staying under the noise
// floor, and models chosen by the embedder's name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candidate } from '../../src/vector/fusion.ts';
import {
  aboveFloor,
  hybridRelevance,
  NOISE_FLOOR,
  relevanceModelFor,
  sideScores,
  vectorRelevance,
} from '../../src/vector/relevance.ts';

const match = (entityId: string, score: number, extra: Partial<Candidate> = {}): Candidate => ({
  entityType: 'contact',
  entityId,
  chunk: 0,
  score,
  ...extra,
});

describe('calibrated relevance', () => {
  const model = relevanceModelFor('onnx:all-MiniLM-L6-v2:fp32');

  test('each embedder gets its own fit, unknown ones the fit of their kind', () => {
    assert.equal(relevanceModelFor('onnx:Xenova/all-MiniLM-L6-v2:q8'), model);
    assert.notEqual(relevanceModelFor('local-lexical-v1-384'), model);
    assert.ok(relevanceModelFor('onnx:some/other-model:fp32'));
    assert.ok(relevanceModelFor('text-embedding-3-small'));
  });

  test('a record that stands out in meaning is likely relevant; a flat field of candidates is noise', () => {
    const standout = vectorRelevance(
      sideScores([match('a', 0.62), match('b', 0.2), match('c', 0.18), match('d', 0.15)], []),
      model,
    );
    const [best] = standout.sort((x, y) => y.score - x.score);
    assert.equal(best!.entityId, 'a');
    assert.ok(best!.score > 0.5, `${best!.score}`);
    const flat = vectorRelevance(
      sideScores([match('a', 0.23), match('b', 0.22), match('c', 0.21), match('d', 0.2)], []),
      model,
    );
    assert.ok(
      flat.every((candidate) => candidate.score < NOISE_FLOOR),
      JSON.stringify(flat),
    );
  });

  test('the noise floor drops unlikely vector-only matches, never a record that holds the query’s words', () => {
    const unlikely = NOISE_FLOOR / 2;
    const candidates = [
      match('meaning', unlikely, { matched: ['vector'] }),
      match('words', unlikely, { matched: ['vector', 'keyword'] }),
      match('likely', 0.6, { matched: ['vector'] }),
    ];
    assert.deepEqual(
      aboveFloor(candidates, 0).map((candidate) => candidate.entityId),
      ['words', 'likely'],
    );
    assert.deepEqual(
      aboveFloor(candidates, 0.5).map((candidate) => candidate.entityId),
      ['likely'],
      'minScore holds for every result',
    );
  });

  test('probabilities stay in 0..1 and grow with keyword evidence', () => {
    const vector = [match('a', 0.4), match('b', 0.4), match('c', 0.1)];
    const keyword = [match('a', 8, { coverage: 1 }), match('b', 2, { coverage: 0.25 })];
    const scored = hybridRelevance(sideScores(vector, keyword), model);
    const score = (id: string) => scored.find((candidate) => candidate.entityId === id)!.score;
    assert.ok(scored.every((candidate) => candidate.score > 0 && candidate.score < 1));
    assert.ok(score('a') > score('b'), 'all the query’s words beat a quarter of them');
    assert.ok(score('b') > score('c'));
    assert.deepEqual(scored.find((candidate) => candidate.entityId === 'a')!.matched, ['vector', 'keyword']);
  });

  test('an explicit vector weight mixes the two sides’ own probabilities', () => {
    const sides = sideScores([match('a', 0.6), match('b', 0.1)], [match('b', 5, { coverage: 1 })]);
    const vectorOnly = hybridRelevance(sides, model, 1);
    const keywordOnly = hybridRelevance(sides, model, 0);
    const pick = (list: Candidate[], id: string) =>
      list.find((candidate) => candidate.entityId === id)!.score;
    assert.ok(pick(vectorOnly, 'a') > pick(vectorOnly, 'b'));
    assert.equal(pick(keywordOnly, 'a'), 0, 'no keyword evidence, no weight on the vector side');
    assert.ok(pick(keywordOnly, 'b') > 0);
  });
});
