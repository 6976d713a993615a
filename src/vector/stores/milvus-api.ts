// The few Milvus operations the store uses, over either protocol of the official SDK: the RESTful API v2
// (`HttpClient`) or gRPC (`MilvusClient`, what Milvus Lite serves). Milvus serves both on port 19530;
// MILVUS_PROTOCOL chooses. Replies are normalised here so the store reads one shape.
import { DataType, HttpClient, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { retryingFetch } from '../../platform/retry.ts';

export interface MilvusRow {
  pk: string;
  workspace_id: string;
  entity_type: string;
  entity_id: string;
  chunk: number;
  model: string;
  indexed_at: string;
  vector: number[];
}

export interface MilvusConnection {
  address: string;
  token?: string;
  database?: string;
  protocol?: 'rest' | 'grpc';
  retries?: number;
  timeoutMs?: number;
}

export interface SearchRequest {
  vector: number[];
  filter: string;
  limit: number;
  ef: number;
  outputFields: string[];
}

export interface MilvusApi {
  hasCollection(collection: string): Promise<boolean>;
  /** The collection (one per deployment, workspace as partition key) with its HNSW index, ready to search. */
  createCollection(collection: string, dimensions: number): Promise<void>;
  /** The vector field's size, when the collection exists. */
  dimensions(collection: string): Promise<number | undefined>;
  upsert(collection: string, rows: MilvusRow[]): Promise<void>;
  query<T>(collection: string, filter: string, outputFields: string[], limit?: number): Promise<T[]>;
  search<T>(collection: string, request: SearchRequest): Promise<(T & { distance: number })[]>;
  delete(collection: string, filter: string): Promise<void>;
  close(): Promise<void>;
}

const ID_LENGTH = 512;
/** The schema, in the REST API's spelling; the gRPC form is derived from it. */
const FIELDS = [
  { name: 'pk', maxLength: ID_LENGTH, primary: true },
  { name: 'workspace_id', maxLength: 64, partitionKey: true },
  { name: 'entity_type', maxLength: 32 },
  { name: 'entity_id', maxLength: 256 },
  { name: 'chunk', int64: true },
  { name: 'model', maxLength: 256 },
  { name: 'indexed_at', maxLength: 32 },
] as const;
const HNSW = { M: 16, efConstruction: 200 };

export function connectMilvus(options: MilvusConnection): MilvusApi {
  return options.protocol === 'grpc' ? grpcApi(options) : restApi(options);
}

interface Reply<T> {
  code: number;
  data: T;
  message?: string;
}

/** The REST API answers 200 with a non-zero `code` for refused requests. */
async function expect<T>(pending: Promise<Reply<T>>): Promise<Reply<T>> {
  const reply = await pending;
  if (reply.code !== 0) throw new Error(`Milvus error ${reply.code}: ${reply.message ?? 'no message'}`);
  return reply;
}

function restApi(options: MilvusConnection): MilvusApi {
  const endpoint = /^https?:\/\//.test(options.address) ? options.address : `http://${options.address}`;
  const client = new HttpClient({
    endpoint,
    ...(options.token ? { token: options.token } : {}),
    ...(options.database ? { database: options.database } : {}),
    timeout: options.timeoutMs ?? 30_000,
    fetch: retryingFetch({ retries: options.retries ?? 4 }),
  });
  return {
    async hasCollection(collectionName) {
      const reply = await expect(
        client.hasCollection({ collectionName, dbName: options.database ?? 'default' }),
      );
      return (reply.data as { has: boolean }).has;
    },
    async createCollection(collectionName, dimensions) {
      await expect(
        client.createCollection({
          collectionName,
          schema: {
            fields: [
              ...FIELDS.map((field) =>
                'int64' in field
                  ? { fieldName: field.name, dataType: 'Int64' }
                  : {
                      fieldName: field.name,
                      dataType: 'VarChar',
                      elementTypeParams: { max_length: field.maxLength },
                      ...('primary' in field ? { isPrimary: true } : {}),
                      ...('partitionKey' in field ? { isPartitionKey: true } : {}),
                    },
              ),
              { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: dimensions } },
            ],
          },
          indexParams: [
            {
              fieldName: 'vector',
              indexName: 'vector_hnsw',
              metricType: 'COSINE',
              params: { index_type: 'HNSW', M: String(HNSW.M), efConstruction: String(HNSW.efConstruction) },
            },
          ],
        } as never),
      );
    },
    async dimensions(collectionName) {
      const reply = await expect(client.describeCollection({ collectionName }));
      // The SDK's type for this reply predates `params`; the REST API sends each field's `dim` there.
      const fields = (
        reply.data as unknown as { fields?: { name: string; params?: { key: string; value: string }[] }[] }
      ).fields;
      const dim = fields?.find((field) => field.name === 'vector')?.params?.find((p) => p.key === 'dim');
      return dim ? Number(dim.value) : undefined;
    },
    async upsert(collectionName, rows) {
      await expect(client.upsert({ collectionName, data: rows as never }));
    },
    async query<T>(collectionName: string, filter: string, outputFields: string[], limit?: number) {
      const reply = await expect(
        client.query({ collectionName, filter, outputFields, ...(limit ? { limit } : {}) }),
      );
      return (reply.data ?? []) as T[];
    },
    async search<T>(collectionName: string, request: SearchRequest) {
      const reply = await expect(
        client.search({
          collectionName,
          data: [request.vector],
          annsField: 'vector',
          filter: request.filter,
          limit: request.limit,
          outputFields: request.outputFields,
          searchParams: { metricType: 'COSINE', params: { ef: request.ef } },
        }),
      );
      return ((reply.data ?? []) as unknown as (T & { distance: number | string })[]).map((hit) => ({
        ...hit,
        distance: Number(hit.distance),
      }));
    },
    async delete(collectionName, filter) {
      await expect(client.delete({ collectionName, filter }));
    },
    async close() {},
  };
}

/** gRPC replies carry a status with `error_code`; anything but Success is a failure. */
function ok<
  T extends { error_code?: string | number; status?: { error_code?: string | number; reason?: string } },
>(reply: T): T {
  const status = reply.status ?? reply;
  if (status.error_code !== undefined && status.error_code !== 'Success' && status.error_code !== 0)
    throw new Error(`Milvus error ${status.error_code}: ${(status as { reason?: string }).reason ?? ''}`);
  return reply;
}

function grpcApi(options: MilvusConnection): MilvusApi {
  const client = new MilvusClient({
    address: options.address.replace(/^grpc:\/\//, ''),
    ...(options.token ? { token: options.token } : {}),
    ...(options.database ? { database: options.database } : {}),
    timeout: options.timeoutMs ?? 30_000,
  });
  return {
    async hasCollection(collection_name) {
      return Boolean(ok(await client.hasCollection({ collection_name })).value);
    },
    async createCollection(collection_name, dimensions) {
      ok(
        await client.createCollection({
          collection_name,
          fields: [
            ...FIELDS.map((field) =>
              'int64' in field
                ? { name: field.name, data_type: DataType.Int64 }
                : {
                    name: field.name,
                    data_type: DataType.VarChar,
                    max_length: field.maxLength,
                    ...('primary' in field ? { is_primary_key: true } : {}),
                    ...('partitionKey' in field ? { is_partition_key: true } : {}),
                  },
            ),
            { name: 'vector', data_type: DataType.FloatVector, dim: dimensions },
          ],
        }),
      );
      ok(
        await client.createIndex({
          collection_name,
          field_name: 'vector',
          index_name: 'vector_hnsw',
          index_type: 'HNSW',
          metric_type: 'COSINE',
          params: HNSW,
        }),
      );
      ok(await client.loadCollection({ collection_name }));
    },
    async dimensions(collection_name) {
      const reply = ok(await client.describeCollection({ collection_name }));
      const dim = reply.schema.fields
        .find((field) => field.name === 'vector')
        ?.type_params?.find((param) => param.key === 'dim');
      return dim ? Number(dim.value) : undefined;
    },
    async upsert(collection_name, rows) {
      ok(await client.upsert({ collection_name, data: rows as never }));
    },
    async query<T>(collection_name: string, filter: string, output_fields: string[], limit?: number) {
      const reply = ok(
        await client.query({ collection_name, filter, output_fields, ...(limit ? { limit } : {}) }),
      );
      return (reply.data ?? []) as T[];
    },
    async search<T>(collection_name: string, request: SearchRequest) {
      const reply = ok(
        await client.search({
          collection_name,
          data: [request.vector],
          anns_field: 'vector',
          filter: request.filter,
          limit: request.limit,
          output_fields: request.outputFields,
          metric_type: 'COSINE',
          params: { ef: request.ef },
        }),
      );
      return (reply.results as unknown as (T & { score: number })[]).map((hit) => ({
        ...hit,
        distance: Number(hit.score),
      }));
    },
    async delete(collection_name, filter) {
      ok(await client.delete({ collection_name, filter }));
    },
    async close() {
      await client.closeConnection();
    },
  };
}
