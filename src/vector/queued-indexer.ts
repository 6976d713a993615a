// Indexing through the cluster's job queue (JOB_QUEUE=redis): any instance that changes a record adds a job
// naming it; a worker reads the record as it is then and indexes it, or removes it when it is gone. Jobs
// carry ids, not records, so a retried or late job indexes the latest state and running one twice changes
// nothing (vectors are replaced per entity). Work survives a worker crash: BullMQ hands a stalled job to
// another worker.
import { entityTypeNames, entityTypes } from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import { AppError } from '../platform/errors.ts';
import type { EntityChangedEvent, EventBus } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobQueue, QueuedJob } from '../platform/queue/job-queue.ts';
import { ChangeSettler } from './change-settler.ts';
import type { IndexerStats } from './indexer.ts';
import type { VectorService } from './service.ts';

interface IndexJob {
  workspaceId: string;
  entityType: string;
  entityId: string;
  /** The change's note in pending_record_changes, settled once the index holds it. */
  changeToken?: string;
}

const CONCURRENCY = 8;
/**
 * A change still unsettled this long after it was committed lost its job (the instance died between the
 * commit and the queue write, or Redis lost it): the sweep queues it again. Jobs are idempotent.
 */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_FIRST_MS = 5_000;

export const INDEXING_QUEUE = 'indexing';

export class QueuedIndexer {
  private unsubscribe?: () => void;
  private firstSweep?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private readonly counters = { indexed: 0, removed: 0, failed: 0, recovered: 0 };
  private readonly settler: ChangeSettler;

  constructor(
    private readonly queues: JobQueue,
    private readonly vectors: VectorService,
    private readonly records: RecordsService,
    private readonly log: Logger,
  ) {
    this.settler = new ChangeSettler(vectors, records, log);
  }

  /** Adds a job for every record change made through this instance. */
  start(events: EventBus): void {
    this.unsubscribe = events.on('entity.changed', (event) => void this.enqueue(event));
  }

  /** Processes indexing jobs in this process (a worker, or an API instance with RUN_JOBS). */
  consume(): void {
    this.queues.process<IndexJob>(INDEXING_QUEUE, (job) => this.index(job), CONCURRENCY);
    // A first sweep soon after start (a worker that replaces a crashed one), then every half window.
    this.firstSweep = setTimeout(() => void this.recover(), SWEEP_FIRST_MS);
    this.firstSweep.unref();
    this.sweepTimer = setInterval(() => void this.recover(), SWEEP_AFTER_MS / 2);
    this.sweepTimer.unref();
  }

  /** Queues again every change left unsettled for longer than a job takes; returns how many. */
  async recover(): Promise<number> {
    let recovered = 0;
    try {
      const before = new Date(Date.now() - SWEEP_AFTER_MS);
      for await (const changes of this.records.allPendingChanges({ before })) {
        for (const { workspaceId, entityType, entityId, token } of changes) {
          await this.queues.add(
            INDEXING_QUEUE,
            'recovered',
            { workspaceId, entityType, entityId, changeToken: token },
            // Not the change's own job id: that job may have run (the record is indexed) and be kept as
            // completed, which would make BullMQ ignore this one and leave the change unsettled for good.
            { jobId: `sweep-${token}-${Math.floor(Date.now() / SWEEP_AFTER_MS)}` },
          );
        }
        recovered += changes.length;
      }
    } catch (error) {
      this.log.error({ err: error }, 'queueing unsettled record changes failed; the next sweep retries');
    }
    this.counters.recovered += recovered;
    return recovered;
  }

  private async enqueue(event: EntityChangedEvent): Promise<void> {
    if (!(entityTypeNames as readonly string[]).includes(event.entityType)) return;
    const data: IndexJob = {
      workspaceId: event.workspaceId,
      entityType: event.entityType,
      entityId: event.entityId,
      changeToken: event.changeToken,
    };
    try {
      await this.queues.add(
        INDEXING_QUEUE,
        event.kind,
        data,
        event.changeToken ? { jobId: `change-${event.changeToken}` } : {},
      );
    } catch (error) {
      // The record is saved; only its index entry waits. `crm-ai index` catches up.
      this.counters.failed += 1;
      this.log.error({ err: error, ...data }, 'could not queue a record for indexing');
    }
  }

  private async index(job: QueuedJob<IndexJob>): Promise<void> {
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
    this.settler.indexed([job.data.changeToken]);
  }

  stats(): IndexerStats {
    // Pending work is in the queue (crm_ai_queue_jobs{queue="indexing"}); this process counts what it did.
    return { pending: 0, ...this.counters };
  }

  async idle(): Promise<void> {
    await this.queues.idle(INDEXING_QUEUE);
    await this.settler.settleNow();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearTimeout(this.firstSweep);
    clearInterval(this.sweepTimer);
    await this.settler.settleNow();
  }
}
