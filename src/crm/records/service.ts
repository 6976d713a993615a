// CRM record logic: create, batch import, read, list, update, delete, with link checks and change events.
import { randomUUID } from 'node:crypto';
import { type CacheService, hashKey } from '../../platform/cache/cache-service.ts';
import type { EventBus } from '../../platform/events.ts';
import { CrmError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { type EntityType, entityTypes, type Link, type RecordRow } from './entity-types.ts';
import type { ListQuery, PendingChange, RecordsRepository, SortSpec } from './repository.ts';

export const MAX_BATCH_RECORDS = 5000;
export const MAX_PAGE_SIZE = 500;
/** Unsettled changes read per round. */
const PENDING_PAGE = 1000;

export interface ListRequest {
  equals: Record<string, string>;
  ranges: ListQuery['ranges'];
  text?: string;
  sort: SortSpec;
  cursor?: string;
  limit: number;
}

/** When things happened, settable on import by an admin (see `createMany`). */
export interface HistoryFields {
  createdAt?: string;
  updatedAt?: string;
  closedAt?: string;
  stageHistory?: { stage: string; from: string | null; at: string }[];
}

export interface Page {
  data: RecordRow[];
  nextCursor: string | null;
}

/**
 * Reads go through the cache; every write invalidates what it changed before it returns (not from the
 * entity.changed listeners), so a client always reads its own writes, on this instance and every other.
 */
export class RecordsService {
  constructor(
    private readonly repository: RecordsRepository,
    private readonly events: EventBus,
    private readonly cache: CacheService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(type: EntityType, workspaceId: string, id: string): Promise<RecordRow> {
    return this.cache.getOrSetEntity(workspaceId, type.name, id, async () => {
      const record = await this.repository.findById(type, workspaceId, id);
      if (!record) throw CrmError.recordNotFound(type.name, id);
      return record;
    });
  }

  /** Records of one type by id, in one query; missing ids are simply absent. */
  async getMany(type: EntityType, workspaceId: string, ids: readonly string[]): Promise<RecordRow[]> {
    return this.repository.findByIds(type, workspaceId, ids);
  }

  async list(type: EntityType, workspaceId: string, request: ListRequest): Promise<Page> {
    return this.cache.getOrSetList(workspaceId, type.name, hashKey(request), () =>
      this.listUncached(type, workspaceId, request),
    );
  }

  private async listUncached(type: EntityType, workspaceId: string, request: ListRequest): Promise<Page> {
    const after = request.cursor ? decodeCursor(request.cursor, request.sort) : undefined;
    // One extra row tells whether another page exists without a count query.
    const rows = await this.repository.list(type, workspaceId, {
      ...request,
      after,
      limit: request.limit + 1,
    });
    const data = rows.slice(0, request.limit);
    const last = data.at(-1);
    const nextCursor =
      rows.length > request.limit && last
        ? encodeCursor(request.sort, last[request.sort.field], last.id)
        : null;
    return { data, nextCursor };
  }

  /** Every record of a type, oldest first, a page at a time: for indexing and other whole-workspace work. */
  async *pages(type: EntityType, workspaceId: string, pageSize = 500): AsyncGenerator<RecordRow[]> {
    let cursor: string | undefined;
    do {
      const page = await this.listUncached(type, workspaceId, {
        equals: {},
        ranges: {},
        sort: { field: 'createdAt', direction: 'asc' },
        cursor,
        limit: pageSize,
      });
      if (page.data.length > 0) yield page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async count(type: EntityType, workspaceId: string): Promise<number> {
    return this.repository.count(type, workspaceId);
  }

  async create(type: EntityType, workspaceId: string, input: Record<string, unknown>): Promise<RecordRow> {
    const [record] = await this.createMany(type, workspaceId, [input]);
    return record!;
  }

  /**
   * All-or-nothing: every record is checked before anything is written, and all are written in one transaction.
   * With `history` (imports by an admin) inputs may also say when things happened (`HistoryFields`): the
   * record is created as of its `createdAt`, and a deal keeps the closed date and stage history it brings.
   */
  async createMany(
    type: EntityType,
    workspaceId: string,
    inputs: readonly Record<string, unknown>[],
    options: { history?: boolean } = {},
  ): Promise<RecordRow[]> {
    if (inputs.length > MAX_BATCH_RECORDS) throw CrmError.batchTooLarge(inputs.length, MAX_BATCH_RECORDS);
    const now = this.now().toISOString();
    const records = inputs.map((input) => {
      const { createdAt, updatedAt, closedAt, stageHistory, ...fields } = input as Record<string, unknown> &
        HistoryFields;
      const at = options.history && createdAt ? new Date(createdAt).toISOString() : now;
      const kept = options.history
        ? {
            ...(closedAt ? { closedAt: new Date(closedAt).toISOString() } : {}),
            ...(stageHistory ? { stageHistory } : {}),
          }
        : {};
      return withEveryColumn(type, {
        ...type.prepareCreate(normalizeTimestamps(type, fields), at),
        ...kept,
        id: (input.id as string | undefined) ?? randomUUID(),
        workspaceId,
        custom: input.custom ?? {},
        createdAt: at,
        updatedAt: options.history && updatedAt ? new Date(updatedAt).toISOString() : at,
      });
    });

    const seen = new Set<string>();
    const duplicates = records.flatMap((record, index) => {
      if (seen.has(record.id)) return [{ index, id: record.id }];
      seen.add(record.id);
      return [];
    });
    if (duplicates.length > 0) throw CrmError.duplicateIds(duplicates);

    const notes = changeNotes(type, workspaceId, records, now);
    await this.repository.transaction(async (repository) => {
      const taken = await repository.existingIds(type, workspaceId, [...seen]);
      if (taken.size > 0) throw CrmError.idsTaken(type.name, [...taken]);
      await assertLinksExist(repository, type, workspaceId, records);
      await repository.insertMany(type, records);
      await repository.notePendingChanges(notes);
    });
    await this.announceCreated(type, workspaceId, records, notes);
    return records;
  }

  /**
   * Writes complete records as they are, history included (timestamps, stage history, closed dates): the
   * path for trusted imports such as the demo seeder. Records are not re-derived; links are still checked.
   */
  async importRecords(type: EntityType, workspaceId: string, records: readonly RecordRow[]): Promise<void> {
    const owned = records.map((record) => ({ ...record, workspaceId }));
    const notes = changeNotes(type, workspaceId, owned, this.now().toISOString());
    await this.repository.transaction(async (repository) => {
      await assertLinksExist(repository, type, workspaceId, owned);
      await repository.insertMany(type, owned);
      await repository.notePendingChanges(notes);
    });
    await this.announceCreated(type, workspaceId, owned, notes);
  }

  /** After new records committed: retire cached lists, then tell the other modules. */
  private async announceCreated(
    type: EntityType,
    workspaceId: string,
    records: readonly RecordRow[],
    notes: readonly PendingChange[],
  ) {
    await this.cache.invalidateLists(workspaceId, type.name);
    for (const [index, record] of records.entries()) {
      this.events.emit('entity.changed', {
        kind: 'created',
        workspaceId,
        entityType: type.name,
        entityId: record.id,
        record,
        changeToken: notes[index]!.token,
      });
    }
  }

  /**
   * Every change noted but not yet settled by the search index (see pending_record_changes), a page at a
   * time: of one workspace, or only those noted before a time, when asked.
   */
  async *allPendingChanges(options: { workspaceId?: string; before?: Date } = {}) {
    const before = options.before?.toISOString();
    let after: string | undefined;
    for (;;) {
      const page = await this.repository.listPendingChanges(PENDING_PAGE, before, after, options.workspaceId);
      if (page.length === 0) return;
      after = page.at(-1)!.token;
      yield page;
    }
  }

  /**
   * Notes records as changed without changing them, so that the index takes them up again: after a restore,
   * for what the restored index files may not hold. `since` adds every record changed at or after it.
   */
  async markPending(
    records: readonly { workspaceId: string; entityType: string; entityId: string }[],
    since?: Date,
  ) {
    const marked = [...records];
    if (since) {
      for (const type of Object.values(entityTypes)) {
        for (const { workspaceId, id } of await this.repository.idsUpdatedSince(type, since.toISOString())) {
          marked.push({ workspaceId, entityType: type.name, entityId: id });
        }
      }
    }
    const changedAt = this.now().toISOString();
    // One note per record: a statement may not touch one conflicting row twice (PostgreSQL).
    const unique = new Map(
      marked.map((record) => [
        `${record.workspaceId}\u0000${record.entityType}\u0000${record.entityId}`,
        record,
      ]),
    );
    await this.repository.notePendingChanges(
      [...unique.values()].map((record) => ({ ...record, token: randomUUID(), changedAt })),
    );
    return unique.size;
  }

  /** Workspaces where a record of one of these types was written at or after `since`. */
  async workspacesChangedSince(types: readonly EntityType[], since: Date): Promise<Set<string>> {
    const changed = new Set<string>();
    for (const type of types) {
      for (const id of await this.repository.workspacesUpdatedSince(type, since.toISOString()))
        changed.add(id);
    }
    return changed;
  }

  /** Marks changes as durably applied by their consumer; later changes to the same records stay pending. */
  async settleChanges(tokens: readonly string[]): Promise<void> {
    await this.repository.settlePendingChanges(tokens);
  }

  async update(
    type: EntityType,
    workspaceId: string,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<RecordRow> {
    const [note] = changeNotes(type, workspaceId, [{ id }], this.now().toISOString());
    const updated = await this.repository.transaction(async (repository) => {
      const existing = await repository.findById(type, workspaceId, id);
      if (!existing) throw CrmError.recordNotFound(type.name, id);
      const now = this.now().toISOString();
      const changes = {
        ...type.prepareUpdate(existing, normalizeTimestamps(type, patch), now),
        updatedAt: now,
      };
      const merged = { ...existing, ...changes } as RecordRow;
      await assertLinksExist(repository, type, workspaceId, [merged]);
      await repository.update(type, workspaceId, id, changes);
      // After the record's row, as in create and delete: one lock order, so concurrent writes to one
      // record cannot deadlock on PostgreSQL.
      await repository.notePendingChanges([note!]);
      return merged;
    });
    await this.cache.invalidateEntity(workspaceId, type.name, id);
    this.events.emit('entity.changed', {
      kind: 'updated',
      workspaceId,
      entityType: type.name,
      entityId: id,
      record: updated,
      changeToken: note!.token,
    });
    return updated;
  }

  async delete(type: EntityType, workspaceId: string, id: string): Promise<void> {
    const [note] = changeNotes(type, workspaceId, [{ id }], this.now().toISOString());
    const deleted = await this.repository.transaction(async (repository) => {
      const found = await repository.delete(type, workspaceId, id);
      if (found) await repository.notePendingChanges([note!]);
      return found;
    });
    if (!deleted) throw CrmError.recordNotFound(type.name, id);
    await this.cache.invalidateEntity(workspaceId, type.name, id);
    this.events.emit('entity.changed', {
      kind: 'deleted',
      workspaceId,
      entityType: type.name,
      entityId: id,
      changeToken: note!.token,
    });
  }
}

/** One note with a fresh token per changed record, written with the change and carried by its event. */
function changeNotes(
  type: EntityType,
  workspaceId: string,
  records: readonly { id: string }[],
  changedAt: string,
): PendingChange[] {
  return records.map((record) => ({
    workspaceId,
    entityType: type.name,
    entityId: record.id,
    token: randomUUID(),
    changedAt,
  }));
}

/** A created record reads exactly as it will when fetched: fields not given are null. */
function withEveryColumn(type: EntityType, record: Record<string, unknown>): RecordRow {
  const complete: Record<string, unknown> = {};
  for (const column of type.columns) complete[column] = record[column] ?? null;
  return complete as RecordRow;
}

/** One stored form for timestamps (UTC, milliseconds) so that text comparison orders them on SQLite too. */
function normalizeTimestamps(type: EntityType, input: Record<string, unknown>): Record<string, unknown> {
  if (!type.timestampFields.some((field) => typeof input[field] === 'string')) return input;
  const normalized = { ...input };
  for (const field of type.timestampFields) {
    const value = normalized[field];
    if (typeof value === 'string') normalized[field] = new Date(value).toISOString();
  }
  return normalized;
}

/**
 * A record may only point at records of its own workspace. Checked in the writing transaction, one query
 * per linked type, so a batch of thousands costs a handful of queries.
 */
async function assertLinksExist(
  repository: RecordsRepository,
  type: EntityType,
  workspaceId: string,
  records: readonly RecordRow[],
): Promise<void> {
  const wanted = new Map<EntityType, Set<string>>();
  const want = (target: EntityType, id: string) => {
    const ids = wanted.get(target) ?? new Set<string>();
    ids.add(id);
    wanted.set(target, ids);
  };
  for (const [index, record] of records.entries()) {
    for (const link of type.links) {
      const id = record[link.idField] as string | null | undefined;
      const targetName = linkTarget(link, record);
      if ((id == null) !== (targetName == null)) {
        throw CrmError.incompleteLink(
          index,
          link.idField,
          'typeField' in link ? link.typeField : link.idField,
        );
      }
      if (id != null && targetName != null) want(entityTypes[targetName as keyof typeof entityTypes], id);
    }
  }
  for (const [target, ids] of wanted) {
    const found = await repository.existingIds(target, workspaceId, [...ids]);
    const missing = [...ids].filter((id) => !found.has(id));
    if (missing.length > 0) throw CrmError.linkedRecordsMissing(target.name, missing);
  }
}

function linkTarget(link: Link, record: RecordRow): string | null | undefined {
  if ('type' in link) return record[link.idField] == null ? null : link.type;
  return record[link.typeField] as string | null | undefined;
}
