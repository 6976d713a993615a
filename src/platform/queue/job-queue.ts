// One job-queue interface with two drivers, as Twenty does with its message-queue drivers: in-process (the
// embedded default: jobs run in this process, lost with it) and BullMQ on Redis (shared by every instance and
// worker, surviving restarts). Modules name their own queues and register their handlers; callers never ask
// which driver runs. Work whose loss matters keeps durable state of its own (training jobs' leases, indexing's
// pending changes) and uses the queue to wake whoever does it.
import type { Metrics, Sample } from '../observability/metrics.ts';

export interface QueuedJob<T> {
  id: string;
  name: string;
  data: T;
  /** Attempts already made before this one. */
  attemptsMade: number;
}

export interface AddOptions {
  /**
   * A job with this id that is still known is not added again (idempotent adds). Finished jobs stay known
   * (the last 1,000), so an id names one piece of work once, not a kind of work that recurs.
   */
  jobId?: string;
  /**
   * Work that recurs ("retrain this workspace"): while a job with this key waits, another is not added; one
   * added while it runs waits for the next turn. So at most one runs and one waits per key, and a request
   * made after the last run finished is never dropped.
   */
  dedupeKey?: string;
  /** Tries in all, retried with exponential backoff from `backoffMs`. */
  attempts?: number;
  backoffMs?: number;
  delayMs?: number;
}

export type JobStateName = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface JobState {
  data: unknown;
  state: JobStateName;
  result?: unknown;
  failedReason?: string;
}

export type QueueCounts = Record<JobStateName, number>;

export interface JobQueue {
  readonly driver: 'in-process' | 'bullmq';
  /** Whether other processes add and take jobs too (a worker may run what this instance adds). */
  readonly shared: boolean;
  add<T extends object>(
    queue: string,
    jobName: string,
    data: T,
    options?: AddOptions,
  ): Promise<{ id: string }>;
  /** Runs a queue's jobs in this process, `concurrency` at a time. */
  process<T>(queue: string, handler: (job: QueuedJob<T>) => Promise<unknown>, concurrency?: number): void;
  /** A job's state and result, or undefined when it is gone (the last 1,000 finished jobs are kept). */
  job(queue: string, id: string): Promise<JobState | undefined>;
  counts(queue: string): Promise<QueueCounts>;
  /** Resolves once nothing is waiting, delayed or active in the queue (tests, shutdown). */
  idle(queue: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 6;
export const DEFAULT_BACKOFF_MS = 500;
/** Finished jobs kept for status reads. */
export const KEPT_FINISHED_JOBS = 1000;

/** Polls `counts` until the queue is drained: shared by both drivers. */
export async function waitForIdle(queue: JobQueue, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.counts(name);
    if (counts.waiting + counts.active + counts.delayed === 0) return;
    if (Date.now() > deadline) throw new Error(`queue ${name} still busy: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reports these queues' depth (waiting, active, failed) in /metrics. */
export function reportQueueDepth(queue: JobQueue, metrics: Metrics, names: readonly string[]): void {
  metrics.queue(async () => {
    const samples: Sample[] = [];
    for (const name of names) {
      const counts = await queue.counts(name);
      samples.push(
        [{ queue: name, state: 'waiting' }, counts.waiting + counts.delayed],
        [{ queue: name, state: 'active' }, counts.active],
        [{ queue: name, state: 'failed' }, counts.failed],
      );
    }
    return samples;
  });
}
