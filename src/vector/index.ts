// Wires the search module: embedder, vector store, service, indexer and routes.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Ai } from '../ai/index.ts';
import type { Crm } from '../crm/index.ts';
import { mountRoutes } from '../platform/http/mount.ts';
import type { Platform } from '../platform/index.ts';
import { reportQueueDepth } from '../platform/queue/job-queue.ts';
import { Indexer, type IndexerStats } from './indexer.ts';
import { KeywordRepository } from './keyword-repository.ts';
import { registerVectorMetrics } from './metrics.ts';
import { INDEXING_QUEUE, QueuedIndexer } from './queued-indexer.ts';
import { registerVectorRoutes } from './routes.ts';
import { VectorService } from './service.ts';
import { LocalVectorStore } from './stores/local.ts';
import type { VectorStore } from './stores/vector-store.ts';

/** What keeps the index in step with the records: in this process, or through the cluster's queue. */
export interface RecordIndexer {
  start(events: Platform['events']): void;
  stats(): IndexerStats;
  /** Indexes the record changes that a crash left unsettled; returns how many it took up. */
  recover(): Promise<number>;
  /** Resolves once every change so far is in the index. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface Vector {
  service: VectorService;
  indexer: RecordIndexer;
  store: VectorStore;
  /** Resolves when the start-up check for lost namespaces has finished. */
  repaired: Promise<void>;
  close(): Promise<void>;
}

async function repairLostNamespaces(
  platform: Platform,
  crm: Crm,
  service: VectorService,
  store: VectorStore,
) {
  try {
    for (const workspaceId of await crm.identity.listAllWorkspaceIds()) {
      if (await store.exists(workspaceId)) continue;
      const stats = await service.stats(workspaceId);
      if (Object.values(stats.records).every((count) => count === 0)) continue;
      const report = await service.rebuild(workspaceId);
      platform.log.info({ workspaceId, ...report, missing: undefined }, 'rebuilt a missing search index');
    }
  } catch (error) {
    platform.log.error({ err: error }, 'rebuilding missing search indexes failed; run `crm-ai index`');
  }
}

async function recoverUnsettled(platform: Platform, indexer: RecordIndexer) {
  try {
    await indexer.recover();
  } catch (error) {
    platform.log.error({ err: error }, 'replaying unindexed record changes failed; run `crm-ai index`');
  }
}

export async function createVector(
  platform: Platform,
  crm: Crm,
  ai: Ai,
  options: { repair?: boolean } = {},
): Promise<Vector> {
  const store = await createStore(platform);
  const { embedder } = ai.registry;
  const keywords = new KeywordRepository(platform.database.kysely, platform.database.engine);
  const service = new VectorService(store, embedder, crm.records, platform.cache, keywords);
  // The default model arrived after start (EMBEDDING_PROVIDER=auto): every index is rebuilt with it.
  ai.registry.onEmbedderChange(async (next) => {
    const previous = service.currentEmbedder;
    service.useEmbedder(next);
    await previous.close?.();
    for (const workspaceId of await crm.identity.listAllWorkspaceIds()) await service.rebuild(workspaceId);
  });
  const { queue } = platform;
  let indexer: RecordIndexer;
  // The embedded engine indexes in this process (its own batching queue); a shared queue spreads the work
  // over the cluster's workers.
  if (queue.shared) {
    const queued = new QueuedIndexer(queue, service, crm.records, platform.log);
    if (platform.config.jobs.run) queued.consume();
    indexer = queued;
  } else {
    indexer = new Indexer(service, crm.records, platform.log);
  }
  indexer.start(platform.events);
  registerVectorMetrics(
    platform.metrics,
    () => crm.identity.listAllWorkspaceIds(),
    store,
    indexer,
    !queue.shared,
  );
  if (queue.shared) reportQueueDepth(queue, platform.metrics, [INDEXING_QUEUE]);
  // Index files are an acceleration structure: when a workspace's are missing (first start after seeding,
  // or lost), they are rebuilt from the records in the background while the instance serves.
  // Then the changes a crash left unindexed are replayed (see Indexer); a worker-less API instance in a
  // cluster leaves that to the workers' sweep.
  const replaysChanges = !queue.shared || platform.config.jobs.run;
  const repairing =
    options.repair === false
      ? Promise.resolve()
      : repairLostNamespaces(platform, crm, service, store).then(async () => {
          if (replaysChanges) await recoverUnsettled(platform, indexer);
        });
  return {
    service,
    indexer,
    store,
    repaired: repairing,
    async close() {
      await repairing;
      await indexer.stop();
      await store.close();
    },
  };
}

/** The hosted backends' SDKs load only when chosen: the Milvus SDK alone takes half a second to import. */
async function createStore(platform: Platform): Promise<VectorStore> {
  const vector = platform.config.vector;
  switch (vector.backend) {
    case 'local':
      return new LocalVectorStore({
        directory: path.join(platform.config.dataDir, 'vectors'),
        onWriteError: (error, namespace) =>
          platform.log.error(
            { err: error, namespace },
            'writing the vector index to disk failed; retried on the next change',
          ),
      });
    case 'pinecone': {
      const { PineconeVectorStore } = await import('./stores/pinecone.ts');
      return new PineconeVectorStore(vector);
    }
    case 'milvus': {
      const { MilvusVectorStore } = await import('./stores/milvus.ts');
      return new MilvusVectorStore(vector);
    }
  }
}

export function registerVectorModule(app: FastifyInstance, vector: Vector): void {
  mountRoutes(app, '/api/vector', (routes) => registerVectorRoutes(routes, vector.service));
}
