// The few column types that differ between SQLite and PostgreSQL, named once for migrations.
import type { ColumnType } from 'kysely';
import type { Engine } from './database.ts';

export function columnTypes(engine: Engine) {
  const postgres = engine === 'postgres';
  return {
    /** ISO-8601 text on SQLite (sorts correctly), timestamptz on PostgreSQL. */
    timestamp: postgres ? 'timestamptz' : 'text',
    date: postgres ? 'date' : 'text',
    json: postgres ? 'jsonb' : 'text',
    double: postgres ? 'double precision' : 'real',
  } as const;
}

/**
 * A JSON column as the query builder sees it: written as JSON text (see json-column.ts), read back parsed
 * (PostgreSQL jsonb) or as text (SQLite), so reads go through readJson.
 */
export type JsonColumn = ColumnType<unknown, string | null, string | null>;
