// Versioned migrations, run at start and by `crm-ai migrate`. Each migration is a module in ./migrations.
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { Database, Engine } from './database.ts';
import * as m001 from './migrations/001_core.ts';
import * as m002 from './migrations/002_search_documents.ts';

export type EngineMigration = {
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
  down?(db: Kysely<unknown>, engine: Engine): Promise<void>;
};

const migrations: Record<string, EngineMigration> = {
  '001_core': m001,
  '002_search_documents': m002,
};

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  if (database.schema)
    await sql`create schema if not exists ${sql.id(database.schema)}`.execute(database.kysely);
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    bound[name] = {
      up: (db) => migration.up(db, database.engine),
      down: migration.down ? (db) => migration.down!(db, database.engine) : undefined,
    };
  }
  const migrator = new Migrator({
    db: database.kysely as Kysely<unknown>,
    provider: { getMigrations: async () => bound },
    // Without this the migrator looks for its own tables in every schema and can find another one's.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
