// A real pretrained model (all-MiniLM-L6-v2, converted by scripts/test-models.sh) through the product: the
// ONNX embedder reproduces PyTorch's vectors, the int8 weights stay close, long texts are cut at the model's
// window; indexing, semantic, hybrid and similar search over HTTP find records by meaning, exact names come
// first, and a nonsense query gets nothing, with the reason.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOnnxEmbedder } from '../../src/ai/embedders/onnx.ts';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { realModel } from '../support/real-models.ts';

const model = realModel();
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('a real embedding model', { skip: model.skip }, () => {
  test('reproduces the PyTorch reference vectors (fp32) and stays close with int8 weights', async () => {
    const reference = JSON.parse(
      fs.readFileSync(path.join(model.directory!, 'reference_embeddings.json'), 'utf8'),
    ) as { sentences: string[]; embeddings: number[][] };
    const fp32 = await createOnnxEmbedder({ modelPath: model.directory! });
    assert.equal(fp32.model, 'onnx:all-MiniLM-L6-v2:fp32');
    assert.equal(fp32.dimensions, 384);
    const vectors = await fp32.embed(reference.sentences);
    for (const [row, vector] of vectors.entries())
      for (const [i, value] of vector.entries())
        assert.ok(Math.abs(value - reference.embeddings[row]![i]!) < 1e-4, `row ${row} dim ${i}`);
    const q8 = await createOnnxEmbedder({ modelPath: model.directory!, dtype: 'q8' });
    const quantized = await q8.embed(reference.sentences);
    for (const [row, vector] of quantized.entries()) assert.ok(cosine(vector, vectors[row]!) > 0.93);
  });

  test('a text longer than the model’s window is cut, not refused', async () => {
    const embedder = await createOnnxEmbedder({ modelPath: model.directory! });
    assert.equal(embedder.maxTokens, 256);
    const long = 'renewal risk '.repeat(600);
    const [vector] = await embedder.embed([long]);
    assert.equal(vector!.length, 384);
  });

  describe('through the HTTP API', () => {
    let server: TestApp;
    let tenant: Tenant;
    before(async () => {
      server = await startTestApp({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_PATH: model.directory! });
      tenant = await server.newTenant();
      const base = `/api/workspaces/${tenant.workspaceId}`;
      await tenant.api.post(`${base}/contacts/batch`, {
        records: [
          {
            id: 'c-dana',
            name: 'Dana Whitfield',
            company: 'Pinewood Retail',
            notes:
              'Frustrated that getting the first stores live took three months; the setup process was painful.',
          },
          {
            id: 'c-jonas',
            name: 'Jonas Keller',
            company: 'Kessler Logistik',
            notes: 'Insists personal data stays inside the European Union.',
          },
          {
            id: 'c-ruth',
            name: 'Ruth Bennett',
            company: 'Meridian Insurance',
            notes: 'Focused on cost per claim.',
          },
        ],
      });
      await tenant.api.post(`${base}/documents`, {
        id: 'doc-sso',
        title: 'Setting up single sign-on with Okta',
        content: 'Create a SAML app in Okta, paste our metadata URL and enable SCIM provisioning.',
      });
      await server.vector.indexer.idle();
    });
    after(() => server.close());

    const post = (path: string, body: object) =>
      tenant.api.post(`/api/vector/${tenant.workspaceId}/${path}`, body);

    test('a question in other words than the record’s finds it by meaning, with a calibrated score', async () => {
      const res = await post('search', { query: 'who had a hard time getting started with our product?' });
      assert.equal(res.status, 200);
      assert.equal(res.body.model, 'onnx:all-MiniLM-L6-v2:fp32');
      assert.equal(res.body.results[0].entityId, 'c-dana');
      assert.ok(res.body.results[0].score > 0 && res.body.results[0].score <= 1);
      const hybrid = await post('hybrid-search', { query: 'where must customer data be stored?' });
      assert.equal(hybrid.body.results[0].entityId, 'c-jonas');
    });

    test('an exact name comes first; similar records exclude the record itself', async () => {
      const exact = await post('hybrid-search', { query: 'Ruth Bennett' });
      assert.equal(exact.body.results[0].entityId, 'c-ruth');
      const similar = await tenant.api.get(
        `/api/vector/${tenant.workspaceId}/similar/contact/c-dana?entityTypes=contact`,
      );
      assert.equal(similar.status, 200);
      assert.ok(similar.body.results.every((hit: { entityId: string }) => hit.entityId !== 'c-dana'));
    });

    test('a nonsense query returns nothing and says why', async () => {
      for (const path of ['search', 'hybrid-search']) {
        const res = await post(path, { query: 'zzqqxxnothing' });
        assert.deepEqual(res.body.results, [], path);
        assert.match(res.body.reason, /no record is likely relevant/);
      }
    });
  });
});
