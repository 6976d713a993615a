// The whole search API over HTTP on each hosted backend: the adapters talking to the contract servers, and to a
// real Milvus (Milvus Lite, over gRPC) where the machine has it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../support/app.ts';
import { milvusLiteCommand, startMilvusLite } from '../support/milvus-lite.ts';
import { startMilvusServer } from '../support/milvus-server.ts';

const milvusLite = milvusLiteCommand();

import { startPineconeServer } from '../support/pinecone-server.ts';

const backends: {
  name: string;
  skip?: string | false;
  start(): Promise<{ stop(): Promise<void>; env: Record<string, string> }>;
}[] = [
  {
    name: 'pinecone',
    async start() {
      const server = await startPineconeServer({ apiKey: 'pc-e2e', index: 'crm-e2e', dimension: 384 });
      return {
        stop: () => server.close(),
        env: {
          VECTOR_DB_BACKEND: 'pinecone',
          PINECONE_API_KEY: 'pc-e2e',
          PINECONE_INDEX: 'crm-e2e',
          PINECONE_CONTROLLER_HOST: server.url,
        },
      };
    },
  },
  {
    name: 'milvus',
    async start() {
      const server = await startMilvusServer({ token: 'root:Milvus' });
      return {
        stop: () => server.close(),
        env: { VECTOR_DB_BACKEND: 'milvus', MILVUS_ADDRESS: server.url, MILVUS_TOKEN: 'root:Milvus' },
      };
    },
  },
  {
    name: 'milvus-lite (gRPC)',
    skip: milvusLite.skip,
    async start() {
      const server = await startMilvusLite(milvusLite.command!);
      return {
        stop: () => server.stop(),
        env: { VECTOR_DB_BACKEND: 'milvus', MILVUS_ADDRESS: server.address, MILVUS_PROTOCOL: 'grpc' },
      };
    },
  },
];

for (const backend of backends) {
  describe(`search over HTTP on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    test('records are indexed on write and found by semantic, hybrid and similar search; stats name the backend', async () => {
      const { stop, env } = await backend.start();
      const app = await startTestApp(env);
      try {
        const tenant = await app.newTenant();
        const base = `/api/workspaces/${tenant.workspaceId}`;
        await tenant.api.post(`${base}/contacts/batch`, {
          records: [
            { id: 'c-1', name: 'Dana Ortiz', email: 'dana@acme.example', notes: 'Owns the data migration.' },
            { id: 'c-2', name: 'Lee Park', email: 'lee@globex.example', notes: 'Runs the loyalty campaign.' },
          ],
        });
        await tenant.api.post(`${base}/deals`, { id: 'd-1', name: 'Data migration for Acme' });
        await app.vector.indexer.idle();

        const vector = `/api/vector/${tenant.workspaceId}`;
        const semantic = await tenant.api.post(`${vector}/search`, { query: 'data migration', topK: 3 });
        assert.equal(semantic.status, 200);
        assert.deepEqual(
          semantic.body.results
            .slice(0, 2)
            .map((hit: { entityId: string }) => hit.entityId)
            .sort(),
          ['c-1', 'd-1'],
        );
        const hybrid = await tenant.api.post(`${vector}/hybrid-search`, { query: 'lee@globex.example' });
        assert.equal(hybrid.body.results[0].entityId, 'c-2');
        const similar = await tenant.api.get(`${vector}/similar/deal/d-1`);
        assert.equal(similar.status, 200);
        assert.ok(similar.body.results.every((hit: { entityId: string }) => hit.entityId !== 'd-1'));

        await tenant.api.delete(`${base}/contacts/c-1`);
        await app.vector.indexer.idle();
        const after = await tenant.api.post(`${vector}/search`, { query: 'data migration', topK: 3 });
        assert.ok(after.body.results.every((hit: { entityId: string }) => hit.entityId !== 'c-1'));

        const stats = await tenant.api.get(`${vector}/stats`);
        assert.equal(stats.body.backend, backend.name.split(' ')[0]!.replace('-lite', ''));
        assert.equal(stats.body.vectorsByType.contact, 1);
        assert.equal(stats.body.vectorsByType.deal, 1);
      } finally {
        await app.close();
        await stop();
      }
    });
  });
}
