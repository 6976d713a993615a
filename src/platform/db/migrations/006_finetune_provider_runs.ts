// A hosted training run's handles at the provider (uploaded file ids, the provider's job id), stored as soon
// as each exists, so a worker that takes over after a crash polls the same run instead of starting another.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.alterTable('ft_jobs').addColumn('provider_run', columnTypes(engine).json).execute();
}
