// What the hosted backends (Pinecone, Milvus) share: how a chunk is named, and a namespace record that
// remembers which embedding model filled the namespace, so a model change is reported instead of mixed.
import { entityTypeNames } from '../../crm/records/entity-types.ts';
import { AppError } from '../../platform/errors.ts';
import { VectorError } from '../errors.ts';
import type { NamespaceInfo, QueryOptions, VectorItem, VectorKey } from './vector-store.ts';

/** The entity type of each namespace's bookkeeping record; never a CRM type, so searches skip it. */
export const NAMESPACE_RECORD_TYPE = '__namespace__';

export interface NamespaceRecord {
  model: string;
  dimensions: number;
  lastIndexedAt: string | null;
}

/** `<type>#<id>#<chunk>`: an entity's chunks share a prefix, which Pinecone lists by. */
export function chunkId(key: VectorKey): string {
  return `${entityPrefix(key.entityType, key.entityId)}${key.chunk}`;
}

export function entityPrefix(entityType: string, entityId: string): string {
  return `${entityType}#${entityId}#`;
}

export function parseChunkId(id: string): VectorKey | undefined {
  const match = /^([^#]+)#(.+)#(\d+)$/.exec(id);
  return match ? { entityType: match[1]!, entityId: match[2]!, chunk: Number(match[3]) } : undefined;
}

/** The vector stored with the namespace record: engines refuse all-zero vectors, so a unit axis. */
export function namespaceRecordVector(dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[0] = 1;
  return vector;
}

export function assertSameModel(record: NamespaceRecord, model: string, dimensions: number): void {
  if (record.model !== model || record.dimensions !== dimensions) {
    throw VectorError.indexMismatch(`${model} (${dimensions}-d)`, `${record.model} (${record.dimensions}-d)`);
  }
}

/**
 * The entity types a query searches: those asked for, or every CRM type. Always a list, because naming the
 * types is also what keeps each namespace's bookkeeping record out of the results.
 */
export function searchedTypes(options: QueryOptions): readonly string[] {
  return options.entityTypes && options.entityTypes.length > 0 ? options.entityTypes : entityTypeNames;
}

/** Groups items by entity, so each entity's old chunks can be found and the ones not rewritten removed. */
export function entitiesOf(
  items: readonly VectorItem[],
): Map<string, { entityType: string; entityId: string }> {
  const entities = new Map<string, { entityType: string; entityId: string }>();
  for (const item of items)
    entities.set(entityPrefix(item.entityType, item.entityId), {
      entityType: item.entityType,
      entityId: item.entityId,
    });
  return entities;
}

/** A hosted vector backend failed after its retries; the search endpoints answer 503 with this code. */
export function backendUnavailable(backend: string, error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('VECTOR_BACKEND_UNAVAILABLE', 503, `${backend} failed: ${message.slice(0, 300)}`);
}

/**
 * Runs a call to a hosted backend: our own errors (a model mismatch) pass through; whatever the SDK still
 * throws after the retries becomes 503 VECTOR_BACKEND_UNAVAILABLE.
 */
export async function guardBackend<T>(backend: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw backendUnavailable(backend, error);
  }
}

/** A namespace's info from its record and a per-type vector count (each backend counts its own way). */
export async function namespaceInfo(
  record: NamespaceRecord,
  countType: (entityType: string) => Promise<number>,
): Promise<NamespaceInfo> {
  const vectorsByType: Record<string, number> = {};
  let vectors = 0;
  for (const type of entityTypeNames) {
    const count = await countType(type);
    if (count > 0) vectorsByType[type] = count;
    vectors += count;
  }
  return {
    model: record.model,
    dimensions: record.dimensions,
    vectors,
    vectorsByType,
    lastIndexedAt: record.lastIndexedAt,
    // Dense float32 values; neither hosted backend reports storage per tenant.
    sizeBytes: vectors * record.dimensions * 4,
  };
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Namespace records read within the last few seconds: every query checks the model, and a network round
 * trip per query for a value that changes once per reindex would double search latency. Absence is not
 * kept: another process may create the namespace at any moment (a cluster's worker indexing a new
 * workspace), and a remembered absence would hide it from this instance's searches, whose empty results
 * would then be cached as well.
 */
export class NamespaceRecordCache {
  private readonly entries = new Map<string, { record: NamespaceRecord; expires: number }>();

  constructor(private readonly ttlMs = 10_000) {}

  async get(
    namespace: string,
    read: () => Promise<NamespaceRecord | undefined>,
  ): Promise<NamespaceRecord | undefined> {
    const entry = this.entries.get(namespace);
    if (entry && entry.expires > Date.now()) return entry.record;
    const record = await read();
    this.set(namespace, record);
    return record;
  }

  set(namespace: string, record: NamespaceRecord | undefined): void {
    if (record) this.entries.set(namespace, { record, expires: Date.now() + this.ttlMs });
    else this.entries.delete(namespace);
  }
}
