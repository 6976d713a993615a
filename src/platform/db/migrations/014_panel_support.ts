// What the panel needed from the server: operations samples kept for a day (every instance writes one row a
// minute, so the history does not depend on a page being open), the record each agent run was about (a record
// page lists its runs), and which deployed model serves each slot of a workspace (one active chat model and
// one active classifier per task, chosen explicitly, with the one before kept for a rollback).
import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('operation_samples')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('server_errors', 'integer', (c) => c.notNull())
    .addColumn('cache_hits', 'integer', (c) => c.notNull())
    .addColumn('cache_misses', 'integer', (c) => c.notNull())
    .addColumn('latency_p50_ms', t.double, (c) => c.notNull())
    .addColumn('latency_p99_ms', t.double, (c) => c.notNull())
    .addColumn('queue_depth', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('operation_samples_pk', ['instance_id', 'at'])
    .execute();
  await db.schema.createIndex('operation_samples_at').on('operation_samples').column('at').execute();

  await db.schema.alterTable('agent_runs').addColumn('subject_type', 'text').execute();
  await db.schema.alterTable('agent_runs').addColumn('subject_id', 'text').execute();
  await db.schema
    .createIndex('agent_runs_by_subject')
    .on('agent_runs')
    .columns(['workspace_id', 'subject_type', 'subject_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('ai_active_models')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    // 'chat', or 'classifier:<task>'.
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('previous_model_id', 'text')
    .addColumn('activated_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('ai_active_models_pk', ['workspace_id', 'slot'])
    .execute();
  // What served before this migration keeps serving: the newest registration of each slot.
  const registered = await sql<{
    workspace_id: string;
    id: string;
    kind: string;
    task: string | null;
    registered_at: unknown;
  }>`select workspace_id, id, kind, task, registered_at from ai_models order by registered_at desc, id desc`.execute(
    db,
  );
  const taken = new Set<string>();
  for (const row of registered.rows) {
    if (row.kind === 'classifier' && !row.task) continue;
    const slot = row.kind === 'chat' ? 'chat' : `classifier:${row.task}`;
    if (taken.has(`${row.workspace_id} ${slot}`)) continue;
    taken.add(`${row.workspace_id} ${slot}`);
    const at =
      row.registered_at instanceof Date ? row.registered_at.toISOString() : String(row.registered_at);
    await sql`insert into ai_active_models (workspace_id, slot, model_id, previous_model_id, activated_at)
      values (${row.workspace_id}, ${slot}, ${row.id}, ${null}, ${at})`.execute(db);
  }
}
