// Keeps the index in step with the records: every entity.changed event is queued, and the queue is drained
// in batches (debounced), latest change per record wins, so a burst of edits costs one embedding each.
//
// Durability: each change is also noted in the record's own transaction (pending_record_changes). Once a
// batch is indexed and the index is flushed to disk, its notes are settled; at start the indexer replays
// whatever a crash left unsettled, so every acknowledged record becomes searchable by itself.
import {
  type EntityTypeName,
  entityTypeNames,
  entityTypes,
  type RecordRow,
} from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import type { EntityChangedEvent, EventBus } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import { ChangeSettler } from './change-settler.ts';
import type { VectorService } from './service.ts';

export interface IndexerOptions {
  debounceMs?: number;
  /** Drain at once when this many changes wait. */
  batchSize?: number;
  /**
   * How long indexed changes wait before the index is flushed and they are settled: one flush rewrites a
   * whole namespace on the embedded engine, so it is shared by every batch in the window.
   */
  settleDelayMs?: number;
}

export interface IndexerStats {
  pending: number;
  indexed: number;
  removed: number;
  failed: number;
  /** Changes replayed at start because a crash had left them unsettled. */
  recovered: number;
}

type Change = { kind: 'upsert'; record: RecordRow } | { kind: 'delete' };

interface PendingItem {
  workspaceId: string;
  type: EntityTypeName;
  id: string;
  change: Change;
  token?: string;
  /** Failed tries so far. */
  attempts?: number;
}

const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

export class Indexer {
  private readonly pending = new Map<string, PendingItem>();
  /** Failed changes waiting for their next try; idle() does not wait for them. */
  private readonly retrying = new Map<string, PendingItem>();
  private retryTimer?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private draining: Promise<void> = Promise.resolve();
  private readonly settler: ChangeSettler;
  private readonly counters = { indexed: 0, removed: 0, failed: 0, recovered: 0 };
  private readonly debounceMs: number;
  private readonly batchSize: number;
  private unsubscribe?: () => void;

  constructor(
    private readonly vectors: VectorService,
    private readonly records: RecordsService,
    private readonly log: Logger,
    options: IndexerOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 100;
    this.batchSize = options.batchSize ?? 512;
    this.settler = new ChangeSettler(vectors, records, log, options.settleDelayMs ?? 500);
  }

  start(events: EventBus): void {
    this.unsubscribe = events.on('entity.changed', (event) => this.enqueue(event));
  }

  enqueue(event: EntityChangedEvent): void {
    if (!(entityTypeNames as readonly string[]).includes(event.entityType)) return;
    const type = event.entityType as EntityTypeName;
    const change: Change =
      event.kind === 'deleted' || !event.record
        ? { kind: 'delete' }
        : { kind: 'upsert', record: event.record as RecordRow };
    this.add({ workspaceId: event.workspaceId, type, id: event.entityId, change, token: event.changeToken });
  }

  /**
   * Replays changes that were committed but never settled (the process died before the index reached the
   * disk): each record is read as it is now and indexed, or removed when it is gone.
   */
  async recover(): Promise<number> {
    let recovered = 0;
    for await (const changes of this.records.allPendingChanges()) {
      const groups = new Map<string, typeof changes>();
      for (const change of changes) {
        const key = `${change.workspaceId}\u0000${change.entityType}`;
        const group = groups.get(key);
        if (group) group.push(change);
        else groups.set(key, [change]);
      }
      for (const group of groups.values()) {
        const { workspaceId, entityType } = group[0]!;
        if (!(entityTypeNames as readonly string[]).includes(entityType)) continue;
        const type = entityType as EntityTypeName;
        const found = await this.records.getMany(
          entityTypes[type],
          workspaceId,
          group.map((change) => change.entityId),
        );
        const byId = new Map(found.map((record) => [record.id, record]));
        for (const change of group) {
          const record = byId.get(change.entityId);
          // A change that arrived by event since the replay began is newer: it wins.
          if (this.pending.has(keyOf(workspaceId, type, change.entityId))) continue;
          this.add({
            workspaceId,
            type,
            id: change.entityId,
            change: record ? { kind: 'upsert', record } : { kind: 'delete' },
            token: change.token,
          });
          recovered += 1;
        }
      }
    }
    this.counters.recovered += recovered;
    if (recovered > 0) this.log.info({ recovered }, 'replaying record changes a crash left unindexed');
    return recovered;
  }

  stats(): IndexerStats {
    return { pending: this.pending.size + this.retrying.size, ...this.counters };
  }

  /** Resolves once everything queued so far is in the index and on disk. */
  async idle(): Promise<void> {
    do {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.draining = this.draining.then(() => this.drain());
      await this.draining;
    } while (this.pending.size > 0);
    await this.settler.settleNow();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.retryTimer);
    await this.idle();
  }

  private add(item: PendingItem): void {
    this.pending.set(keyOf(item.workspaceId, item.type, item.id), item);
    if (this.pending.size >= this.batchSize) this.drainSoon(0);
    else this.drainSoon(this.debounceMs);
  }

  private drainSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draining = this.draining.then(() => this.drain());
    }, delayMs);
  }

  private async drain(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    const groups = new Map<string, { workspaceId: string; type: EntityTypeName; items: PendingItem[] }>();
    for (const item of batch) {
      if (item.change.kind === 'upsert') {
        const key = `${item.workspaceId}\u0000${item.type}`;
        const group = groups.get(key) ?? { workspaceId: item.workspaceId, type: item.type, items: [] };
        group.items.push(item);
        groups.set(key, group);
        continue;
      }
      try {
        await this.vectors.removeEntity(item.workspaceId, item.type, item.id);
        this.counters.removed += 1;
        this.indexed([item]);
      } catch (error) {
        this.counters.failed += 1;
        this.log.error(
          { err: error, entityType: item.type, entityId: item.id },
          'removing from the index failed',
        );
        this.retryLater([item]);
      }
    }
    for (const { workspaceId, type, items } of groups.values()) {
      try {
        const records = items.map((item) => (item.change as { record: RecordRow }).record);
        await this.vectors.indexRecords(workspaceId, type, records);
        this.counters.indexed += records.length;
        this.indexed(items);
      } catch (error) {
        this.counters.failed += items.length;
        // The records stay searchable by their old vectors meanwhile.
        this.log.error({ err: error, workspaceId, entityType: type, count: items.length }, 'indexing failed');
        this.retryLater(items);
      }
    }
  }

  /**
   * A failed change is tried again with backoff (the database or a hosted engine may be back in a moment);
   * after MAX_ATTEMPTS it waits, unsettled, for the next start's replay (or `crm-ai index`).
   */
  private retryLater(items: readonly PendingItem[]): void {
    for (const item of items) {
      const attempts = (item.attempts ?? 0) + 1;
      if (attempts >= MAX_ATTEMPTS) continue;
      const key = keyOf(item.workspaceId, item.type, item.id);
      if (!this.retrying.has(key)) this.retrying.set(key, { ...item, attempts });
    }
    if (this.retryTimer || this.retrying.size === 0) return;
    const attempts = Math.max(...[...this.retrying.values()].map((item) => item.attempts ?? 1));
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        const due = [...this.retrying];
        this.retrying.clear();
        // A change that arrived meanwhile is newer than the one being retried.
        for (const [key, item] of due) if (!this.pending.has(key)) this.add(item);
      },
      Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1)),
    );
    this.retryTimer.unref();
  }

  private indexed(items: readonly PendingItem[]): void {
    this.settler.indexed(items.map((item) => item.token));
  }
}

function keyOf(workspaceId: string, type: string, id: string): string {
  return `${workspaceId}\u0000${type}\u0000${id}`;
}
