import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tokenize } from '../../src/ai/embedders/lexical-features.ts';
import { createLocalEmbedder, IdfTable } from '../../src/ai/embedders/local.ts';
import { createOnnxEmbedder } from '../../src/ai/embedders/onnx.ts';
import { createOpenAiEmbedder } from '../../src/ai/embedders/openai.ts';
import type { UpstreamError } from '../../src/platform/json-client.ts';
import { fakeEmbedding, startEmbeddingsServer } from '../support/openai-embeddings-server.ts';
import { buildTinyEmbeddingModel } from '../support/tiny-onnx-model.ts';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
const norm = (v: Float32Array) => Math.sqrt(cosine(v, v));

describe('local lexical embedder', () => {
  test('deterministic, normalised vectors of the configured size', async () => {
    const embedder = createLocalEmbedder({ dimensions: 256 });
    const [a, b] = await embedder.embed(['Enterprise CRM rollout', 'Enterprise CRM rollout']);
    assert.equal(a!.length, 256);
    assert.deepEqual(a, b);
    assert.ok(Math.abs(norm(a!) - 1) < 1e-6);
    assert.equal(embedder.model, 'local-lexical-v1-256');
    assert.throws(() => createLocalEmbedder({ dimensions: 3 }), /dimensions/);
  });

  test('shared words and spellings score higher than unrelated text', async () => {
    const embedder = createLocalEmbedder();
    const [query, close, variant, unrelated] = await embedder.embed([
      'data migration from legacy CRM',
      'They asked for data migration from their legacy CRM and training.',
      'migrating legacy data',
      'Quarterly business review of the loyalty campaign.',
    ]);
    assert.ok(cosine(query!, close!) > 0.4, 'many shared words');
    assert.ok(cosine(query!, variant!) > cosine(query!, unrelated!) + 0.1, 'trigrams relate word forms');
  });

  test('emails and domains are words and parts', () => {
    assert.deepEqual(tokenize('Mail Dana.Ortiz@Acme.com'), [
      'mail',
      'dana.ortiz@acme.com',
      'dana',
      'ortiz',
      'acme',
      'com',
    ]);
    assert.deepEqual(tokenize('Café Zürich'), ['cafe', 'zurich']);
  });

  test('IDF fitted on a corpus weighs rare terms above common ones and changes the model name', async () => {
    const corpus = Array.from(
      { length: 50 },
      (_, i) => `Acme account note ${i % 5 === 0 ? 'security questionnaire' : 'renewal'}`,
    );
    const idf = IdfTable.fit(corpus);
    assert.ok(idf.weight('w:security') > idf.weight('w:acme'));
    const plain = createLocalEmbedder();
    const weighted = createLocalEmbedder({ idf });
    assert.match(weighted.model, /^local-lexical-v1-384-idf\.[0-9a-f]{12}$/);
    const texts = ['Acme security', 'Acme renewal'];
    const [p1, p2] = await plain.embed(texts);
    const [w1, w2] = await weighted.embed(texts);
    assert.ok(cosine(w1!, w2!) < cosine(p1!, p2!), 'the common word "acme" counts for less');
    assert.equal(IdfTable.fromJSON(JSON.parse(JSON.stringify(idf))).fingerprint, idf.fingerprint);
  });
});

describe('OpenAI-compatible embedder against a contract server', () => {
  test('batches inputs, keeps their order and normalises', async () => {
    const server = await startEmbeddingsServer({ apiKey: 'sk-test', dimensions: 8 });
    try {
      const embedder = createOpenAiEmbedder({
        baseUrl: server.url,
        apiKey: 'sk-test',
        model: 'text-embedding-3-small',
        dimensions: 8,
        batchSize: 2,
      });
      const texts = ['one', 'two', 'three', 'four', 'five'];
      const vectors = await embedder.embed(texts);
      assert.equal(server.requests.length, 3);
      assert.deepEqual(
        server.requests.map((r) => r.inputs.length),
        [2, 2, 1],
      );
      const expected = Float32Array.from(fakeEmbedding('three', 8));
      const scale = 1 / norm(expected);
      for (const [i, value] of vectors[2]!.entries())
        assert.ok(Math.abs(value - expected[i]! * scale) < 1e-6);
    } finally {
      await server.close();
    }
  });

  test('retries 429 (honouring Retry-After) and 500, then succeeds', async () => {
    const server = await startEmbeddingsServer({ apiKey: 'k', dimensions: 4 });
    try {
      server.failNext({ status: 429, headers: { 'retry-after-ms': '20' } }, { status: 500 }, { status: 503 });
      const embedder = createOpenAiEmbedder({ baseUrl: server.url, apiKey: 'k', model: 'm', dimensions: 4 });
      const [vector] = await embedder.embed(['hello']);
      assert.equal(vector!.length, 4);
      assert.equal(server.requests.length, 4);
    } finally {
      await server.close();
    }
  });

  test('gives up after bounded retries, and never retries a client error', async () => {
    const server = await startEmbeddingsServer({ apiKey: 'k', dimensions: 4 });
    try {
      server.failNext(...Array.from({ length: 5 }, () => ({ status: 500 })));
      const embedder = createOpenAiEmbedder({
        baseUrl: server.url,
        apiKey: 'k',
        model: 'm',
        dimensions: 4,
        maxRetries: 2,
      });
      await assert.rejects(embedder.embed(['x']), (error: UpstreamError) => error.status === 500);
      assert.equal(server.requests.length, 3);

      const wrongKey = createOpenAiEmbedder({
        baseUrl: server.url,
        apiKey: 'wrong',
        model: 'm',
        dimensions: 4,
      });
      await assert.rejects(wrongKey.embed(['x']), (error: UpstreamError) => error.status === 401);

      const wrongSize = createOpenAiEmbedder({
        baseUrl: server.url,
        apiKey: 'k',
        model: 'm',
        dimensions: 16,
      });
      server.failNext();
      await assert.rejects(wrongSize.embed(['x']), /returned 4 dimensions; configured 16/);
    } finally {
      await server.close();
    }
  });
});

describe('ONNX embedder', () => {
  const fixture = path.resolve('../shared/fixtures/models/tiny-bert-embed');
  test('matches the fixture model’s reference vectors within 1e-5', {
    skip: !fs.existsSync(fixture) && 'no ../shared here',
  }, async () => {
    const reference = JSON.parse(
      fs.readFileSync(path.join(fixture, 'reference_embeddings.json'), 'utf8'),
    ) as {
      sentences: string[];
      embeddings: number[][];
    };
    const embedder = await createOnnxEmbedder({ modelPath: fixture });
    assert.equal(embedder.dimensions, 32);
    const vectors = await embedder.embed(reference.sentences);
    for (const [row, vector] of vectors.entries()) {
      for (const [i, value] of vector.entries()) {
        assert.ok(Math.abs(value - reference.embeddings[row]![i]!) < 1e-5, `row ${row} dim ${i}`);
      }
    }
  });

  test('a model the suite builds itself gives the vectors computed independently, batched and padded', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-onnx-'));
    try {
      const model = buildTinyEmbeddingModel(path.join(directory, 'tiny-embedder'));
      const embedder = await createOnnxEmbedder({ modelPath: model.directory, batchSize: 2 });
      assert.equal(embedder.dimensions, 16);
      assert.equal(embedder.model, 'onnx:tiny-embedder:fp32');
      // Different lengths in one batch: padding must not leak into the mean; an unknown word maps to [UNK].
      const sentences = [
        'Data migration for Acme',
        'the security review of single sign on and audit logs with the Initech team',
        'zebra renewal',
      ];
      const vectors = await embedder.embed(sentences);
      for (const [row, sentence] of sentences.entries()) {
        const expected = model.expectedEmbedding(sentence);
        for (const [i, value] of vectors[row]!.entries()) {
          assert.ok(
            Math.abs(value - expected[i]!) < 1e-5,
            `${sentence}: dim ${i} ${value} vs ${expected[i]}`,
          );
        }
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a model directory with missing files fails at start with the missing path', async () => {
    await assert.rejects(createOnnxEmbedder({ modelPath: '/nonexistent/model' }), /missing .*config\.json/);
  });
});
