// Background jobs on Redis with BullMQ, shared by every instance: API instances add jobs, workers (`crm-ai
// worker`, or API instances with RUN_JOBS) process them. A job is handed to one worker at a time under a
// lock; a worker that dies leaves its job stalled, and another takes it over; failures are retried with
// exponential backoff and kept in the failed set once attempts run out, visible in /metrics.
import { type Job, type JobsOptions, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Metrics, Sample } from '../observability/metrics.ts';

export type QueueName = 'indexing' | 'fine-tuning' | 'workflows';
/** Queues whose depth /metrics reports from Redis; training jobs are counted from the database instead. */
const REPORTED_QUEUES: readonly QueueName[] = ['indexing', 'workflows'];

const DEFAULT_JOB: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1000 },
  // Failed jobs stay until someone looks (and the metrics count them).
  removeOnFail: false,
};

export interface JobQueuesOptions {
  redisUrl: string;
  /** Key prefix, so that deployments and test runs sharing a Redis stay apart. */
  prefix: string;
  log: Logger;
  /** How long a worker may go silent before its job is taken over (BullMQ's lock). */
  lockMs?: number;
}

export class JobQueues {
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];
  private metrics?: Metrics;

  constructor(private readonly options: JobQueuesOptions) {
    // BullMQ's blocking commands need no per-request retry limit.
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.connection.on('error', (error) => options.log.warn({ err: error }, 'job queue connection error'));
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.options.prefix });
      // Without a listener BullMQ prints every failed reconnect to the console while Redis is down.
      queue.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'job queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  add<T extends object>(
    name: QueueName,
    jobName: string,
    data: T,
    options: JobsOptions = {},
  ): Promise<Job<T>> {
    return this.queue(name).add(jobName, data, { ...DEFAULT_JOB, ...options });
  }

  /** Processes a queue's jobs in this process, `concurrency` at a time. */
  process<T>(name: QueueName, handler: (job: Job<T>) => Promise<unknown>, concurrency = 4): void {
    const connection = this.connection.duplicate();
    connection.on('error', (error) =>
      this.options.log.warn({ err: error, queue: name }, 'job worker connection error'),
    );
    this.workerConnections.push(connection);
    const worker = new Worker<T>(name, handler, {
      connection,
      prefix: this.options.prefix,
      concurrency,
      lockDuration: this.options.lockMs ?? 30_000,
      stalledInterval: Math.max(1000, (this.options.lockMs ?? 30_000) / 2),
    });
    worker.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'job worker error'));
    worker.on('failed', (job, error) => {
      const willRetry = job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1);
      if (willRetry) this.metrics?.queueRetries.inc({ queue: name });
      this.options.log.warn(
        { queue: name, jobId: job?.id, attempts: job?.attemptsMade, willRetry, err: error },
        'background job failed',
      );
    });
    worker.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'queue worker error'));
    this.workers.push(worker);
  }

  /** A job's state and result, or undefined when it is gone (completed jobs are kept for the last 1,000). */
  async job(name: QueueName, id: string) {
    // The state first: a job read after it says `completed` carries its result; read the other way round, it
    // could finish in between and come back completed without one.
    const state = await this.queue(name).getJobState(id);
    const job = await this.queue(name).getJob(id);
    if (!job || state === 'unknown') return undefined;
    return {
      data: job.data as unknown,
      state,
      result: job.returnvalue as unknown,
      failedReason: job.failedReason,
    };
  }

  async counts(
    name: QueueName,
  ): Promise<Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed', number>> {
    const counts = await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  /** Resolves once nothing is waiting, delayed or active in the queue (tests, shutdown). */
  async idle(name: QueueName, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.counts(name);
      if (counts.waiting + counts.active + counts.delayed === 0) return;
      if (Date.now() > deadline) throw new Error(`queue ${name} still busy: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  registerMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    metrics.queue(async () => {
      const samples: Sample[] = [];
      for (const name of REPORTED_QUEUES) {
        const counts = await this.counts(name);
        samples.push(
          [{ queue: name, state: 'waiting' }, counts.waiting + counts.delayed],
          [{ queue: name, state: 'active' }, counts.active],
          [{ queue: name, state: 'failed' }, counts.failed],
        );
      }
      return samples;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    for (const connection of this.workerConnections) connection.disconnect();
    this.connection.disconnect();
  }
}
