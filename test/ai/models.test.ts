// Embedding models as a user gets them: `crm-ai models pull` from a stand-in hub (the hub's file layout and
// checksums, on a random port), `models import` for air-gapped installs, `models list`; and
// EMBEDDING_PROVIDER=auto: the pulled default model, OpenAI when a key is set, else the local embedder while
// the default model downloads in the background (then a switch and a reindex), and one warning offline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { HubError, pullModel } from '../../src/ai/models/hub.ts';
import { ModelStore } from '../../src/ai/models/model-store.ts';
import { startTestApp } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';
import { type HubServer, startHubServer } from '../support/hub-server.ts';
import { startEmbeddingsServer } from '../support/openai-embeddings-server.ts';
import { buildTinyEmbeddingModel } from '../support/tiny-onnx-model.ts';

const run = promisify(execFile);
const HUB_ID = 'acme/tiny-embedder';
let work: string;
let hub: HubServer;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-models-'));
  const model = buildTinyEmbeddingModel(path.join(work, 'source', 'tiny-embedder'));
  hub = await startHubServer({ [HUB_ID]: model.directory });
});
after(async () => {
  await hub.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const freshStore = () => new ModelStore(fs.mkdtempSync(path.join(work, 'data-')));

describe('models pull, import and list', () => {
  test('pull downloads the files the product needs, verified, with progress, then lists the model', async () => {
    const store = freshStore();
    const progress: number[] = [];
    const model = await pullModel(store, HUB_ID, {
      endpoint: hub.url,
      onProgress: (received) => progress.push(received),
    });
    assert.equal(model.id, HUB_ID);
    assert.deepEqual(model.dtypes, ['fp32']);
    assert.equal(model.dimensions, 16);
    assert.ok(progress.length > 0 && progress.at(-1) === model.files.reduce((sum, f) => sum + f.bytes, 0));
    assert.deepEqual(
      store.list().map((installed) => installed.id),
      [HUB_ID],
    );
    assert.ok(fs.existsSync(path.join(model.directory, 'onnx', 'model.onnx')));
  });

  test('a file whose checksum does not match is refused and nothing is installed', async () => {
    const store = freshStore();
    hub.corrupt('onnx/model.onnx');
    try {
      await assert.rejects(
        pullModel(store, HUB_ID, { endpoint: hub.url }),
        /does not match the hub's checksum/,
      );
    } finally {
      hub.corrupt(undefined);
    }
    assert.deepEqual(store.list(), []);
    assert.equal(store.find(HUB_ID), undefined);
  });

  test('unknown models and malformed ids fail with what went wrong', async () => {
    const store = freshStore();
    await assert.rejects(pullModel(store, 'acme/missing', { endpoint: hub.url }), /answered 404/);
    await assert.rejects(pullModel(store, 'not an id', { endpoint: hub.url }), HubError);
  });

  test('import installs a copied directory; a directory shipping only model_quantized.onnx loads as q8', async () => {
    const quantizedOnly = path.join(work, 'quantized-only');
    fs.cpSync(path.join(work, 'source', 'tiny-embedder'), quantizedOnly, { recursive: true });
    fs.renameSync(
      path.join(quantizedOnly, 'onnx', 'model.onnx'),
      path.join(quantizedOnly, 'onnx', 'model_quantized.onnx'),
    );
    const store = freshStore();
    const model = await store.import(quantizedOnly, 'tiny-q8');
    assert.deepEqual(model.dtypes, ['q8']);
    const { createOnnxEmbedder } = await import('../../src/ai/embedders/onnx.ts');
    const embedder = await createOnnxEmbedder({ modelPath: model.directory });
    assert.equal(embedder.model, 'onnx:tiny-q8:q8');
    await assert.rejects(store.import(path.join(work, 'source')), /config\.json/);
  });

  test('the command line pulls from HF_ENDPOINT and lists what is installed', async () => {
    const dataDir = fs.mkdtempSync(path.join(work, 'cli-'));
    const env = { ...process.env, DATA_DIR: dataDir, HF_ENDPOINT: hub.url, LOG_LEVEL: 'warn' };
    const pulled = await run('node', ['bin/crm-ai.js', 'models', 'pull', HUB_ID, '--no-progress'], { env });
    assert.equal(JSON.parse(pulled.stdout).id, HUB_ID);
    const listed = JSON.parse((await run('node', ['bin/crm-ai.js', 'models', 'list'], { env })).stdout);
    assert.deepEqual(
      listed.map((model: { id: string; dimensions: number }) => [model.id, model.dimensions]),
      [[HUB_ID, 16]],
    );
  });
});

describe('EMBEDDING_PROVIDER=auto', () => {
  test('without a model it serves the local embedder, downloads the default in the background, then switches and reindexes', async () => {
    const server = await startTestApp({
      EMBEDDING_PROVIDER: 'auto',
      MODEL_AUTO_PULL: 'true',
      HF_ENDPOINT: hub.url,
      EMBEDDING_DEFAULT_MODEL: HUB_ID,
    });
    try {
      const tenant = await server.newTenant();
      await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/documents`, {
        title: 'Data migration for Acme',
        content: 'the legacy crm data migration for acme',
      });
      const stats = () => tenant.api.get(`/api/vector/${tenant.workspaceId}/stats`);
      const switched = await eventually(
        stats,
        // Switching and reindexing are two steps: the stats may show the new model a moment before the
        // rebuilt index (PostgreSQL runs showed it); what must hold is that the index ends up rebuilt.
        (response) =>
          response.body.model === 'onnx:acme/tiny-embedder:fp32' &&
          response.body.vectors === 1 &&
          response.body.needsReindex === false,
      );
      assert.equal(switched.body.needsReindex, false, 'the index was rebuilt with the new model');
      assert.equal(switched.body.vectors, 1);
      const found = await tenant.api.post(`/api/vector/${tenant.workspaceId}/hybrid-search`, {
        query: 'data migration',
      });
      assert.equal(found.body.model, 'onnx:acme/tiny-embedder:fp32');
      assert.equal(found.body.results[0]?.title, 'Data migration for Acme');
    } finally {
      await server.close();
    }
  });

  test('a pulled default model serves from the start; offline, the local embedder serves with one warning', async () => {
    const pulled = await startTestApp({
      EMBEDDING_PROVIDER: 'auto',
      HF_ENDPOINT: hub.url,
      EMBEDDING_DEFAULT_MODEL: HUB_ID,
    });
    const dataDir = pulled.env.DATA_DIR!;
    await pulled.close();
    await pullModel(new ModelStore(dataDir), HUB_ID, { endpoint: hub.url });
    const again = await startTestApp({
      EMBEDDING_PROVIDER: 'auto',
      EMBEDDING_DEFAULT_MODEL: HUB_ID,
      DATA_DIR: dataDir,
    });
    try {
      assert.equal(again.vector.service.model, 'onnx:acme/tiny-embedder:fp32');
    } finally {
      await again.close();
    }

    const lines: { level: number; msg: string }[] = [];
    const offline = await startTestApp(
      {
        EMBEDDING_PROVIDER: 'auto',
        MODEL_AUTO_PULL: 'true',
        HF_ENDPOINT: 'http://127.0.0.1:9',
        LOG_LEVEL: 'info',
      },
      undefined,
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    try {
      assert.equal(offline.vector.service.model, 'local-lexical-v1-384');
      await eventually(
        async () => lines.filter((line) => line.level === 40 && /local lexical embedder/.test(line.msg)),
        (warnings) => warnings.length === 1,
      );
    } finally {
      await offline.close();
    }
  });

  test('with OPENAI_API_KEY and nothing else chosen, OpenAI text-embedding-3-small (1536 dimensions)', async () => {
    const embeddings = await startEmbeddingsServer({ apiKey: 'sk-test', dimensions: 1536 });
    const server = await startTestApp({
      EMBEDDING_PROVIDER: 'auto',
      OPENAI_API_KEY: 'sk-test',
      EMBEDDING_BASE_URL: embeddings.url,
    });
    try {
      assert.equal(server.vector.service.model, 'text-embedding-3-small');
      assert.equal(server.vector.service.dimensions, 1536);
    } finally {
      await server.close();
      await embeddings.close();
    }
  });
});
