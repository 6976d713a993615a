// The keyword side of hybrid search: the text of every indexed chunk, under SQLite FTS5 (BM25) or a
// PostgreSQL tsvector with a GIN index.
import { type Kysely, sql } from 'kysely';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine === 'sqlite') {
    // The text lives in a plain table (indexed by entity, so replacing one record's chunks is cheap); an
    // external-content FTS5 index over it, kept in step by triggers, ranks with BM25. FTS5's own columns
    // cannot be indexed, and deleting by them would scan the whole index.
    await sql`create table search_documents (
      id integer primary key,
      workspace_id text not null,
      entity_type text not null,
      entity_id text not null,
      chunk integer not null,
      text text not null
    )`.execute(db);
    await sql`create unique index search_documents_entity on search_documents (workspace_id, entity_type, entity_id, chunk)`.execute(
      db,
    );
    // unicode61 with diacritics folded; emails and domains split into words, matched as phrases.
    await sql`create virtual table search_documents_fts using fts5(
      text, content = 'search_documents', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    )`.execute(db);
    await sql`create trigger search_documents_added after insert on search_documents begin
      insert into search_documents_fts (rowid, text) values (new.id, new.text);
    end`.execute(db);
    await sql`create trigger search_documents_removed after delete on search_documents begin
      insert into search_documents_fts (search_documents_fts, rowid, text) values ('delete', old.id, old.text);
    end`.execute(db);
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
  await sql`drop table if exists search_documents_fts`.execute(db);
  await sql`drop table if exists search_documents`.execute(db);
}
