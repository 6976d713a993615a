// The keyword side of hybrid search: the text of every indexed chunk, under SQLite FTS5 (BM25) or a
// PostgreSQL tsvector with a GIN index.
import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine === 'sqlite') {
    // unicode61 with diacritics folded; emails and domains split into words, matched as phrases.
    await sql`create virtual table search_documents using fts5(
      text, workspace_id unindexed, entity_type unindexed, entity_id unindexed, chunk unindexed,
      tokenize = 'unicode61 remove_diacritics 2'
    )`.execute(db);
    return;
  }
  await sql`create table search_documents (
    workspace_id text not null,
    entity_type text not null,
    entity_id text not null,
    chunk integer not null,
    text text not null,
    document tsvector generated always as (to_tsvector('simple', text)) stored,
    primary key (workspace_id, entity_type, entity_id, chunk)
  )`.execute(db);
  await sql`create index search_documents_fulltext on search_documents using gin (document)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists search_documents`.execute(db);
}
