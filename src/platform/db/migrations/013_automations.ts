// Owned by automation/: rules (a trigger, agent steps, actions, whether a person approves), every run of a
// rule (unique per rule and trigger event, which makes actions idempotent per event), webhook deliveries, and
// the last side of its threshold each record was on for score-crossing triggers.
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  const workspace = (c: ColumnDefinitionBuilder) =>
    c.notNull().references('workspaces.id').onDelete('cascade');
  await db.schema
    .createTable('automation_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', workspace)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('definition', t.json, (c) => c.notNull())
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('automation_rules_by_workspace')
    .on('automation_rules')
    .column('workspace_id')
    .execute();
  await db.schema
    .createTable('automation_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', workspace)
    .addColumn('rule_id', 'text', (c) => c.notNull().references('automation_rules.id').onDelete('cascade'))
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('trigger', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('answers', t.json)
    .addColumn('actions', t.json)
    .addColumn('error', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('finished_at', t.timestamp)
    .addUniqueConstraint('automation_runs_once_per_event', ['rule_id', 'event_key'])
    .execute();
  await db.schema
    .createIndex('automation_runs_by_workspace')
    .on('automation_runs')
    .columns(['workspace_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('automation_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', workspace)
    .addColumn('run_id', 'text', (c) => c.notNull().references('automation_runs.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('automation_deliveries_by_workspace')
    .on('automation_deliveries')
    .columns(['workspace_id', 'at'])
    .execute();
  await db.schema
    .createTable('automation_score_sides')
    .addColumn('rule_id', 'text', (c) => c.notNull().references('automation_rules.id').onDelete('cascade'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('crossed', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('automation_score_sides_pk', ['rule_id', 'record_id'])
    .execute();
}
