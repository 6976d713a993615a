// Each test gets its own database: a temporary SQLite file, or a fresh PostgreSQL schema that is dropped after.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { POSTGRES_MIGRATION_LOCK_KEY } from '../../src/platform/db/migrator.ts';

export const testEngine: 'sqlite' | 'postgres' =
  process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Environment variables that point crm-ai at this database. */
  env: Record<string, string>;
  dataDir: string;
  /** Raw SQL straight at the database, bypassing the app: for assertions about what is stored. */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine = testEngine): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-test-'));
  if (engine === 'sqlite') {
    return {
      env: { DATA_DIR: dataDir },
      dataDir,
      async query(text, params = []) {
        const connection = new SQLite(path.join(dataDir, 'crm-ai.sqlite'), { readonly: true });
        try {
          return connection.prepare(text).all(...params) as Record<string, unknown>[];
        } finally {
          connection.close();
        }
      },
      async drop() {
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  return {
    env: {
      DATA_DIR: dataDir,
      DATABASE_URL: testPostgresUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '4',
    },
    dataDir,
    async query(text, params = []) {
      const client = new pg.Client({
        connectionString: testPostgresUrl,
        options: `-c search_path=${schema}`,
      });
      await client.connect();
      try {
        // SQLite-style ? placeholders, so one assertion reads the same on both engines.
        let index = 0;
        return (
          await client.query(
            text.replace(/\?/g, () => `$${++index}`),
            params,
          )
        ).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: testPostgresUrl });
      await client.connect();
      try {
        // Under the migration lock: a drop in the middle of another process's migration breaks its introspection.
        await client.query('select pg_advisory_lock($1)', [POSTGRES_MIGRATION_LOCK_KEY]);
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
