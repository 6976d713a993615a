// Error-rate monitoring shared by every instance: request and error counts per workspace and minute (each
// instance adds its own, so the rows are cluster totals), and recent error responses.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('request_minutes')
    // '' for requests outside any workspace (sign-in failures, instance routes).
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('minute', t.timestamp, (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('client_errors', 'integer', (c) => c.notNull())
    .addColumn('server_errors', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_minutes_pk', ['workspace_id', 'minute'])
    .execute();
  await db.schema
    .createTable('error_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text')
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('error_events_workspace')
    .on('error_events')
    .columns(['workspace_id', 'at'])
    .execute();
  await db.schema.createIndex('error_events_at').on('error_events').column('at').execute();
}
