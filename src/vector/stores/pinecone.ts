// Pinecone through its official SDK: one index for the deployment, one namespace per workspace (Pinecone's
// recommendation for multi-tenancy). Chunk ids are `<type>#<id>#<chunk>`, so an entity's chunks are found
// by listing an id prefix (Pinecone's documented pattern for chunked documents); each namespace holds one
// bookkeeping record with the embedding model that filled it.
import { Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import { retryingFetch } from '../../platform/retry.ts';
import {
  assertSameModel,
  batches,
  chunkId,
  entitiesOf,
  entityPrefix,
  guardBackend,
  NAMESPACE_RECORD_TYPE,
  type NamespaceRecord,
  NamespaceRecordCache,
  namespaceInfo,
  namespaceRecordVector,
  parseChunkId,
  searchedTypes,
} from './remote-records.ts';
import type { NamespaceInfo, QueryOptions, VectorItem, VectorMatch, VectorStore } from './vector-store.ts';

export interface PineconeStoreOptions {
  apiKey: string;
  /** The index name; its host is looked up once through the control plane. */
  index: string;
  /** The index's data-plane host, when known (skips the lookup). */
  indexHost?: string;
  /** The control plane, https://api.pinecone.io unless testing. */
  controllerHostUrl?: string;
  retries?: number;
}

interface ChunkMetadata extends RecordMetadata {
  entityType: string;
  entityId: string;
  chunk: number;
}

const NAMESPACE_RECORD_ID = NAMESPACE_RECORD_TYPE;
/** Pinecone's limits: 1000 vectors per upsert request (we stay well under the 2 MB body cap), 1000 ids per delete. */
const UPSERT_BATCH = 100;
const DELETE_BATCH = 1000;

export class PineconeVectorStore implements VectorStore {
  readonly backend = 'pinecone' as const;
  private readonly index;
  private readonly records = new NamespaceRecordCache();

  constructor(options: PineconeStoreOptions) {
    const client = new Pinecone({
      apiKey: options.apiKey,
      ...(options.controllerHostUrl ? { controllerHostUrl: options.controllerHostUrl } : {}),
      // One retry policy for every call (429 included, which the SDK does not retry): ours.
      maxRetries: 0,
      fetchApi: retryingFetch({ retries: options.retries ?? 4 }),
    });
    this.index = client.index<RecordMetadata>({
      name: options.index,
      ...(options.indexHost ? { host: options.indexHost } : {}),
    });
  }

  async upsert(namespace: string, model: string, items: readonly VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const dimensions = items[0]!.vector.length;
    const space = this.index.namespace(namespace);
    await guardBackend('pinecone', async () => {
      const record = await this.readNamespaceRecord(namespace);
      if (record) assertSameModel(record, model, dimensions);
      const written = new Set(items.map(chunkId));
      const stale: string[] = [];
      for (const prefix of entitiesOf(items).keys())
        for (const id of await this.listIds(namespace, prefix)) if (!written.has(id)) stale.push(id);
      for (const batch of batches(items, UPSERT_BATCH)) {
        await space.upsert({
          records: batch.map((item) => ({
            id: chunkId(item),
            values: Array.from(item.vector),
            metadata: { entityType: item.entityType, entityId: item.entityId, chunk: item.chunk },
          })),
        });
      }
      for (const batch of batches(stale, DELETE_BATCH)) await space.deleteMany({ ids: batch });
      await this.writeNamespaceRecord(namespace, {
        model,
        dimensions,
        lastIndexedAt: new Date().toISOString(),
      });
    });
  }

  async deleteEntity(namespace: string, entityType: string, entityId: string): Promise<number> {
    return guardBackend('pinecone', async () => {
      const ids = await this.listIds(namespace, entityPrefix(entityType, entityId));
      for (const batch of batches(ids, DELETE_BATCH))
        await this.index.namespace(namespace).deleteMany({ ids: batch });
      return ids.length;
    });
  }

  async query(
    namespace: string,
    model: string,
    vector: Float32Array,
    options: QueryOptions,
  ): Promise<VectorMatch[]> {
    return guardBackend('pinecone', async () => {
      const record = await this.records.get(namespace, () => this.readNamespaceRecord(namespace));
      if (!record) return [];
      assertSameModel(record, model, vector.length);
      const types = searchedTypes(options);
      const response = await this.index.namespace(namespace).query({
        vector: Array.from(vector),
        topK: options.topK,
        includeMetadata: true,
        // Also keeps the namespace record out of the results: it has no entityType.
        filter: { entityType: { $in: [...types] } },
      });
      return (response.matches ?? []).flatMap((match) => {
        const metadata = match.metadata as ChunkMetadata | undefined;
        const key = metadata
          ? { entityType: metadata.entityType, entityId: metadata.entityId, chunk: Number(metadata.chunk) }
          : parseChunkId(match.id);
        return key ? [{ ...key, score: match.score ?? 0 }] : [];
      });
    });
  }

  async info(namespace: string): Promise<NamespaceInfo | null> {
    return guardBackend('pinecone', async () => {
      const record = await this.readNamespaceRecord(namespace);
      if (!record) return null;
      // Serverless indexes count per namespace only; per type, the ids are listed by prefix.
      return namespaceInfo(record, async (type) => (await this.listIds(namespace, `${type}#`)).length);
    });
  }

  async exists(namespace: string): Promise<boolean> {
    return guardBackend('pinecone', async () => (await this.readNamespaceRecord(namespace)) !== undefined);
  }

  async drop(namespace: string): Promise<void> {
    await guardBackend('pinecone', async () => {
      if (await this.readNamespaceRecord(namespace)) await this.index.namespace(namespace).deleteAll();
      this.records.set(namespace, undefined);
    });
  }

  /** Acknowledged writes are already stored by the service. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private async readNamespaceRecord(namespace: string): Promise<NamespaceRecord | undefined> {
    const response = await this.index.namespace(namespace).fetch({ ids: [NAMESPACE_RECORD_ID] });
    const metadata = response.records?.[NAMESPACE_RECORD_ID]?.metadata;
    if (!metadata) return undefined;
    return {
      model: String(metadata.model),
      dimensions: Number(metadata.dimensions),
      lastIndexedAt: metadata.lastIndexedAt ? String(metadata.lastIndexedAt) : null,
    };
  }

  private async writeNamespaceRecord(namespace: string, record: NamespaceRecord): Promise<void> {
    this.records.set(namespace, record);
    await this.index.namespace(namespace).upsert({
      records: [
        {
          id: NAMESPACE_RECORD_ID,
          values: namespaceRecordVector(record.dimensions),
          metadata: {
            model: record.model,
            dimensions: record.dimensions,
            lastIndexedAt: record.lastIndexedAt ?? '',
          },
        },
      ],
    });
  }

  private async listIds(namespace: string, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    let paginationToken: string | undefined;
    do {
      const page = await this.index
        .namespace(namespace)
        .listPaginated({ prefix, limit: 100, ...(paginationToken ? { paginationToken } : {}) });
      for (const vector of page.vectors ?? []) if (vector.id) ids.push(vector.id);
      paginationToken = page.pagination?.next;
    } while (paginationToken);
    return ids;
  }
}
