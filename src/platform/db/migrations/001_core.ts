// Identity (users, tokens, workspaces, memberships) and the six CRM record tables.
import type { CreateTableBuilder, Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['workspace_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();

  // Every record table is keyed by (workspace_id, id): tenancy holds by construction, and imports may
  // bring their own ids without colliding with another workspace's.
  const recordTable = async (
    name: string,
    columns: (builder: CreateTableBuilder<string, never>) => CreateTableBuilder<string, never>,
    indexes: string[][],
  ) => {
    let builder = db.schema
      .createTable(name)
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull());
    builder = columns(builder as CreateTableBuilder<string, never>) as typeof builder;
    await builder
      .addColumn('custom', t.json, (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pk`, ['workspace_id', 'id'])
      .execute();
    for (const columns of [['created_at', 'id'], ['updated_at', 'id'], ...indexes]) {
      await db.schema
        .createIndex(`${name}_${columns.join('_')}`)
        .on(name)
        .columns(['workspace_id', ...columns])
        .execute();
    }
  };

  await recordTable(
    'contacts',
    (b) =>
      b
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('company', 'text')
        .addColumn('role', 'text')
        .addColumn('notes', 'text')
        .addColumn('tags', t.json, (c) => c.notNull().defaultTo('[]')),
    [['name', 'id'], ['email'], ['company']],
  );

  await recordTable(
    'leads',
    (b) =>
      b
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('company', 'text')
        .addColumn('role', 'text')
        .addColumn('source', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requirements', 'text')
        .addColumn('notes', 'text')
        .addColumn('converted_at', t.timestamp)
        .addColumn('tags', t.json, (c) => c.notNull().defaultTo('[]')),
    [['name', 'id'], ['status'], ['source'], ['email']],
  );

  await recordTable(
    'deals',
    (b) =>
      b
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('requirements', 'text')
        .addColumn('notes', 'text')
        .addColumn('amount', t.double, (c) => c.notNull().defaultTo(0))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expected_close_date', t.date)
        .addColumn('close_date_slips', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('closed_at', t.timestamp)
        .addColumn('contact_id', 'text')
        .addColumn('lead_id', 'text')
        .addColumn('company', 'text')
        .addColumn('stage_history', t.json, (c) => c.notNull().defaultTo('[]')),
    [['name', 'id'], ['amount', 'id'], ['stage'], ['status'], ['contact_id']],
  );

  await recordTable(
    'activities',
    (b) =>
      b
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('notes', 'text')
        .addColumn('outcome', 'text')
        .addColumn('follow_up_notes', 'text')
        .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
        .addColumn('related_type', 'text')
        .addColumn('related_id', 'text'),
    [['occurred_at', 'id'], ['type'], ['related_type', 'related_id']],
  );

  await recordTable(
    'projects',
    (b) =>
      b
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('requirements', 'text')
        .addColumn('notes', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('deal_id', 'text'),
    [['name', 'id'], ['status']],
  );

  await recordTable(
    'documents',
    (b) =>
      b
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('summary', 'text')
        .addColumn('mime_type', 'text', (c) => c.notNull())
        .addColumn('related_type', 'text')
        .addColumn('related_id', 'text'),
    [
      ['title', 'id'],
      ['related_type', 'related_id'],
    ],
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'documents',
    'projects',
    'activities',
    'deals',
    'leads',
    'contacts',
    'memberships',
    'workspaces',
    'api_tokens',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
