// Keeps the index in step with the records: every entity.changed event is queued, and the queue is drained
// in batches (debounced), latest change per record wins, so a burst of edits costs one embedding each.
import type { EntityTypeName, RecordRow } from '../crm/records/entity-types.ts';
import { entityTypeNames } from '../crm/records/entity-types.ts';
import type { EntityChangedEvent, EventBus } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import type { VectorService } from './service.ts';

export interface IndexerOptions {
  debounceMs?: number;
  /** Drain at once when this many changes wait. */
  batchSize?: number;
}

export interface IndexerStats {
  pending: number;
  indexed: number;
  removed: number;
  failed: number;
}

type Pending = { kind: 'upsert'; record: RecordRow } | { kind: 'delete' };

export class Indexer {
  private readonly pending = new Map<
    string,
    { workspaceId: string; type: EntityTypeName; id: string; change: Pending }
  >();
  private timer?: NodeJS.Timeout;
  private draining: Promise<void> = Promise.resolve();
  private readonly counters = { indexed: 0, removed: 0, failed: 0 };
  private readonly debounceMs: number;
  private readonly batchSize: number;
  private unsubscribe?: () => void;

  constructor(
    private readonly vectors: VectorService,
    private readonly log: Logger,
    options: IndexerOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 100;
    this.batchSize = options.batchSize ?? 512;
  }

  start(events: EventBus): void {
    this.unsubscribe = events.on('entity.changed', (event) => this.enqueue(event));
  }

  enqueue(event: EntityChangedEvent): void {
    if (!(entityTypeNames as readonly string[]).includes(event.entityType)) return;
    const type = event.entityType as EntityTypeName;
    const change: Pending =
      event.kind === 'deleted' || !event.record
        ? { kind: 'delete' }
        : { kind: 'upsert', record: event.record as RecordRow };
    this.pending.set(`${event.workspaceId}\u0000${type}\u0000${event.entityId}`, {
      workspaceId: event.workspaceId,
      type,
      id: event.entityId,
      change,
    });
    if (this.pending.size >= this.batchSize) this.drainSoon(0);
    else this.drainSoon(this.debounceMs);
  }

  stats(): IndexerStats {
    return { pending: this.pending.size, ...this.counters };
  }

  /** Resolves once everything queued so far is in the index. */
  async idle(): Promise<void> {
    do {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.draining = this.draining.then(() => this.drain());
      await this.draining;
    } while (this.pending.size > 0);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.idle();
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
    const groups = new Map<string, { workspaceId: string; type: EntityTypeName; records: RecordRow[] }>();
    for (const item of batch) {
      try {
        if (item.change.kind === 'delete') {
          await this.vectors.removeEntity(item.workspaceId, item.type, item.id);
          this.counters.removed += 1;
          continue;
        }
        const key = `${item.workspaceId}\u0000${item.type}`;
        const group = groups.get(key) ?? { workspaceId: item.workspaceId, type: item.type, records: [] };
        group.records.push(item.change.record);
        groups.set(key, group);
      } catch (error) {
        this.counters.failed += 1;
        this.log.error(
          { err: error, entityType: item.type, entityId: item.id },
          'removing from the index failed',
        );
      }
    }
    for (const { workspaceId, type, records } of groups.values()) {
      try {
        await this.vectors.indexRecords(workspaceId, type, records);
        this.counters.indexed += records.length;
      } catch (error) {
        this.counters.failed += records.length;
        // The records stay searchable by their old vectors; `crm-ai index` repairs the namespace.
        this.log.error(
          { err: error, workspaceId, entityType: type, count: records.length },
          'indexing failed',
        );
      }
    }
  }
}
