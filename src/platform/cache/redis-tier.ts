// The L2 tier: Redis calls bounded by a deadline and a circuit breaker, so no caller ever waits on a slow
// or dead Redis longer than the deadline. Every method reports "unavailable" instead of throwing.
import { createClient, type RedisClientType } from '@redis/client';
import type { Logger } from '../logger.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';

export const UNAVAILABLE = Symbol('redis unavailable');
export type Unavailable = typeof UNAVAILABLE;

/** How a call is bounded: reads get the request deadline; batches and invalidations the longer one. */
interface CallKind {
  bulk: boolean;
  passesOpenBreaker: boolean;
}
const READ: CallKind = { bulk: false, passesOpenBreaker: false };
const BULK: CallKind = { bulk: true, passesOpenBreaker: false };
const INVALIDATION: CallKind = { bulk: true, passesOpenBreaker: true };

export interface RedisTierOptions {
  url: string;
  timeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  log: Logger;
}

export interface RedisTierStats {
  hits: number;
  misses: number;
  errors: number;
  timeouts: number;
}

export class RedisTier {
  readonly client: RedisClientType;
  readonly stats: RedisTierStats = { hits: 0, misses: 0, errors: 0, timeouts: 0 };
  private readonly breaker: CircuitBreaker;
  private readonly deadlines = new DeadlineSweeper();
  private readonly timeoutMs: number;
  /** Batches (warming) and invalidations get more time than a request's read. */
  private readonly bulkTimeoutMs: number;
  private readonly log: Logger;

  constructor(options: RedisTierOptions) {
    this.timeoutMs = options.timeoutMs;
    this.bulkTimeoutMs = Math.max(1000, options.timeoutMs * 20);
    this.log = options.log;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
    });
    this.client = createClient({
      url: options.url,
      // Fail fast while disconnected instead of queueing: a queued command would outlive its deadline.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: Math.max(1000, options.timeoutMs * 10),
        reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000),
      },
    }) as RedisClientType;
    this.client.on('error', (error: Error) => {
      this.log.debug({ err: error }, 'redis cache connection error');
    });
  }

  /** Connects in the background: the cache works from L1 until Redis answers. */
  start(): Promise<void> {
    return this.client.connect().then(
      () => undefined,
      (error: Error) => {
        this.log.warn({ err: error }, 'redis cache unavailable at start; serving from L1 until it answers');
      },
    );
  }

  get connected(): boolean {
    return this.client.isReady && this.breaker.state !== 'open';
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async get(key: string): Promise<string | null | Unavailable> {
    const value = await this.call((client) => client.get(key));
    if (value === UNAVAILABLE) return value;
    if (value === null) this.stats.misses += 1;
    else this.stats.hits += 1;
    return value;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[] | Unavailable> {
    if (keys.length === 0) return [];
    const values = await this.call((client) => client.mGet([...keys]));
    if (values === UNAVAILABLE) return values;
    for (const value of values) {
      if (value === null) this.stats.misses += 1;
      else this.stats.hits += 1;
    }
    return values as (string | null)[];
  }

  /**
   * A write that replaces what other instances may read (`invalidates`) is tried even while the breaker is
   * open and gets the longer deadline: dropping it would leave them a stale value. A cache fill is not.
   */
  async set(key: string, json: string, ttlMs: number, options: { invalidates: boolean }): Promise<boolean> {
    const write = (client: RedisClientType) =>
      client.set(key, json, { expiration: { type: 'PX', value: ttlMs } });
    return (await this.call(write, options.invalidates ? INVALIDATION : undefined)) !== UNAVAILABLE;
  }

  /** Many writes in one round trip. */
  async setMany(entries: readonly { key: string; json: string; ttlMs: number }[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const result = await this.call((client) => {
      const pipeline = client.multi();
      for (const { key, json, ttlMs } of entries) {
        pipeline.set(key, json, { expiration: { type: 'PX', value: ttlMs } });
      }
      return pipeline.execAsPipeline();
    }, BULK);
    return result !== UNAVAILABLE;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean | Unavailable> {
    const result = await this.call((client) =>
      client.set(key, value, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }),
    );
    return result === UNAVAILABLE ? result : result === 'OK';
  }

  async delete(keys: readonly string[]): Promise<number | Unavailable> {
    if (keys.length === 0) return 0;
    return this.call((client) => client.unlink([...keys]), INVALIDATION);
  }

  /**
   * SCAN + UNLINK in batches, never KEYS: Redis keeps serving other clients between batches. Each batch has
   * its own deadline; a pattern over many keys takes as many round trips as it needs.
   */
  async deletePattern(pattern: string, batchSize = 500): Promise<number | Unavailable> {
    let cursor = '0';
    let deleted = 0;
    do {
      const page = await this.call(
        (client) => client.scan(cursor, { MATCH: pattern, COUNT: batchSize }),
        INVALIDATION,
      );
      if (page === UNAVAILABLE) return page;
      cursor = String(page.cursor);
      if (page.keys.length > 0) {
        const removed = await this.call((client) => client.unlink(page.keys), INVALIDATION);
        if (removed === UNAVAILABLE) return removed;
        deleted += removed;
      }
    } while (cursor !== '0');
    return deleted;
  }

  async publish(channel: string, message: string): Promise<boolean> {
    return (await this.call((client) => client.publish(channel, message), INVALIDATION)) !== UNAVAILABLE;
  }

  async ping(): Promise<void> {
    await this.client.withCommandOptions({ timeout: Math.max(this.timeoutMs, 1000) }).ping();
  }

  async close(): Promise<void> {
    if (this.client.isOpen) this.client.destroy();
  }

  /**
   * One bounded call: given up after the deadline, and refused while the breaker is open unless it is an
   * invalidation (the breaker guards read latency; an invalidation dropped is a stale value elsewhere).
   */
  private call<T>(
    command: (client: RedisClientType) => Promise<T>,
    kind: CallKind = READ,
  ): Promise<T | Unavailable> {
    if (!this.client.isReady) return Promise.resolve(UNAVAILABLE);
    if (!(kind.passesOpenBreaker || this.breaker.allows())) return Promise.resolve(UNAVAILABLE);
    const timeoutMs = kind.bulk ? this.bulkTimeoutMs : this.timeoutMs;
    // One promise settled by whichever comes first, the reply or the deadline (cheaper than Promise.race
    // over a deadline promise: this is the L2 hot path). A reply after the deadline is dropped.
    return new Promise((resolve) => {
      let settled = false;
      const cancel = this.deadlines.add(timeoutMs, () => {
        if (settled) return;
        settled = true;
        this.stats.timeouts += 1;
        this.breaker.failed();
        resolve(UNAVAILABLE);
      });
      command(this.client).then(
        (result) => {
          if (settled) return;
          settled = true;
          cancel();
          this.breaker.succeeded();
          resolve(result);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          cancel();
          this.stats.errors += 1;
          this.breaker.failed();
          this.log.debug({ err: error }, 'redis cache call failed');
          resolve(UNAVAILABLE);
        },
      );
    });
  }
}

/**
 * Deadlines for many concurrent calls on one coarse timer: a setTimeout per Redis call cost more than the
 * call's own client work at high concurrency. A deadline fires at most SWEEP_MS late.
 */
class DeadlineSweeper {
  private static readonly SWEEP_MS = 5;
  private readonly pending = new Set<{ at: number; expire: () => void }>();
  private timer?: NodeJS.Timeout;
  private intervalMs: number = DeadlineSweeper.SWEEP_MS;
  private lastSweepAt = 0;

  add(timeoutMs: number, expire: () => void): () => void {
    const entry = { at: performance.now() + timeoutMs, expire };
    this.pending.add(entry);
    if (!this.timer) {
      this.intervalMs = Math.min(DeadlineSweeper.SWEEP_MS, timeoutMs);
      this.lastSweepAt = performance.now();
      this.timer = setInterval(() => this.sweep(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.pending.delete(entry);
    };
  }

  private sweep(): void {
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = performance.now();
    // A busy process must not mistake its own stall for a slow Redis (and drop writes): time the event loop
    // was blocked is not Redis's, so every deadline moves by it. A call issued just before the stall may not
    // even have been written to the socket yet.
    const stalled = now - this.lastSweepAt - 2 * this.intervalMs;
    this.lastSweepAt = now;
    if (stalled > 0) for (const entry of this.pending) entry.at += stalled;
    const due = [...this.pending].filter((entry) => entry.at <= now);
    if (due.length === 0) return;
    // Timers run before the loop reads its sockets: expiring in setImmediate (after the poll) lets replies
    // that already arrived settle their calls first.
    setImmediate(() => {
      for (const entry of due) {
        if (this.pending.delete(entry)) entry.expire();
      }
    });
  }
}
