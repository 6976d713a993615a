// The keyword index (table search_documents): BM25 through SQLite FTS5, ts_rank_cd on PostgreSQL.
import { type Kysely, sql } from 'kysely';
import type { Engine } from '../platform/db/database.ts';

export interface KeywordDocument {
  entityType: string;
  entityId: string;
  chunk: number;
  text: string;
}

export interface KeywordMatch {
  entityType: string;
  entityId: string;
  chunk: number;
  /** Higher is better; comparable within one query only. */
  score: number;
  /** Share of the query's terms the passage contains, 0..1: comparable across queries. */
  coverage: number;
}

export class KeywordRepository {
  constructor(
    /** Untyped: the FTS5 and tsvector table is only ever queried with raw SQL. */
    private readonly db: Kysely<unknown>,
    private readonly engine: Engine,
  ) {}

  /** Replaces the documents of the given entities (all their chunks) in one transaction. */
  async replace(workspaceId: string, documents: readonly KeywordDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const idsByType = new Map<string, Set<string>>();
      for (const { entityType, entityId } of documents) {
        idsByType.set(entityType, (idsByType.get(entityType) ?? new Set()).add(entityId));
      }
      for (const [entityType, ids] of idsByType) {
        const list = [...ids];
        for (let start = 0; start < list.length; start += 500) {
          const batch = sql.join(list.slice(start, start + 500).map((id) => sql`${id}`));
          await sql`delete from search_documents where workspace_id = ${workspaceId} and entity_type = ${entityType} and entity_id in (${batch})`.execute(
            trx,
          );
        }
      }
      for (let start = 0; start < documents.length; start += 200) {
        const rows = documents
          .slice(start, start + 200)
          .map((d) => sql`(${d.text}, ${workspaceId}, ${d.entityType}, ${d.entityId}, ${d.chunk})`);
        await sql`insert into search_documents (text, workspace_id, entity_type, entity_id, chunk) values ${sql.join(rows)}`.execute(
          trx,
        );
      }
    });
  }

  async deleteEntity(workspaceId: string, entityType: string, entityId: string): Promise<void> {
    await sql`delete from search_documents where workspace_id = ${workspaceId} and entity_type = ${entityType} and entity_id = ${entityId}`.execute(
      this.db,
    );
  }

  async dropWorkspace(workspaceId: string): Promise<void> {
    await sql`delete from search_documents where workspace_id = ${workspaceId}`.execute(this.db);
  }

  /** Rows come back camelCased (the database's CamelCasePlugin), hence entityType for entity_type. */
  async search(
    workspaceId: string,
    terms: readonly string[],
    options: { limit: number; entityTypes?: readonly string[] },
  ): Promise<KeywordMatch[]> {
    if (terms.length === 0) return [];
    const typeFilter =
      options.entityTypes && options.entityTypes.length > 0
        ? sql`and entity_type in (${sql.join(options.entityTypes.map((type) => sql`${type}`))})`
        : sql``;
    if (this.engine === 'sqlite') {
      // Each term is a quoted FTS5 phrase, so user text can never be read as query syntax.
      const match = terms.map((term) => `"${term.replace(/"/g, '""')}"`).join(' OR ');
      // highlight() marks the matched phrases: which of the query's terms a passage holds.
      const { rows } = await sql<{
        entityType: string;
        entityId: string;
        chunk: number;
        rank: number;
        marked: string;
      }>`
        select d.entity_type, d.entity_id, d.chunk, bm25(search_documents_fts) as rank,
          highlight(search_documents_fts, 0, '⟦', '⟧') as marked
        from search_documents_fts join search_documents d on d.id = search_documents_fts.rowid
        where search_documents_fts match ${match} and d.workspace_id = ${workspaceId} ${typeFilter}
        order by rank limit ${options.limit}`.execute(this.db);
      // bm25() is lower-is-better; flip it so every side of the fusion reads higher-is-better.
      return rows.map((row) => ({
        entityType: row.entityType,
        entityId: row.entityId,
        chunk: Number(row.chunk),
        score: -row.rank,
        coverage: coverageOf(terms, row.marked),
      }));
    }
    const query = sql`(${sql.join(
      terms.map((term) => sql`phraseto_tsquery('simple', ${term})`),
      sql` || `,
    )})`;
    const matchedTerms = sql.join(
      terms.map((term) => sql`(document @@ phraseto_tsquery('simple', ${term}))::int`),
      sql` + `,
    );
    const { rows } = await sql<{
      entityType: string;
      entityId: string;
      chunk: number;
      rank: number;
      matchedTerms: number;
    }>`
      select entity_type, entity_id, chunk, ts_rank_cd(document, ${query}) as rank,
        ${matchedTerms} as matched_terms
      from search_documents
      where workspace_id = ${workspaceId} and document @@ ${query} ${typeFilter}
      order by rank desc limit ${options.limit}`.execute(this.db);
    return rows.map((row) => ({
      entityType: row.entityType,
      entityId: row.entityId,
      chunk: Number(row.chunk),
      score: Number(row.rank),
      coverage: Number(row.matchedTerms) / terms.length,
    }));
  }
}

/** Share of `terms` found among the phrases FTS5 marked (between ⟦ and ⟧) in a passage. */
function coverageOf(terms: readonly string[], marked: string): number {
  const found = new Set([...marked.matchAll(/⟦([^⟧]*)⟧/g)].map((match) => match[1]!.toLowerCase()));
  const text = [...found].join(' ');
  return terms.filter((term) => found.has(term) || text.includes(term)).length / terms.length;
}
