// What every vector backend offers: namespaced upserts, deletes and filtered top-k queries.

export interface VectorKey {
  entityType: string;
  entityId: string;
  /** Which passage of the record (0 for short records). */
  chunk: number;
}

export interface VectorItem extends VectorKey {
  vector: Float32Array;
}

export interface VectorMatch extends VectorKey {
  /** Cosine similarity, -1..1 (1 is identical). */
  score: number;
}

export interface NamespaceInfo {
  model: string;
  dimensions: number;
  vectors: number;
  vectorsByType: Record<string, number>;
  lastIndexedAt: string | null;
  sizeBytes: number;
}

export interface QueryOptions {
  topK: number;
  entityTypes?: readonly string[];
}

export interface VectorStore {
  readonly backend: 'local' | 'milvus' | 'pinecone';
  /** Replaces all vectors of each entity in `items` (an entity's chunks are written together). */
  upsert(namespace: string, model: string, items: readonly VectorItem[]): Promise<void>;
  deleteEntity(namespace: string, entityType: string, entityId: string): Promise<number>;
  /** Refuses (INDEX_MODEL_MISMATCH) when the namespace holds vectors of another model. */
  query(
    namespace: string,
    model: string,
    vector: Float32Array,
    options: QueryOptions,
  ): Promise<VectorMatch[]>;
  info(namespace: string): Promise<NamespaceInfo | null>;
  /** Whether the namespace holds an index (false when it was never built or its files were lost). */
  exists(namespace: string): Promise<boolean>;
  /** Removes the namespace entirely (before a rebuild). */
  drop(namespace: string): Promise<void>;
  /**
   * Makes every write so far durable. The embedded engine writes its files some time after a change; the
   * hosted engines have stored a write once they acknowledge it.
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}
