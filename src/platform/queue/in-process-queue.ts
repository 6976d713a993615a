// The in-process driver of the job queue (the embedded default): jobs wait in memory and run in this process,
// `concurrency` at a time per queue, retried with exponential backoff like BullMQ's. A job added before its
// handler is registered waits for it. Jobs are lost with the process; work that must survive keeps its own
// durable state (see job-queue.ts).
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
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

interface Entry {
  job: QueuedJob<unknown>;
  dedupeKey?: string;
  state: JobState;
  attempts: number;
  backoffMs: number;
  timer?: NodeJS.Timeout;
}

interface Lane {
  handler?: (job: QueuedJob<unknown>) => Promise<unknown>;
  concurrency: number;
  waiting: Entry[];
  active: number;
  /** Waiting, delayed and active jobs: never dropped. */
  pending: Map<string, Entry>;
  /** Finished jobs, kept for status reads up to a bound. */
  finished: LRUCache<string, Entry>;
  running: Set<Promise<void>>;
}

export class InProcessQueue implements JobQueue {
  readonly driver = 'in-process';
  readonly shared = false;
  private readonly lanes = new Map<string, Lane>();
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly onRetry: (queue: string) => void = () => {},
  ) {}

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = {
        concurrency: 1,
        waiting: [],
        active: 0,
        pending: new Map(),
        finished: new LRUCache<string, Entry>({ max: KEPT_FINISHED_JOBS }),
        running: new Set(),
      };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  async add<T extends object>(queue: string, jobName: string, data: T, options: AddOptions = {}) {
    if (this.closed) throw new Error('the job queue is closed');
    const lane = this.lane(queue);
    const id = options.jobId ?? randomUUID();
    if (lane.pending.has(id) || lane.finished.has(id)) return { id };
    if (options.dedupeKey) {
      for (const pending of lane.pending.values()) {
        if (pending.dedupeKey === options.dedupeKey && pending.state.state !== 'active')
          return { id: pending.job.id };
      }
    }
    const entry: Entry = {
      dedupeKey: options.dedupeKey,
      job: { id, name: jobName, data, attemptsMade: 0 },
      state: { data, state: options.delayMs ? 'delayed' : 'waiting' },
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    };
    lane.pending.set(id, entry);
    if (options.delayMs) this.delay(queue, entry, options.delayMs);
    else lane.waiting.push(entry);
    this.drain(queue);
    return { id };
  }

  process<T>(queue: string, handler: (job: QueuedJob<T>) => Promise<unknown>, concurrency = 4): void {
    const lane = this.lane(queue);
    if (lane.handler) throw new Error(`queue ${queue} already has a handler in this process`);
    lane.handler = handler as (job: QueuedJob<unknown>) => Promise<unknown>;
    lane.concurrency = concurrency;
    this.drain(queue);
  }

  async job(queue: string, id: string): Promise<JobState | undefined> {
    const lane = this.lanes.get(queue);
    return (lane?.pending.get(id) ?? lane?.finished.get(id))?.state;
  }

  async counts(queue: string): Promise<QueueCounts> {
    const counts: QueueCounts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    const lane = this.lanes.get(queue);
    for (const entry of lane?.pending.values() ?? []) counts[entry.state.state]++;
    for (const entry of lane?.finished.values() ?? []) counts[entry.state.state]++;
    return counts;
  }

  idle(queue: string, timeoutMs = 30_000): Promise<void> {
    return waitForIdle(this, queue, timeoutMs);
  }

  /** Stops taking jobs and waits for the running ones; what still waits is dropped, as a process exit would. */
  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      for (const entry of lane.pending.values()) clearTimeout(entry.timer);
      lane.waiting = [];
    }
    await Promise.all([...this.lanes.values()].flatMap((lane) => [...lane.running]));
  }

  private delay(queue: string, entry: Entry, ms: number) {
    entry.state = { ...entry.state, state: 'delayed' };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.state = { ...entry.state, state: 'waiting' };
      this.lane(queue).waiting.push(entry);
      this.drain(queue);
    }, ms);
    entry.timer.unref();
  }

  private drain(queue: string) {
    const lane = this.lane(queue);
    while (!this.closed && lane.handler && lane.active < lane.concurrency && lane.waiting.length > 0) {
      const entry = lane.waiting.shift()!;
      lane.active++;
      entry.state = { ...entry.state, state: 'active' };
      const run = this.run(queue, lane, entry).finally(() => {
        lane.active--;
        lane.running.delete(run);
        this.drain(queue);
      });
      lane.running.add(run);
    }
  }

  private finish(lane: Lane, entry: Entry) {
    lane.pending.delete(entry.job.id);
    lane.finished.set(entry.job.id, entry);
  }

  private async run(queue: string, lane: Lane, entry: Entry) {
    try {
      const result = await lane.handler!(entry.job);
      entry.state = { data: entry.job.data, state: 'completed', result };
      this.finish(lane, entry);
    } catch (error) {
      entry.job = { ...entry.job, attemptsMade: entry.job.attemptsMade + 1 };
      const willRetry = entry.job.attemptsMade < entry.attempts && !this.closed;
      this.log.warn(
        { queue, jobId: entry.job.id, attempts: entry.job.attemptsMade, willRetry, err: error },
        'background job failed',
      );
      if (willRetry) {
        this.onRetry(queue);
        this.delay(queue, entry, entry.backoffMs * 2 ** (entry.job.attemptsMade - 1));
      } else {
        entry.state = { data: entry.job.data, state: 'failed', failedReason: (error as Error).message };
        this.finish(lane, entry);
      }
    }
  }
}
