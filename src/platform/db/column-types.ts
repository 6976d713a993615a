// The few column types that differ between SQLite and PostgreSQL, named once for migrations.
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
