// Fine-tuning datasets and their examples (kept in the database so every instance and worker sees them).
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('ft_datasets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('filters', t.json)
    .addColumn('base_model', 'text', (c) => c.notNull())
    .addColumn('validation_split', t.double, (c) => c.notNull())
    .addColumn('example_count', 'integer', (c) => c.notNull())
    .addColumn('train_count', 'integer', (c) => c.notNull())
    .addColumn('validation_count', 'integer', (c) => c.notNull())
    .addColumn('token_count', 'integer', (c) => c.notNull())
    .addColumn('quality', t.json, (c) => c.notNull())
    .addColumn('provider_checks', t.json, (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ft_datasets_workspace')
    .on('ft_datasets')
    .columns(['workspace_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('ft_examples')
    .addColumn('dataset_id', 'text', (c) => c.notNull().references('ft_datasets.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('split', 'text', (c) => c.notNull())
    .addColumn('example', t.json, (c) => c.notNull())
    .addColumn('tokens', 'integer', (c) => c.notNull())
    .addColumn('source', 'text')
    .addPrimaryKeyConstraint('ft_examples_pk', ['dataset_id', 'position'])
    .execute();
}
