// Search over CRM records: indexing records as vectors, semantic and similar-record search, statistics.

import type { Embedder } from '../ai/embedders/embedder.ts';
import type { EntityTypeName, RecordRow } from '../crm/records/entity-types.ts';
import { entityTypeNames, entityTypes } from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import { type CacheService, hashKey } from '../platform/cache/cache-service.ts';
import { traced } from '../platform/observability/tracing.ts';
import { STOP_WORDS } from '../platform/stop-words.ts';
import { entityChunks, entityPassages, entityText } from './entity-text.ts';
import { bestPerEntity, type Candidate, type FusionOptions, fuseRankings } from './fusion.ts';
import type { KeywordRepository } from './keyword-repository.ts';
import {
  aboveFloor,
  hybridRelevance,
  NOISE_FLOOR,
  type RelevanceModel,
  relevanceModelFor,
  type SideScores,
  sideScores,
  vectorRelevance,
} from './relevance.ts';
import type { NamespaceInfo, VectorItem, VectorMatch, VectorStore } from './stores/vector-store.ts';

export interface SearchRequest {
  query: string;
  entityTypes?: EntityTypeName[];
  topK: number;
  minScore: number;
}

export interface SearchHit {
  entityType: EntityTypeName;
  entityId: string;
  score: number;
  title: string;
  snippet: string;
  /** Hybrid search: which rankings found the record. */
  matched?: ('vector' | 'keyword')[];
}

export interface HybridRequest extends SearchRequest {
  /** Given: the weighted mean of each side's relevance; omitted: one relevance from both sides' evidence. */
  vectorWeight?: number;
  fusion: FusionOptions['fusion'];
}

export interface IndexReport {
  indexed: number;
  vectors: number;
  missing: string[];
}

/** Records fetched and embedded per round when indexing many. */
const INDEX_BATCH = 256;
/** Candidates asked of the engine per wanted result: an entity may match with several chunks. */
const OVERFETCH = 3;
/** Records each side proposes at least: relevance reads how far a match stands above the others. */
const MIN_CANDIDATES = 20;

const candidatePool = (topK: number) => Math.max(topK, MIN_CANDIDATES);

export class VectorService {
  constructor(
    private readonly store: VectorStore,
    private embedder: Embedder,
    private readonly records: RecordsService,
    private readonly cache: CacheService,
    private readonly keywords: KeywordRepository,
  ) {
    this.relevance = relevanceModelFor(embedder.model);
  }

  private relevance: RelevanceModel & { vectorWeight: number };

  /** Serves a new embedder from now on (the caller rebuilds the indexes it made stale). */
  useEmbedder(embedder: Embedder): void {
    this.embedder = embedder;
    this.relevance = relevanceModelFor(embedder.model);
  }

  get model(): string {
    return this.embedder.model;
  }

  /** The embedder serving now. */
  get currentEmbedder(): Embedder {
    return this.embedder;
  }

  get dimensions(): number {
    return this.embedder.dimensions;
  }

  get backend(): string {
    return this.store.backend;
  }

  /** One text's vector, cached by model and text hash (extended TTL). */
  async embedText(text: string, workspaceId?: string): Promise<Float32Array> {
    const key = `${this.cache.namespace}:${workspaceId ?? '_shared'}:embedding:${hashKey([this.embedder.model, text])}`;
    const values = await this.cache.tiers.getOrSet(
      key,
      async () => Array.from((await this.embed([text]))[0]!),
      { ttl: 'extended' },
    );
    return Float32Array.from(values);
  }

  async indexEntity(workspaceId: string, type: EntityTypeName, id: string): Promise<IndexReport> {
    return this.indexMany(workspaceId, type, [id]);
  }

  /** Indexes records by id (idempotent: an entity's vectors are replaced). Unknown ids are reported. */
  async indexMany(workspaceId: string, type: EntityTypeName, ids: readonly string[]): Promise<IndexReport> {
    const report: IndexReport = { indexed: 0, vectors: 0, missing: [] };
    for (let start = 0; start < ids.length; start += INDEX_BATCH) {
      const wanted = ids.slice(start, start + INDEX_BATCH);
      const found = await this.records.getMany(entityTypes[type], workspaceId, wanted);
      const foundIds = new Set(found.map((record) => record.id));
      report.missing.push(...wanted.filter((id) => !foundIds.has(id)));
      report.vectors += await this.indexRecords(workspaceId, type, found);
      report.indexed += found.length;
    }
    return report;
  }

  /** Every record of a type, page by page; `onProgress` hears how many records are done. */
  async indexAll(
    workspaceId: string,
    type: EntityTypeName,
    onProgress?: (done: number) => void,
  ): Promise<IndexReport> {
    const report: IndexReport = { indexed: 0, vectors: 0, missing: [] };
    for await (const page of this.records.pages(entityTypes[type], workspaceId, INDEX_BATCH * 2)) {
      report.vectors += await this.indexRecords(workspaceId, type, page);
      report.indexed += page.length;
      onProgress?.(page.length);
    }
    return report;
  }

  /**
   * Runs whole-workspace indexing and then settles the record changes that were pending when it began: the
   * work read every record after that, so they are covered once the index is on disk, and the next start
   * need not index them again.
   */
  async settlingCoveredChanges<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    const covered: string[] = [];
    for await (const page of this.records.allPendingChanges({ workspaceId })) {
      covered.push(...page.map((change) => change.token));
    }
    const result = await work();
    await this.flush();
    await this.records.settleChanges(covered);
    return result;
  }

  /** Drops the workspace's namespace and indexes every record again (after a model change or lost files). */
  async rebuild(workspaceId: string, onProgress?: (done: number) => void): Promise<IndexReport> {
    return this.settlingCoveredChanges(workspaceId, () => this.rebuildNow(workspaceId, onProgress));
  }

  private async rebuildNow(workspaceId: string, onProgress?: (done: number) => void): Promise<IndexReport> {
    await this.store.drop(workspaceId);
    await this.keywords.dropWorkspace(workspaceId);
    const total: IndexReport = { indexed: 0, vectors: 0, missing: [] };
    for (const type of entityTypeNames) {
      const report = await this.indexAll(workspaceId, type, onProgress);
      total.indexed += report.indexed;
      total.vectors += report.vectors;
    }
    return total;
  }

  /** Embeds and stores already-loaded records (the indexer and the CLI pass pages of them). */
  async indexRecords(
    workspaceId: string,
    type: EntityTypeName,
    records: readonly RecordRow[],
  ): Promise<number> {
    const passages = records.flatMap((record) =>
      entityPassages(type, record).map((passage) => ({ entityId: record.id, ...passage })),
    );
    if (passages.length === 0) return 0;
    const vectors = await this.embed(passages.map((passage) => passage.text));
    const items: VectorItem[] = passages.map((passage, index) => ({
      entityType: type,
      entityId: passage.entityId,
      chunk: passage.index,
      vector: vectors[index]!,
    }));
    await this.store.upsert(workspaceId, this.embedder.model, items);
    // The keyword side holds the chunks only: a field passage repeats words a chunk already has.
    const chunks = records.flatMap((record) =>
      entityChunks(type, record).map((chunk) => ({ entityId: record.id, ...chunk })),
    );
    await this.keywords.replace(
      workspaceId,
      chunks.map((chunk) => ({
        entityType: type,
        entityId: chunk.entityId,
        chunk: chunk.index,
        text: withoutFieldLabels(chunk.text),
      })),
    );
    // A search between the write and now may have cached results without these vectors.
    await this.cache.invalidateSearchResults(workspaceId);
    return items.length;
  }

  /** Makes every index write so far durable (see VectorStore.flush); keyword rows are committed already. */
  async flush(): Promise<void> {
    await this.store.flush();
  }

  async removeEntity(workspaceId: string, type: EntityTypeName, id: string): Promise<number> {
    const removed = await this.store.deleteEntity(workspaceId, type, id);
    await this.keywords.deleteEntity(workspaceId, type, id);
    if (removed > 0) await this.cache.invalidateSearchResults(workspaceId);
    return removed;
  }

  async search(workspaceId: string, request: SearchRequest): Promise<SearchHit[]> {
    const cacheKey = { kind: 'semantic', model: this.embedder.model, ...request };
    const cached = await this.cache.getCachedSearchResults<SearchHit[]>(workspaceId, cacheKey);
    if (cached) return cached;
    const vector = await this.embedText(request.query, workspaceId);
    const matches = await this.queryStore(
      workspaceId,
      vector,
      candidatePool(request.topK),
      request.entityTypes,
    );
    const scored = vectorRelevance(sideScores(matches, []), this.relevance);
    const hits = await this.hydrate(
      workspaceId,
      scored,
      Math.max(request.minScore, NOISE_FLOOR),
      request.topK,
    );
    await this.cache.cacheSearchResults(workspaceId, cacheKey, hits);
    return hits;
  }

  /** Both sides' candidates for a query, one per record, with the features relevance is computed from. */
  async candidates(
    workspaceId: string,
    query: string,
    options: { topK: number; entityTypes?: EntityTypeName[] },
  ): Promise<SideScores> {
    const pool = candidatePool(options.topK);
    const vector = await this.embedText(query, workspaceId);
    const [vectorMatches, keywordMatches] = await Promise.all([
      this.queryStore(workspaceId, vector, pool, options.entityTypes),
      this.keywords.search(workspaceId, keywordTerms(query), {
        limit: pool * OVERFETCH,
        entityTypes: options.entityTypes,
      }),
    ]);
    return sideScores(vectorMatches, keywordMatches);
  }

  /**
   * Vector and keyword evidence combined into one calibrated relevance (relevance.ts), or reciprocal rank
   * fusion on request. Records whose name, email, company or title is exactly the query come first whatever
   * their scores: typing an exact identifier means "that one".
   */
  async hybridSearch(workspaceId: string, request: HybridRequest): Promise<SearchHit[]> {
    const cacheKey = { kind: 'hybrid', model: this.embedder.model, ...request };
    const cached = await this.cache.getCachedSearchResults<SearchHit[]>(workspaceId, cacheKey);
    if (cached) return cached;
    const sides = await this.candidates(workspaceId, request.query, request);
    const rrf = request.fusion === 'rrf';
    const scored = rrf
      ? fuseRankings([...sides.vector.values()], [...sides.keyword.values()], {
          fusion: 'rrf',
          vectorWeight: request.vectorWeight ?? this.relevance.vectorWeight,
        })
      : hybridRelevance(sides, this.relevance, request.vectorWeight);
    // RRF scores are ranks, not probabilities: no floor and no minScore apply to them.
    const kept = rrf ? scored : aboveFloor(scored, request.minScore);
    const hits = await this.hydrate(workspaceId, kept, 0, kept.length);
    const exact = request.query.trim().toLowerCase();
    const isExact = (hit: SearchHit & { identifiers?: string[] }) =>
      hit.identifiers?.includes(exact) ?? false;
    const ordered = [...hits.filter(isExact), ...hits.filter((hit) => !isExact(hit))]
      .slice(0, request.topK)
      .map(({ identifiers: _identifiers, ...hit }) => hit);
    await this.cache.cacheSearchResults(workspaceId, cacheKey, ordered);
    return ordered;
  }

  /** Records most like one record, itself excluded. */
  async similar(
    workspaceId: string,
    type: EntityTypeName,
    id: string,
    options: { topK: number; minScore: number; entityTypes?: EntityTypeName[] },
  ): Promise<SearchHit[]> {
    const record = await this.records.get(entityTypes[type], workspaceId, id);
    const text = entityChunks(type, record)[0]?.text ?? entityText(type, record);
    const vector = await this.embedText(text, workspaceId);
    const matches = await this.queryStore(
      workspaceId,
      vector,
      options.topK + 1,
      options.entityTypes ?? [type],
    );
    const others = matches.filter((match) => !(match.entityType === type && match.entityId === id));
    return this.hydrate(workspaceId, others, options.minScore, options.topK);
  }

  async stats(workspaceId: string): Promise<{
    backend: string;
    model: string;
    dimensions: number;
    namespace: NamespaceInfo | null;
    needsReindex: boolean;
    records: Record<string, number>;
  }> {
    const namespace = await this.store.info(workspaceId);
    const records: Record<string, number> = {};
    for (const type of Object.values(entityTypes))
      records[type.name] = await this.records.count(type, workspaceId);
    return {
      backend: this.store.backend,
      model: this.embedder.model,
      dimensions: this.embedder.dimensions,
      namespace,
      needsReindex: namespace !== null && namespace.model !== this.embedder.model,
      records,
    };
  }

  private async queryStore(
    workspaceId: string,
    vector: Float32Array,
    topK: number,
    types?: readonly string[],
  ): Promise<VectorMatch[]> {
    return traced(
      'vector.search',
      'vectorSearch',
      () =>
        this.store.query(workspaceId, this.embedder.model, vector, {
          topK: topK * OVERFETCH,
          entityTypes: types,
        }),
      { 'vector.backend': this.store.backend, 'vector.top_k': topK },
    );
  }

  private embed(texts: string[]): Promise<Float32Array[]> {
    return traced('embedding', 'embedding', () => this.embedder.embed(texts), {
      'embedding.model': this.embedder.model,
      'embedding.texts': texts.length,
    });
  }

  /** Best chunk per entity, above minScore, with the records' titles and snippets read in one query per type. */
  private async hydrate(
    workspaceId: string,
    matches: readonly Candidate[],
    minScore: number,
    topK: number,
  ): Promise<(SearchHit & { identifiers?: string[] })[]> {
    const ranked = [...bestPerEntity(matches.filter((match) => match.score >= minScore)).values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    const byType = new Map<EntityTypeName, string[]>();
    for (const match of ranked) {
      const type = match.entityType as EntityTypeName;
      byType.set(type, [...(byType.get(type) ?? []), match.entityId]);
    }
    const found = new Map<string, RecordRow>();
    for (const [type, ids] of byType) {
      for (const record of await this.records.getMany(entityTypes[type], workspaceId, ids)) {
        found.set(`${type}:${record.id}`, record);
      }
    }
    // A vector whose record is gone (deleted between index and query) is not a result.
    return ranked.flatMap((match) => {
      const record = found.get(`${match.entityType}:${match.entityId}`);
      if (!record) return [];
      const type = match.entityType as EntityTypeName;
      const text = entityPassages(type, record)[match.chunk]?.text ?? entityText(type, record);
      return [
        {
          entityType: type,
          entityId: match.entityId,
          score: Number(match.score.toFixed(6)),
          title: recordTitle(record),
          snippet: text.replace(/\s+/g, ' ').slice(0, 240),
          ...(match.matched ? { matched: match.matched, identifiers: identifiersOf(record) } : {}),
        },
      ];
    });
  }
}

/** Query words for the keyword side; emails and other compound words stay whole (matched as phrases). */
export function keywordTerms(query: string): string[] {
  const compound = query.match(/[\p{L}\p{N}]+(?:[@._'-][\p{L}\p{N}]+)+/gu) ?? [];
  const words =
    query
      .replace(/[\p{L}\p{N}]+(?:[@._'-][\p{L}\p{N}]+)+/gu, ' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  // Function words match nearly every record: left out unless the query is nothing else.
  const topical = words.filter((word) => !STOP_WORDS.has(word));
  const chosen = compound.length + topical.length > 0 ? topical : words;
  return [...new Set([...compound.map((term) => term.toLowerCase()), ...chosen])].slice(0, 32);
}

/**
 * The keyword index reads the values only: "notes:" or "description:" start every record's text, and would
 * make a query with the word "notes" match everything.
 */
export function withoutFieldLabels(text: string): string {
  return text.replace(/^[a-z][a-z -]*: /gm, '');
}

/** What a user may type to mean exactly this record. */
function identifiersOf(record: RecordRow): string[] {
  return ['name', 'email', 'company', 'title']
    .map((field) => record[field])
    .filter((value): value is string => typeof value === 'string' && value.length > 0)
    .map((value) => value.trim().toLowerCase());
}

export function recordTitle(record: RecordRow): string {
  return String(record.name ?? record.title ?? record.subject ?? record.type ?? record.id);
}
