// Owned by crm/records: record changes whose effects elsewhere (the search index) are not yet durable. A
// row is written in the same transaction as the record, so a crash between the commit and the index write
// leaves it behind, and the indexer settles it at the next start. One row per record: a newer change
// replaces the older one (its token changes), and a consumer deletes the row only if the token it indexed
// is still the latest.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('pending_record_changes')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('changed_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_record_changes_pk', ['workspace_id', 'entity_type', 'entity_id'])
    .execute();
  await db.schema
    .createIndex('pending_record_changes_changed_at')
    .on('pending_record_changes')
    .column('changed_at')
    .execute();
}
