// The BullMQ driver of the job queue (JOB_QUEUE=redis), shared by every instance: API instances add jobs,
// workers (`crm-ai worker`, or API instances with RUN_JOBS) process them. A job is handed to one worker at a time under a
// lock; a worker that dies leaves its job stalled, and another takes it over; failures are retried with
// exponential backoff and kept in the failed set once attempts run out, visible in /metrics.
import { type JobsOptions, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import {
  type AddOptions,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type JobQueue,
  type JobState,
  KEPT_FINISHED_JOBS,
  type QueueCounts,
  type QueuedJob,
  waitForIdle,
} from './job-queue.ts';

const DEFAULT_JOB: JobsOptions = {
  attempts: DEFAULT_ATTEMPTS,
  backoff: { type: 'exponential', delay: DEFAULT_BACKOFF_MS },
  removeOnComplete: { count: KEPT_FINISHED_JOBS },
  // Failed jobs stay until someone looks (and the metrics count them).
  removeOnFail: false,
};

export interface BullMqQueueOptions {
  redisUrl: string;
  /** Key prefix, so that deployments and test runs sharing a Redis stay apart. */
  prefix: string;
  log: Logger;
  /** How long a worker may go silent before its job is taken over (BullMQ's lock). */
  lockMs?: number;
  /** Told of every failed attempt that will be retried (for the metrics). */
  onRetry?: (queue: string) => void;
}

export class BullMqQueue implements JobQueue {
  readonly driver = 'bullmq';
  readonly shared = true;
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];

  constructor(private readonly options: BullMqQueueOptions) {
    // BullMQ's blocking commands need no per-request retry limit.
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.connection.on('error', (error) => options.log.warn({ err: error }, 'job queue connection error'));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.options.prefix });
      // Without a listener BullMQ prints every failed reconnect to the console while Redis is down.
      queue.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'job queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add<T extends object>(
    name: string,
    jobName: string,
    data: T,
    options: AddOptions = {},
  ): Promise<{ id: string }> {
    const job = await this.queue(name).add(jobName, data, {
      ...DEFAULT_JOB,
      ...(options.jobId ? { jobId: options.jobId } : {}),
      // BullMQ's deduplication: one waiting per id, and one added while the job runs is kept for after it.
      ...(options.dedupeKey ? { deduplication: { id: options.dedupeKey, keepLastIfActive: true } } : {}),
      ...(options.attempts ? { attempts: options.attempts } : {}),
      ...(options.backoffMs ? { backoff: { type: 'exponential', delay: options.backoffMs } } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
    return { id: String(job.id) };
  }

  /** Processes a queue's jobs in this process, `concurrency` at a time. */
  process<T>(name: string, handler: (job: QueuedJob<T>) => Promise<unknown>, concurrency = 4): void {
    const connection = this.connection.duplicate();
    connection.on('error', (error) =>
      this.options.log.warn({ err: error, queue: name }, 'job worker connection error'),
    );
    this.workerConnections.push(connection);
    const worker = new Worker<T>(
      name,
      (job) =>
        handler({ id: String(job.id), name: job.name, data: job.data, attemptsMade: job.attemptsMade }),
      {
        connection,
        prefix: this.options.prefix,
        concurrency,
        lockDuration: this.options.lockMs ?? 30_000,
        stalledInterval: Math.max(1000, (this.options.lockMs ?? 30_000) / 2),
      },
    );
    worker.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'job worker error'));
    worker.on('failed', (job, error) => {
      const willRetry = job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1);
      if (willRetry) this.options.onRetry?.(name);
      this.options.log.warn(
        { queue: name, jobId: job?.id, attempts: job?.attemptsMade, willRetry, err: error },
        'background job failed',
      );
    });
    worker.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'queue worker error'));
    this.workers.push(worker);
  }

  /** A job's state and result, or undefined when it is gone (completed jobs are kept for the last 1,000). */
  async job(name: string, id: string): Promise<JobState | undefined> {
    // The state first: a job read after it says `completed` carries its result; read the other way round, it
    // could finish in between and come back completed without one.
    const state = await this.queue(name).getJobState(id);
    const job = await this.queue(name).getJob(id);
    if (!job || state === 'unknown') return undefined;
    return {
      data: job.data as unknown,
      state: state === 'waiting-children' || state === 'prioritized' ? 'waiting' : state,
      result: job.returnvalue as unknown,
      failedReason: job.failedReason,
    };
  }

  async counts(name: string): Promise<QueueCounts> {
    const counts = await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  idle(name: string, timeoutMs = 30_000): Promise<void> {
    return waitForIdle(this, name, timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    for (const connection of this.workerConnections) connection.disconnect();
    this.connection.disconnect();
  }
}
