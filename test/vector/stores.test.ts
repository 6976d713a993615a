// One contract for every vector backend: the embedded engine, and the Pinecone and Milvus adapters driven by
// their official SDKs against local servers that follow those services' documented protocols.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalVectorStore } from '../../src/vector/stores/local.ts';
import { MilvusVectorStore } from '../../src/vector/stores/milvus.ts';
import { PineconeVectorStore } from '../../src/vector/stores/pinecone.ts';
import type { VectorItem, VectorStore } from '../../src/vector/stores/vector-store.ts';
import { milvusLiteCommand, startMilvusLite } from '../support/milvus-lite.ts';
import { type MilvusServer, startMilvusServer } from '../support/milvus-server.ts';

const milvusLite = milvusLiteCommand();

import { type PineconeServer, startPineconeServer } from '../support/pinecone-server.ts';

const DIMENSIONS = 8;
const MODEL = 'test-model-8';

/** A unit vector pointing mostly along `axis`, with a little of `tilt` so neighbours are ordered. */
function vector(axis: number, tilt = 0, amount = 0.1): Float32Array {
  const values = new Float32Array(DIMENSIONS);
  values[axis] = 1;
  values[tilt]! += amount;
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

function item(entityType: string, entityId: string, chunk: number, values: Float32Array): VectorItem {
  return { entityType, entityId, chunk, vector: values };
}

interface Backend {
  skip?: string | false;
  name: string;
  start(): Promise<{ store: VectorStore; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'local',
    async start() {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-vectors-'));
      const store = new LocalVectorStore({ directory });
      return {
        store,
        async stop() {
          await store.close();
          fs.rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'pinecone',
    async start() {
      const server = await startPineconeServer({
        apiKey: 'pc-test-key',
        index: 'crm-ai',
        dimension: DIMENSIONS,
        listPageSize: 2,
      });
      const store = new PineconeVectorStore({
        apiKey: 'pc-test-key',
        index: 'crm-ai',
        controllerHostUrl: server.url,
      });
      return { store, stop: () => server.close() };
    },
  },
  {
    name: 'milvus',
    async start() {
      const server = await startMilvusServer({ token: 'root:Milvus' });
      const store = new MilvusVectorStore({
        address: `127.0.0.1:${server.port}`,
        token: 'root:Milvus',
        collection: 'crm_ai_vectors',
      });
      return { store, stop: () => server.close() };
    },
  },
  {
    // A real Milvus (Milvus Lite, over gRPC) where the machine has it.
    name: 'milvus-lite (gRPC)',
    skip: milvusLite.skip,
    async start() {
      const server = await startMilvusLite(milvusLite.command!);
      const store = new MilvusVectorStore({
        address: server.address,
        protocol: 'grpc',
        collection: 'crm_ai_vectors',
      });
      return {
        store,
        stop: async () => {
          await store.close();
          await server.stop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`vector store contract: ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let store: VectorStore;
    let stop: () => Promise<void>;
    before(async () => {
      ({ store, stop } = await backend.start());
      await store.upsert('ws-a', MODEL, [
        item('contact', 'c1', 0, vector(0)),
        item('contact', 'c2', 0, vector(0, 1, 0.5)),
        item('deal', 'd1', 0, vector(0, 2, 0.3)),
        item('deal', 'd1', 1, vector(3)),
        item('lead', 'l1', 0, vector(4)),
      ]);
      await store.upsert('ws-b', MODEL, [item('contact', 'c1', 0, vector(5))]);
    });
    after(() => stop());

    test('nearest first with cosine scores, filtered by entity type, one namespace per workspace', async () => {
      const all = await store.query('ws-a', MODEL, vector(0), { topK: 3 });
      assert.deepEqual(
        all.map((match) => `${match.entityType}/${match.entityId}/${match.chunk}`),
        ['contact/c1/0', 'deal/d1/0', 'contact/c2/0'],
      );
      assert.ok(Math.abs(all[0]!.score - 1) < 1e-5, `the same vector scores 1, got ${all[0]!.score}`);
      assert.ok(all[1]!.score > all[2]!.score);

      const deals = await store.query('ws-a', MODEL, vector(0), { topK: 5, entityTypes: ['deal'] });
      assert.deepEqual(new Set(deals.map((match) => match.entityType)), new Set(['deal']));
      assert.equal(deals.length, 2);

      const other = await store.query('ws-b', MODEL, vector(0), { topK: 5 });
      assert.deepEqual(
        other.map((match) => match.entityId),
        ['c1'],
      );
      assert.ok(other[0]!.score < 0.5, 'ws-b holds its own c1, not ws-a’s');
      assert.deepEqual(await store.query('ws-none', MODEL, vector(0), { topK: 5 }), []);
    });

    test('rewriting an entity replaces all its chunks; a delete removes them and says how many', async () => {
      await store.upsert('ws-a', MODEL, [item('deal', 'd1', 0, vector(6))]);
      const deals = await store.query('ws-a', MODEL, vector(3), { topK: 5, entityTypes: ['deal'] });
      assert.deepEqual(
        deals.map((match) => `${match.entityId}/${match.chunk}`),
        ['d1/0'],
        'the old chunk 1 is gone',
      );
      assert.equal(await store.deleteEntity('ws-a', 'deal', 'd1'), 1);
      assert.equal(await store.deleteEntity('ws-a', 'deal', 'd1'), 0);
      assert.deepEqual(await store.query('ws-a', MODEL, vector(6), { topK: 5, entityTypes: ['deal'] }), []);
    });

    test('a namespace filled by another model is refused, never mixed', async () => {
      for (const attempt of [
        () => store.query('ws-a', 'other-model', vector(0), { topK: 1 }),
        () => store.upsert('ws-a', 'other-model', [item('contact', 'c9', 0, vector(1))]),
      ]) {
        await assert.rejects(attempt, (error: { code?: string; statusCode?: number }) => {
          assert.equal(error.code, 'INDEX_MODEL_MISMATCH');
          assert.equal(error.statusCode, 409);
          return true;
        });
      }
    });

    test('info counts vectors per type; drop empties the namespace and only it', async () => {
      const info = await store.info('ws-a');
      assert.ok(info);
      assert.equal(info.model, MODEL);
      assert.equal(info.dimensions, DIMENSIONS);
      assert.deepEqual(info.vectorsByType, { contact: 2, lead: 1 });
      assert.equal(info.vectors, 3);
      assert.ok(info.lastIndexedAt && Date.parse(info.lastIndexedAt) > Date.now() - 60_000);
      assert.equal(await store.info('ws-none'), null);

      assert.equal(await store.exists('ws-b'), true);
      await store.drop('ws-b');
      assert.equal(await store.exists('ws-b'), false);
      assert.deepEqual(await store.query('ws-b', MODEL, vector(5), { topK: 5 }), []);
      assert.equal((await store.query('ws-a', MODEL, vector(4), { topK: 1 }))[0]?.entityId, 'l1');
    });
  });
}

describe('embedded store on disk', () => {
  test('changes made while the index is written wait for the write, reach the next one, and survive a restart', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-vectors-'));
    // No timed writes: this test decides when the store writes.
    const store = new LocalVectorStore({ directory, flushDelayMs: 3_600_000 });
    try {
      const many = Array.from({ length: 12_000 }, (_, index) =>
        item(
          'contact',
          `c${index}`,
          0,
          vector(index % DIMENSIONS, (index + 1) % DIMENSIONS, (index % 97) / 97),
        ),
      );
      await store.upsert('ws', MODEL, many);
      const order: string[] = [];
      const writing = store.flush().then(() => order.push('write'));
      const changes = Promise.all([
        store.upsert('ws', MODEL, [item('lead', 'added-during-write', 0, vector(7))]),
        store.deleteEntity('ws', 'contact', 'c0'),
      ]);
      const searched = store.query('ws', MODEL, vector(3), { topK: 5 }).then((matches) => {
        order.push('search');
        return matches;
      });
      await Promise.all([writing, changes, searched]);
      assert.equal((await searched).length, 5);
      assert.deepEqual(order, ['search', 'write'], 'a search answers while the index is written');
      const written = JSON.parse(fs.readFileSync(path.join(directory, 'ws', 'meta.json'), 'utf8')) as {
        labels: [number, string, string, number][];
      };
      const writtenIds = new Set(written.labels.map(([, , entityId]) => entityId));
      assert.equal(written.labels.length, 12_000);
      assert.ok(
        writtenIds.has('c0') && !writtenIds.has('added-during-write'),
        'the changes waited for the write',
      );
      await store.close();

      const reopened = new LocalVectorStore({ directory });
      try {
        const info = await reopened.info('ws');
        assert.equal(info?.vectors, 12_000, 'one added and one deleted during the write');
        assert.equal(
          (await reopened.query('ws', MODEL, vector(7), { topK: 1, entityTypes: ['lead'] }))[0]?.entityId,
          'added-during-write',
        );
        assert.equal(await reopened.deleteEntity('ws', 'contact', 'c0'), 0, 'the delete was written too');
        assert.equal(
          fs.readdirSync(path.join(directory, 'ws')).filter((file) => file.startsWith('index-')).length,
          1,
          'older generations are removed',
        );
      } finally {
        await reopened.close();
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('a namespace dropped while it is written is gone; what is written to it afterwards starts afresh', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-vectors-'));
    const store = new LocalVectorStore({ directory, flushDelayMs: 3_600_000 });
    try {
      await store.upsert(
        'ws',
        MODEL,
        Array.from({ length: 12_000 }, (_, index) =>
          item('contact', `c${index}`, 0, vector(index % DIMENSIONS)),
        ),
      );
      const writing = store.flush();
      const dropped = store.drop('ws');
      assert.deepEqual(
        await store.query('ws', MODEL, vector(0), { topK: 1 }),
        [],
        'gone as soon as it is dropped',
      );
      const refilled = store.upsert('ws', MODEL, [item('lead', 'after-drop', 0, vector(2))]);
      await Promise.all([writing, dropped, refilled]);
      await store.close();
      const reopened = new LocalVectorStore({ directory });
      try {
        const info = await reopened.info('ws');
        assert.equal(info?.vectors, 1, 'only what was written after the drop');
        assert.deepEqual(info?.vectorsByType, { lead: 1 });
      } finally {
        await reopened.close();
      }
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('Pinecone adapter against the contract server', () => {
  let server: PineconeServer;
  before(async () => {
    server = await startPineconeServer({ apiKey: 'pc-key', index: 'crm', dimension: DIMENSIONS });
  });
  after(() => server.close());
  const store = (apiKey = 'pc-key') =>
    new PineconeVectorStore({ apiKey, index: 'crm', controllerHostUrl: server.url, retries: 3 });

  test('finds the data-plane host through describe-index once, and sends the API key', async () => {
    const pinecone = store();
    server.requests.length = 0;
    await pinecone.upsert('ws', MODEL, [item('contact', 'c1', 0, vector(0))]);
    await pinecone.query('ws', MODEL, vector(0), { topK: 1 });
    const describes = server.requests.filter((request) => request.path === '/indexes/crm');
    assert.equal(describes.length, 1);
    assert.ok(server.requests.every((request) => request.headers['api-key'] === 'pc-key'));
    assert.ok(server.requests.some((request) => request.path === '/vectors/upsert'));
  });

  test('429 (honouring Retry-After) and 503 are retried, then the call succeeds', async () => {
    const pinecone = store();
    await pinecone.upsert('ws', MODEL, [item('contact', 'c1', 0, vector(0))]);
    server.requests.length = 0;
    server.failNext(
      {
        status: 429,
        headers: { 'retry-after': '0.05' },
        body: { error: { code: 'RESOURCE_EXHAUSTED', message: 'slow down' } },
      },
      { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'try later' } } },
    );
    const matches = await pinecone.query('ws', MODEL, vector(0), { topK: 1 });
    assert.equal(matches[0]?.entityId, 'c1');
    assert.ok(server.requests.length >= 3);
  });

  test('bounded retries, then 503 VECTOR_BACKEND_UNAVAILABLE; a bad key is not retried', async () => {
    const pinecone = store();
    await pinecone.exists('ws');
    server.failNext(
      ...Array.from({ length: 4 }, () => ({
        status: 500,
        body: { error: { code: 'INTERNAL', message: 'boom' } },
      })),
    );
    await assert.rejects(pinecone.exists('ws'), { code: 'VECTOR_BACKEND_UNAVAILABLE', statusCode: 503 });

    server.requests.length = 0;
    await assert.rejects(store('wrong').exists('ws'), { code: 'VECTOR_BACKEND_UNAVAILABLE' });
    assert.equal(server.requests.length, 1, 'a 401 is final');
  });

  test('a vector of the wrong dimension is refused by the server, not stored', async () => {
    const pinecone = store();
    await assert.rejects(
      pinecone.upsert('ws-dim', 'm-4', [item('contact', 'x', 0, new Float32Array([1, 0, 0, 0]))]),
      { code: 'VECTOR_BACKEND_UNAVAILABLE' },
    );
    assert.equal(server.namespaces.get('ws-dim')?.size ?? 0, 0);
  });
});

describe('Milvus adapter against the contract server', () => {
  let server: MilvusServer;
  before(async () => {
    server = await startMilvusServer({ token: 'root:Milvus' });
  });
  after(() => server.close());
  const store = (token = 'root:Milvus') =>
    new MilvusVectorStore({ address: server.url, token, collection: 'crm', retries: 3 });

  test('creates one collection partitioned by workspace, with an HNSW COSINE index, and scopes every expression', async () => {
    const milvus = store();
    await milvus.upsert('ws-1', MODEL, [item('contact', 'c1', 0, vector(0))]);
    await milvus.upsert('ws-2', MODEL, [item('contact', 'c1', 0, vector(1))]);
    await milvus.query('ws-1', MODEL, vector(0), { topK: 2 });
    await milvus.deleteEntity('ws-2', 'contact', 'c1');
    const create = server.requests.find((request) => request.path.endsWith('/collections/create'));
    const body = create?.body as {
      schema: { fields: { fieldName: string; isPartitionKey?: boolean }[] };
      indexParams: { metricType: string; params: { index_type: string } }[];
    };
    assert.equal(body.schema.fields.find((field) => field.isPartitionKey)?.fieldName, 'workspace_id');
    assert.equal(body.indexParams[0]?.metricType, 'COSINE');
    assert.equal(body.indexParams[0]?.params.index_type, 'HNSW');
    const filters = server.requests
      .map((request) => (request.body as { filter?: string }).filter)
      .filter((filter): filter is string => filter !== undefined);
    assert.ok(filters.length > 0);
    for (const filter of filters) assert.match(filter, /^workspace_id == "ws-\d"( and |$)/, filter);
  });

  test('503s are retried; a refused request (non-zero code) and a bad token are not', async () => {
    const milvus = store();
    await milvus.exists('ws-1');
    server.failNext({ status: 503, body: { code: 503, message: 'proxy not healthy' } });
    assert.equal((await milvus.query('ws-1', MODEL, vector(0), { topK: 1 }))[0]?.entityId, 'c1');

    server.requests.length = 0;
    await assert.rejects(store('root:wrong').exists('ws-1'), (error: { code: string; message: string }) => {
      assert.equal(error.code, 'VECTOR_BACKEND_UNAVAILABLE');
      assert.match(error.message, /1800/);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });
});
