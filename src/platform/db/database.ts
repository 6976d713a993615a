// Kysely over SQLite (better-sqlite3, WAL) or PostgreSQL (pg pool): one query API for both engines.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CamelCasePlugin,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type LogEvent,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { Config } from '../../config.ts';
import { addTiming } from '../observability/timings.ts';
import { recordSpan } from '../observability/tracing.ts';

export type Engine = 'sqlite' | 'postgres';

/** A database handle: typed queries plus what code needs to know about the engine under it. */
export interface Database<Schema = unknown> {
  readonly engine: Engine;
  readonly kysely: Kysely<Schema>;
  /** PostgreSQL schema the tables live in, when not the default search path. */
  readonly schema?: string;
  /** Cheap round trip used by /ready. */
  ping(): Promise<void>;
  /**
   * A consistent copy of the whole database in `file`, taken while other connections (other processes too)
   * keep reading and writing: SQLite's VACUUM INTO. PostgreSQL has pg_dump (docs/deployment.md).
   */
  backupTo?(file: string): Promise<void>;
  close(): Promise<void>;
}

const PG_TIMESTAMPTZ = 1184;
const PG_TIMESTAMP = 1114;
const PG_DATE = 1082;
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * Rows must read the same on both engines: timestamps as ISO-8601 strings (SQLite stores them as text),
 * dates as YYYY-MM-DD, counts and numerics as JS numbers instead of pg's strings.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_TIMESTAMPTZ || oid === PG_TIMESTAMP)
      return (value: string) => new Date(value).toISOString();
    if (oid === PG_DATE) return (value: string) => value;
    if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function createDatabase<Schema>(databaseConfig: Config['database']): Database<Schema> {
  if (databaseConfig.engine === 'sqlite') return createSqlite<Schema>(databaseConfig.file);
  return createPostgres<Schema>(databaseConfig.url, databaseConfig.poolSize, databaseConfig.schema);
}

function createSqlite<Schema>(file: string): Database<Schema> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const connection = new SQLite(file);
  // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes in WAL mode.
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Schema>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(connection) }),
    plugins: [new CamelCasePlugin()],
    log: observeQuery('sqlite'),
  });
  return {
    engine: 'sqlite',
    kysely,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async backupTo(target: string) {
      // One read transaction: a consistent snapshot that writers (WAL) neither block nor disturb. SQLite's
      // online backup API restarts whenever another process writes between its steps, so beside a busy
      // server it took minutes under load and need never finish.
      connection.prepare('vacuum into ?').run(target);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/**
 * Transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`), not at their first write. Other
 * processes share the file (a CLI backup or import beside the server, whose own background writes are brief):
 * a deferred transaction that has read and then meets another connection's write lock fails with SQLITE_BUSY
 * at once — SQLite calls the busy handler only for a connection holding no transaction, to avoid deadlock —
 * while an immediate one waits for the lock under `busy_timeout` like any single statement.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly dialectConfig: SqliteDialectConfig) {
    super(dialectConfig);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.dialectConfig);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely prepares every query afresh; on a hot path SQLite's prepare costs more than running the query.
 * The same SQL text always yields the same statement, so reusing prepared statements is safe.
 */
function withStatementCache(connection: SQLite.Database) {
  const statements = new LRUCache<string, SQLite.Statement>({ max: 1000 });
  return {
    close: () => connection.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = connection.prepare(sqlText);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

function createPostgres<Schema>(url: string, poolSize: number, schema?: string): Database<Schema> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes,
    connectionTimeoutMillis: 5_000,
    // A schema per test run (or per deployment) without touching the connection string.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process; the next
  // checkout reconnects.
  pool.on('error', () => {});
  // A checked-out client losing its connection rejects its query (the caller sees ECONNRESET and answers
  // 503) and then emits 'error'; pg-pool listens only while a client is idle, so without this listener that
  // second report escapes as an uncaught exception (seen when PostgreSQL was cut mid-indexing).
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const kysely = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
    log: observeQuery('postgresql'),
  });
  return {
    engine: 'postgres',
    kysely,
    schema,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/** Each query's time goes to the request's breakdown and, when tracing, to a span (statements carry no values). */
function observeQuery(system: string): (event: LogEvent) => void {
  return (event) => {
    addTiming('db', event.queryDurationMillis);
    recordSpan('db.query', event.queryDurationMillis, {
      'db.system': system,
      'db.statement': event.query.sql.slice(0, 300),
      ...(event.level === 'error' ? { error: true } : {}),
    });
  };
}
