// Versioned migrations, run at start and by `crm-ai migrate`. Each migration is a module in ./migrations.
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { Database, Engine } from './database.ts';
import * as m001 from './migrations/001_core.ts';
import * as m002 from './migrations/002_search_documents.ts';
import * as m003 from './migrations/003_agent_runs.ts';
import * as m004 from './migrations/004_finetune_datasets.ts';
import * as m005 from './migrations/005_finetune_jobs.ts';
import * as m006 from './migrations/006_finetune_provider_runs.ts';
import * as m007 from './migrations/007_request_monitoring.ts';
import * as m008 from './migrations/008_user_operators.ts';
import * as m009 from './migrations/009_pending_record_changes.ts';
import * as m010 from './migrations/010_ai_models.ts';
import * as m011 from './migrations/011_scoring_models.ts';
import * as m012 from './migrations/012_trainers.ts';
import * as m013 from './migrations/013_automations.ts';
import * as m014 from './migrations/014_panel_support.ts';

export type EngineMigration = {
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
  down?(db: Kysely<unknown>, engine: Engine): Promise<void>;
};

const migrations: Record<string, EngineMigration> = {
  '001_core': m001,
  '002_search_documents': m002,
  '003_agent_runs': m003,
  '004_finetune_datasets': m004,
  '005_finetune_jobs': m005,
  '006_finetune_provider_runs': m006,
  '007_request_monitoring': m007,
  '008_user_operators': m008,
  '009_pending_record_changes': m009,
  '010_ai_models': m010,
  '011_scoring_models': m011,
  '012_trainers': m012,
  '013_automations': m013,
  '014_panel_support': m014,
};

export interface MigrationReport {
  applied: string[];
}

/**
 * Serialises migrations across every process on one PostgreSQL server: many instances start at once in a
 * cluster, and Kysely's migrator introspects every schema before it takes its own lock, which fails when
 * another process drops a schema mid-scan. Whatever drops schemas (the test suite) takes the same lock.
 */
export const POSTGRES_MIGRATION_LOCK_KEY = 7_301_551_002;

export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  if (database.engine === 'sqlite') return runMigrations(database, database.kysely as Kysely<unknown>);
  // One connection for the whole run: the advisory lock belongs to a session, and a pool of one must not deadlock.
  return database.kysely.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${POSTGRES_MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      return await runMigrations(database, connection as Kysely<unknown>);
    } finally {
      await sql`select pg_advisory_unlock(${POSTGRES_MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}

async function runMigrations(database: Database, db: Kysely<unknown>): Promise<MigrationReport> {
  if (database.schema) await sql`create schema if not exists ${sql.id(database.schema)}`.execute(db);
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    bound[name] = {
      up: (db) => migration.up(db, database.engine),
      down: migration.down ? (db) => migration.down!(db, database.engine) : undefined,
    };
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => bound },
    // Without this the migrator looks for its own tables in every schema and can find another one's.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
