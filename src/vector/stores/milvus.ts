// Milvus through the official SDK (@zilliz/milvus2-sdk-node), over its RESTful API v2 or gRPC (milvus-api.ts):
// one collection for the deployment with the workspace as its partition key, Milvus's recommended layout for many tenants. Every expression is scoped to one workspace.
// Each workspace has one bookkeeping row with the embedding model that filled it.
import { AppError } from '../../platform/errors.ts';
import { connectMilvus, type MilvusApi, type MilvusRow } from './milvus-api.ts';
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
  searchedTypes,
} from './remote-records.ts';
import type { NamespaceInfo, QueryOptions, VectorItem, VectorMatch, VectorStore } from './vector-store.ts';

export interface MilvusStoreOptions {
  /** `host:port` or a URL; Milvus serves gRPC and REST on the same port (19530). */
  address: string;
  /** `rest` (the RESTful API v2, default) or `grpc` (what Milvus Lite serves). */
  protocol?: 'rest' | 'grpc';
  token?: string;
  database?: string;
  collection: string;
  retries?: number;
  timeoutMs?: number;
  /** HNSW search effort. */
  ef?: number;
}

type Row = MilvusRow;

const UPSERT_BATCH = 200;

export class MilvusVectorStore implements VectorStore {
  readonly backend = 'milvus' as const;
  private readonly api: MilvusApi;
  private readonly records = new NamespaceRecordCache();
  private collectionReady: Promise<void> | undefined;
  private collectionDimensions: number | undefined;

  constructor(private readonly options: MilvusStoreOptions) {
    this.api = connectMilvus(options);
  }

  async upsert(namespace: string, model: string, items: readonly VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const dimensions = items[0]!.vector.length;
    await guardBackend('milvus', async () => {
      await this.ensureCollection(dimensions);
      const record = await this.readNamespaceRecord(namespace);
      if (record) assertSameModel(record, model, dimensions);
      if (this.collectionDimensions !== dimensions) {
        throw AppError.conflict(
          `the Milvus collection ${this.options.collection} holds ${this.collectionDimensions}-d vectors; the model makes ${dimensions}-d`,
        );
      }
      const entities = entitiesOf(items);
      const existing = await this.select<Pick<Row, 'pk' | 'entity_type' | 'entity_id'>>(
        `${this.scope(namespace)} and entity_id in ${list([...entities.values()].map((entity) => entity.entityId))}`,
        ['pk', 'entity_type', 'entity_id'],
      );
      const indexedAt = new Date().toISOString();
      const rows: Row[] = items.map((item) => ({
        pk: rowId(namespace, chunkId(item)),
        workspace_id: namespace,
        entity_type: item.entityType,
        entity_id: item.entityId,
        chunk: item.chunk,
        model,
        indexed_at: indexedAt,
        vector: Array.from(item.vector),
      }));
      for (const batch of batches(rows, UPSERT_BATCH)) await this.api.upsert(this.options.collection, batch);
      const written = new Set(rows.map((row) => row.pk));
      // Chunks of the rewritten entities that the new items did not rewrite (the id query matches any type).
      const stale = existing
        .filter((row) => entities.has(entityPrefix(row.entity_type, row.entity_id)) && !written.has(row.pk))
        .map((row) => row.pk);
      if (stale.length > 0) await this.deleteWhere(`${this.scope(namespace)} and pk in ${list(stale)}`);
      await this.writeNamespaceRecord(namespace, { model, dimensions, lastIndexedAt: indexedAt });
    });
  }

  async deleteEntity(namespace: string, entityType: string, entityId: string): Promise<number> {
    return guardBackend('milvus', async () => {
      if (!(await this.collectionExists())) return 0;
      const where = `${this.scope(namespace)} and entity_type == ${quote(entityType)} and entity_id == ${quote(entityId)}`;
      const rows = await this.select<{ pk: string }>(where, ['pk']);
      if (rows.length > 0)
        await this.deleteWhere(`${this.scope(namespace)} and pk in ${list(rows.map((row) => row.pk))}`);
      return rows.length;
    });
  }

  async query(
    namespace: string,
    model: string,
    vector: Float32Array,
    options: QueryOptions,
  ): Promise<VectorMatch[]> {
    return guardBackend('milvus', async () => {
      const record = await this.records.get(namespace, () => this.readNamespaceRecord(namespace));
      if (!record) return [];
      assertSameModel(record, model, vector.length);
      const types = searchedTypes(options);
      const hits = await this.api.search<Row>(this.options.collection, {
        vector: Array.from(vector),
        filter: `${this.scope(namespace)} and entity_type in ${list(types)}`,
        limit: options.topK,
        outputFields: ['entity_type', 'entity_id', 'chunk'],
        ef: Math.max(this.options.ef ?? 128, options.topK),
      });
      return hits.map((hit) => ({
        entityType: hit.entity_type,
        entityId: hit.entity_id,
        chunk: Number(hit.chunk),
        score: Number(hit.distance),
      }));
    });
  }

  async info(namespace: string): Promise<NamespaceInfo | null> {
    return guardBackend('milvus', async () => {
      const record = await this.readNamespaceRecord(namespace);
      if (!record) return null;
      return namespaceInfo(record, async (type) => {
        const [row] = await this.select<{ 'count(*)': number | string }>(
          `${this.scope(namespace)} and entity_type == ${quote(type)}`,
          ['count(*)'],
        );
        return Number(row?.['count(*)'] ?? 0);
      });
    });
  }

  async exists(namespace: string): Promise<boolean> {
    return guardBackend('milvus', async () => (await this.readNamespaceRecord(namespace)) !== undefined);
  }

  async drop(namespace: string): Promise<void> {
    await guardBackend('milvus', async () => {
      if (await this.collectionExists()) await this.deleteWhere(this.scope(namespace));
      this.records.set(namespace, undefined);
    });
  }

  /** Acknowledged writes are already stored by the service. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.api.close();
  }

  /** The workspace clause every expression starts with: the partition key prunes the search to one tenant. */
  private scope(namespace: string): string {
    return `workspace_id == ${quote(namespace)}`;
  }

  private async collectionExists(): Promise<boolean> {
    if (this.collectionDimensions !== undefined) return true;
    if (!(await this.api.hasCollection(this.options.collection))) return false;
    this.collectionDimensions = await this.api.dimensions(this.options.collection);
    return true;
  }

  private ensureCollection(dimensions: number): Promise<void> {
    this.collectionReady ??= (async () => {
      if (await this.collectionExists()) return;
      await this.api.createCollection(this.options.collection, dimensions);
      this.collectionDimensions = dimensions;
    })().catch((error) => {
      this.collectionReady = undefined;
      throw error;
    });
    return this.collectionReady;
  }

  private async readNamespaceRecord(namespace: string): Promise<NamespaceRecord | undefined> {
    if (!(await this.collectionExists())) return undefined;
    const [row] = await this.select<Row>(
      `${this.scope(namespace)} and pk == ${quote(rowId(namespace, NAMESPACE_RECORD_TYPE))}`,
      ['model', 'indexed_at'],
    );
    if (!row) return undefined;
    return {
      model: row.model,
      dimensions: this.collectionDimensions ?? 0,
      lastIndexedAt: row.indexed_at || null,
    };
  }

  private async writeNamespaceRecord(namespace: string, record: NamespaceRecord): Promise<void> {
    const row: Row = {
      pk: rowId(namespace, NAMESPACE_RECORD_TYPE),
      workspace_id: namespace,
      entity_type: NAMESPACE_RECORD_TYPE,
      entity_id: '',
      chunk: 0,
      model: record.model,
      indexed_at: record.lastIndexedAt ?? '',
      vector: namespaceRecordVector(record.dimensions),
    };
    await this.api.upsert(this.options.collection, [row]);
    this.records.set(namespace, record);
  }

  private select<T>(filter: string, outputFields: string[]): Promise<T[]> {
    const counting = outputFields.includes('count(*)');
    return this.api.query<T>(this.options.collection, filter, outputFields, counting ? undefined : 16_384);
  }

  private async deleteWhere(filter: string): Promise<void> {
    await this.api.delete(this.options.collection, filter);
  }
}

function rowId(namespace: string, id: string): string {
  return `${namespace}#${id}`;
}

/** A string literal in a Milvus boolean expression. */
function quote(value: string): string {
  return JSON.stringify(value);
}

function list(values: readonly string[]): string {
  return `[${values.map(quote).join(', ')}]`;
}
