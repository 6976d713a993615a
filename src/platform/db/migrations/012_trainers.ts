// Owned by finetune/trainers: the self-hosted training workers a workspace admin registered. Each holds a
// hashed token; what it last reported (hardware, free GPU memory, the methods it can run) is kept so the
// service can list workers and their health. Metrics gain the throughput and memory such a worker reports.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('ft_trainers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('hardware', t.json)
    .addColumn('methods', t.json)
    .addColumn('current_job_id', 'text')
    .addColumn('last_seen_at', t.timestamp)
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('revoked_at', t.timestamp)
    .execute();
  await db.schema.createIndex('ft_trainers_by_workspace').on('ft_trainers').column('workspace_id').execute();
  // What a GPU run reports beside the loss: throughput and memory (null for trainers that do not measure them).
  await db.schema.alterTable('ft_job_metrics').addColumn('tokens_per_sec', t.double).execute();
  await db.schema.alterTable('ft_job_metrics').addColumn('gpu_memory_gib', t.double).execute();
}
