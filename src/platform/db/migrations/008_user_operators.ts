// Instance operators: users who may see every tenant's operational data (the instance-wide error view).
// Owning a workspace is not enough, since any user may create one. The first user (the owner created at
// the first start) becomes an operator.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('operator', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update users set operator = 1 where id = (select id from users order by created_at limit 1)`.execute(
    db,
  );
}
