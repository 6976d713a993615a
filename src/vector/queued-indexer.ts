// Indexing through the cluster's job queue (JOB_QUEUE=redis): any instance that changes a record adds a job
// naming it; a worker reads the record as it is then and indexes it, or removes it when it is gone. Jobs
// carry ids, not records, so a retried or late job indexes the latest state and running one twice changes
// nothing (vectors are replaced per entity). Work survives a worker crash: BullMQ hands a stalled job to
// another worker.
import type { Job } from 'bullmq';
import { entityTypeNames, entityTypes } from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import { AppError } from '../platform/errors.ts';
import type { EntityChangedEvent, EventBus } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobQueues } from '../platform/queue/job-queues.ts';
import type { IndexerStats } from './indexer.ts';
import type { VectorService } from './service.ts';

interface IndexJob {
  workspaceId: string;
  entityType: string;
  entityId: string;
}

const CONCURRENCY = 8;

export class QueuedIndexer {
  private unsubscribe?: () => void;
  private readonly counters = { indexed: 0, removed: 0, failed: 0 };

  constructor(
    private readonly queues: JobQueues,
    private readonly vectors: VectorService,
    private readonly records: RecordsService,
    private readonly log: Logger,
  ) {}

  /** Adds a job for every record change made through this instance. */
  start(events: EventBus): void {
    this.unsubscribe = events.on('entity.changed', (event) => void this.enqueue(event));
  }

  /** Processes indexing jobs in this process (a worker, or an API instance with RUN_JOBS). */
  consume(): void {
    this.queues.process<IndexJob>('indexing', (job) => this.index(job), CONCURRENCY);
  }

  private async enqueue(event: EntityChangedEvent): Promise<void> {
    if (!(entityTypeNames as readonly string[]).includes(event.entityType)) return;
    const data: IndexJob = {
      workspaceId: event.workspaceId,
      entityType: event.entityType,
      entityId: event.entityId,
    };
    try {
      await this.queues.add('indexing', event.kind, data);
    } catch (error) {
      // The record is saved; only its index entry waits. `crm-ai index` catches up.
      this.counters.failed += 1;
      this.log.error({ err: error, ...data }, 'could not queue a record for indexing');
    }
  }

  private async index(job: Job<IndexJob>): Promise<void> {
    const { workspaceId, entityType, entityId } = job.data;
    const type = entityTypes[entityType as keyof typeof entityTypes];
    let record: Awaited<ReturnType<RecordsService['get']>> | undefined;
    try {
      record = await this.records.get(type, workspaceId, entityId);
    } catch (error) {
      if (!(error instanceof AppError && error.statusCode === 404)) throw error;
    }
    if (record) {
      await this.vectors.indexRecords(workspaceId, type.name, [record]);
      this.counters.indexed += 1;
    } else {
      await this.vectors.removeEntity(workspaceId, type.name, entityId);
      this.counters.removed += 1;
    }
  }

  stats(): IndexerStats {
    // Pending work is in the queue (crm_ai_queue_jobs{queue="indexing"}); this process counts what it did.
    return { pending: 0, ...this.counters };
  }

  idle(): Promise<void> {
    return this.queues.idle('indexing');
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
  }
}
