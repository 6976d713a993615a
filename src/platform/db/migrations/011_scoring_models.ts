// Owned by agents/learning: each workspace's trained lead-conversion and deal-win scorers, every version
// kept with its measured quality. One version per kind is active; a retrained one replaces it only when it
// is not worse on held-out data (the rest are kept as "rejected" with the reason, for the record). And the
// current score of each open lead and deal, with its top factors, refreshed as records change.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('scoring_models')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('quality', t.json, (c) => c.notNull())
    .addColumn('artifact', t.json, (c) => c.notNull())
    .addColumn('trained_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('scoring_models_pk', ['workspace_id', 'kind', 'version'])
    .execute();
  await db.schema
    .createTable('record_scores')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('probability', t.double, (c) => c.notNull())
    .addColumn('band', 'text', (c) => c.notNull())
    .addColumn('confidence', 'text', (c) => c.notNull())
    .addColumn('factors', t.json, (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('scored_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('record_scores_pk', ['workspace_id', 'entity_type', 'record_id'])
    .execute();
  await db.schema
    .createIndex('record_scores_by_score')
    .on('record_scores')
    .columns(['workspace_id', 'entity_type', 'score'])
    .execute();
}
