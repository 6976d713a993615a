// The six record tables, through one code path driven by the entity type descriptors.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import { type PreparedQuery, prepareQuery } from '../../platform/db/prepared-query.ts';
import type { EntityType, RecordRow } from './entity-types.ts';
import type { RecordTables } from './tables.ts';

type Builder = ExpressionBuilder<RecordTables, string>;

export interface SortSpec {
  field: string;
  direction: 'asc' | 'desc';
}

export interface KeysetPosition {
  value: unknown;
  id: string;
}

export interface ListQuery {
  equals: Record<string, string>;
  ranges: Record<string, { min?: string | number; max?: string | number }>;
  text?: string;
  sort: SortSpec;
  after?: KeysetPosition;
  limit: number;
}

/** A committed record change whose effect on the search index is not yet durable. */
export interface PendingChange {
  workspaceId: string;
  entityType: string;
  entityId: string;
  /** Unique per change: settling a token never settles a later change to the same record. */
  token: string;
  changedAt: string;
}

/** The biggest insert statement: stays under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const INSERT_CHUNK_ROWS = 500;

export class RecordsRepository {
  private readonly findByIdQueries = new Map<
    string,
    PreparedQuery<[string, string], Record<string, unknown>>
  >();

  constructor(private readonly db: Kysely<RecordTables>) {}

  async transaction<T>(work: (repository: RecordsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new RecordsRepository(trx)));
  }

  async findById(type: EntityType, workspaceId: string, id: string): Promise<RecordRow | undefined> {
    // The most frequent read: compiled once per type (see prepareQuery).
    let query = this.findByIdQueries.get(type.table);
    if (!query) {
      query = prepareQuery(2, (workspace: string, recordId: string) =>
        this.db
          .selectFrom(type.table)
          .selectAll()
          .where('workspaceId', '=', workspace)
          .where('id', '=', recordId),
      );
      this.findByIdQueries.set(type.table, query);
    }
    const [row] = await query.execute(this.db, workspaceId, id);
    return row ? fromRow(type, row) : undefined;
  }

  async findByIds(type: EntityType, workspaceId: string, ids: readonly string[]): Promise<RecordRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom(type.table)
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', 'in', ids)
      .execute();
    return rows.map((row) => fromRow(type, row));
  }

  async existingIds(type: EntityType, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += INSERT_CHUNK_ROWS) {
      const rows = await this.db
        .selectFrom(type.table)
        .select('id')
        .where('workspaceId', '=', workspaceId)
        .where('id', 'in', ids.slice(start, start + INSERT_CHUNK_ROWS))
        .execute();
      for (const row of rows) found.add(row.id as string);
    }
    return found;
  }

  async list(type: EntityType, workspaceId: string, query: ListQuery): Promise<RecordRow[]> {
    const { field, direction } = query.sort;
    let select = this.db.selectFrom(type.table).selectAll().where('workspaceId', '=', workspaceId);
    for (const [column, value] of Object.entries(query.equals)) select = select.where(column, '=', value);
    for (const [column, range] of Object.entries(query.ranges)) {
      if (range.min !== undefined) select = select.where(column, '>=', range.min);
      if (range.max !== undefined) select = select.where(column, '<=', range.max);
    }
    if (query.text) {
      const pattern = `%${escapeLike(query.text.toLowerCase())}%`;
      select = select.where((eb: Builder) =>
        eb.or(
          type.textFields.map((column) =>
            eb(sql`lower(${sql.ref(toSnake(column))})`, 'like', sql`${pattern} escape '\\'`),
          ),
        ),
      );
    }
    if (query.after) {
      const { value, id } = query.after;
      const comparison = direction === 'asc' ? '>' : '<';
      select = select.where((eb: Builder) =>
        eb.or([eb(field, comparison, value), eb.and([eb(field, '=', value), eb('id', comparison, id)])]),
      );
    }
    const rows = await select.orderBy(field, direction).orderBy('id', direction).limit(query.limit).execute();
    return rows.map((row) => fromRow(type, row));
  }

  async count(type: EntityType, workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom(type.table)
      .select((eb: Builder) => eb.fn.countAll().as('count'))
      .where('workspaceId', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertMany(type: EntityType, rows: readonly RecordRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
      const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS).map((row) => toRow(type, row));
      // Rows of one chunk must share one column list; absent optional fields become explicit nulls.
      const columns = [...new Set(chunk.flatMap((row) => Object.keys(row)))];
      const uniform = chunk.map((row) =>
        Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
      );
      await this.db.insertInto(type.table).values(uniform).execute();
    }
  }

  async update(
    type: EntityType,
    workspaceId: string,
    id: string,
    changes: Record<string, unknown>,
  ): Promise<void> {
    await this.db
      .updateTable(type.table)
      .set(toRow(type, changes))
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }

  /** Notes changes in the writing transaction; a later change to a record replaces its earlier note. */
  async notePendingChanges(changes: readonly PendingChange[]): Promise<void> {
    for (let start = 0; start < changes.length; start += INSERT_CHUNK_ROWS) {
      await this.db
        .insertInto('pendingRecordChanges')
        .values(changes.slice(start, start + INSERT_CHUNK_ROWS).map((change) => ({ ...change })))
        .onConflict((conflict) =>
          conflict.columns(['workspaceId', 'entityType', 'entityId']).doUpdateSet((eb: Builder) => ({
            token: eb.ref('excluded.token'),
            changedAt: eb.ref('excluded.changedAt'),
          })),
        )
        .execute();
    }
  }

  /** Unsettled changes, oldest first, at most `limit`, optionally only those older than `before`. */
  async listPendingChanges(
    limit: number,
    before?: string,
    after?: string,
    workspaceId?: string,
  ): Promise<PendingChange[]> {
    let select = this.db
      .selectFrom('pendingRecordChanges')
      .select(['workspaceId', 'entityType', 'entityId', 'token', 'changedAt']);
    if (workspaceId) select = select.where('workspaceId', '=', workspaceId);
    if (before) select = select.where('changedAt', '<', before);
    if (after) select = select.where('token', '>', after);
    const rows = await select.orderBy('token').limit(limit).execute();
    return rows as PendingChange[];
  }

  /** Ids of the records of a type changed at or after `since` (ISO time), in every workspace. */
  async idsUpdatedSince(type: EntityType, since: string): Promise<{ workspaceId: string; id: string }[]> {
    const rows = await this.db
      .selectFrom(type.table)
      .select(['workspaceId', 'id'])
      .where('updatedAt', '>=', since)
      .execute();
    return rows as { workspaceId: string; id: string }[];
  }

  /** Workspaces with a record of this type written at or after `since`. */
  async workspacesUpdatedSince(type: EntityType, since: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom(type.table)
      .select('workspaceId')
      .distinct()
      .where('updatedAt', '>=', since)
      .execute();
    return rows.map((row) => row.workspaceId);
  }

  /** Settles changes by token: a record changed again since keeps its newer note. */
  async settlePendingChanges(tokens: readonly string[]): Promise<void> {
    for (let start = 0; start < tokens.length; start += INSERT_CHUNK_ROWS) {
      await this.db
        .deleteFrom('pendingRecordChanges')
        .where('token', 'in', tokens.slice(start, start + INSERT_CHUNK_ROWS))
        .execute();
    }
  }

  async delete(type: EntityType, workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom(type.table)
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function fromRow(type: EntityType, row: Record<string, unknown>): RecordRow {
  const record: Record<string, unknown> = { ...row };
  for (const field of type.jsonFields) record[field] = readJson(row[field], field === 'custom' ? {} : []);
  return record as RecordRow;
}

function toRow(type: EntityType, record: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = { ...record };
  for (const field of type.jsonFields) if (field in row) row[field] = writeJson(row[field]);
  return row;
}

function toSnake(column: string): string {
  return column.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}
