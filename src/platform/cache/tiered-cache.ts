// L1 (in-process LRU, bounded by items and bytes) over optional L2 (Redis), with cache-aside, single-flight,
// batch reads, warming, pattern invalidation across instances and statistics.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger.ts';
import { traced } from '../observability/tracing.ts';
import type { BreakerState } from './circuit-breaker.ts';
import { globToRegExp, literalPrefix } from './glob.ts';
import { type Invalidation, InvalidationBus } from './invalidation-bus.ts';
import { RedisTier, UNAVAILABLE } from './redis-tier.ts';
import { type Ttl, ttlMilliseconds } from './ttl.ts';

export interface TieredCacheOptions {
  /** First segment of every key, and of the bus channel. */
  namespace: string;
  l1MaxItems: number;
  l1MaxBytes: number;
  redis?: { url: string; timeoutMs: number; breakerThreshold: number; breakerCooldownMs: number };
  log: Logger;
}

interface L1Entry {
  value: unknown;
  bytes: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  errors: number;
  hitRate: string;
  localCacheSize: number;
  localCacheLimit: number;
  localCacheBytes: number;
  localCacheBytesLimit: number;
  redisConnected: boolean;
  l1: { hits: number; misses: number };
  l2: {
    enabled: boolean;
    hits: number;
    misses: number;
    errors: number;
    timeouts: number;
    breaker: BreakerState | 'disabled';
  };
  bus: { sent: number; received: number; gaps: number; flushes: number } | null;
}

export interface GetOrSetOptions {
  ttl: Ttl;
  /**
   * Hold a Redis lock while loading so that one process in the cluster computes the value and the others
   * wait for it: for expensive loaders such as model calls. The value is how long the lock may be held.
   */
  distributedLockMs?: number;
  /**
   * With Redis, keep the value there only, never in this process: a deletion then holds on every instance the
   * moment it returns (the bus reaches other processes a little later). For grants, where a revoked token
   * must stop working everywhere at once; it costs one Redis read per call.
   */
  sharedOnly?: boolean;
}

const LOCK_POLL_MS = 25;
/** How long after a delete it is repeated: longer than a stalled fill takes to reach Redis, in practice. */
const REPEAT_DELETE_MS = 1_000;

export class TieredCache {
  readonly namespace: string;
  private readonly l1: LRUCache<string, L1Entry>;
  private readonly l2?: RedisTier;
  private readonly bus?: InvalidationBus;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly background = new Set<Promise<unknown>>();
  /** Deletes to repeat (see repeatLater). */
  private readonly repeats = new Set<NodeJS.Timeout>();
  /** Bumped by every invalidation: a load that started before one must not store its (maybe stale) result. */
  private generation = 0;
  private readonly counters = { hits: 0, misses: 0, sets: 0, deletes: 0, l1Hits: 0, l1Misses: 0, errors: 0 };
  private readonly maxItems: number;
  private readonly maxBytes: number;

  constructor(options: TieredCacheOptions) {
    this.namespace = options.namespace;
    this.maxItems = options.l1MaxItems;
    this.maxBytes = options.l1MaxBytes;
    this.l1 = new LRUCache<string, L1Entry>({
      max: options.l1MaxItems,
      maxSize: options.l1MaxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttlAutopurge: false,
    });
    if (options.redis) {
      this.l2 = new RedisTier({ ...options.redis, log: options.log });
      this.bus = new InvalidationBus(
        `${options.namespace}:cache-bus`,
        this.l2.client,
        (invalidation) => this.applyLocally(invalidation),
        (channel, message) => this.l2!.publish(channel, message),
        options.log,
      );
    }
  }

  private starting?: Promise<void>;

  /** Connects Redis and the bus in the background; the promise says when both have tried once. */
  start(): Promise<void> {
    this.starting ??= Promise.all([this.l2?.start(), this.bus?.start()]).then(() => undefined);
    return this.starting;
  }

  async close(): Promise<void> {
    for (const timer of this.repeats) clearTimeout(timer);
    this.repeats.clear();
    await Promise.all(this.background);
    await this.bus?.close();
    await this.l2?.close();
  }

  get redisEnabled(): boolean {
    return this.l2 !== undefined;
  }

  async ping(): Promise<void> {
    await this.l2?.ping();
  }

  get<T>(key: string): Promise<T | undefined> {
    // The L1 hit path stays out of an async function: it is most calls and the goal is raw-LRU speed.
    const local = this.l1.get(key);
    if (local !== undefined) {
      this.counters.hits += 1;
      this.counters.l1Hits += 1;
      return Promise.resolve(local.value as T);
    }
    this.counters.l1Misses += 1;
    return this.getRemote(key);
  }

  /** Reads Redis; a hit refills L1 unless `keepLocal` is false (shared-only keys). */
  private async getRemote<T>(key: string, keepLocal = true): Promise<T | undefined> {
    if (this.l2) {
      const generation = this.generation;
      const l2 = this.l2;
      const json = await traced('cache.l2.get', 'cache', () => l2.get(key));
      if (typeof json === 'string') {
        const value = JSON.parse(json) as T;
        // An L2 hit refills L1, unless the key was invalidated meanwhile. L1 copies of L2 values live at most
        // the short preset, so a lost bus message costs at most that long.
        if (keepLocal && generation === this.generation)
          this.storeLocally(key, value, json.length, ttlMilliseconds('short'));
        this.counters.hits += 1;
        return value;
      }
      if (json === UNAVAILABLE) this.counters.errors += 1;
    }
    this.counters.misses += 1;
    return undefined;
  }

  /** Many keys at once: L1 first, then one MGET for the rest. */
  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const results: (T | undefined)[] = Array.from({ length: keys.length }, () => undefined);
    const missing: number[] = [];
    keys.forEach((key, index) => {
      const local = this.l1.get(key);
      if (local === undefined) missing.push(index);
      else results[index] = local.value as T;
    });
    this.counters.l1Hits += keys.length - missing.length;
    this.counters.l1Misses += missing.length;
    if (missing.length > 0 && this.l2) {
      const generation = this.generation;
      const values = await this.l2.getMany(missing.map((index) => keys[index]!));
      if (values === UNAVAILABLE) this.counters.errors += 1;
      else {
        values.forEach((json, position) => {
          if (json === null) return;
          const index = missing[position]!;
          const value = JSON.parse(json) as T;
          results[index] = value;
          if (generation === this.generation)
            this.storeLocally(keys[index]!, value, json.length, ttlMilliseconds('short'));
        });
      }
    }
    const found = results.filter((value) => value !== undefined).length;
    this.counters.hits += found;
    this.counters.misses += keys.length - found;
    return results;
  }

  async set(key: string, value: unknown, ttl: Ttl, options: { sharedOnly?: boolean } = {}): Promise<void> {
    await this.write(key, value, ttl, { ...options, invalidates: true });
  }

  /**
   * A set replaces what other instances may hold (`invalidates`); a cache-aside fill stores what the source
   * said, and may be dropped when Redis is slow.
   */
  private async write(
    key: string,
    value: unknown,
    ttl: Ttl,
    options: { sharedOnly?: boolean; invalidates: boolean },
  ): Promise<void> {
    const json = JSON.stringify(value);
    const ttlMs = ttlMilliseconds(ttl);
    this.counters.sets += 1;
    // A shared-only value is in no instance's L1, so there is nothing to tell the others either.
    const shared = this.isSharedOnly(options);
    if (!shared) this.storeLocally(key, value, json.length, ttlMs);
    if (this.l2) {
      // Issued together on one connection: Redis applies the SET before it publishes, and the caller waits
      // one deadline at most. Other instances may hold an older value in L1.
      const [stored] = await Promise.all([
        this.l2.set(key, json, ttlMs, { invalidates: options.invalidates }),
        shared ? undefined : this.bus?.send({ op: 'keys', keys: [key] }),
      ]);
      if (!stored) this.counters.errors += 1;
    }
  }

  async delete(keys: string | readonly string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : keys;
    this.counters.deletes += list.length;
    await this.invalidateKeys(list);
    if (this.l2) this.repeatLater(list);
  }

  /**
   * A fill in another process that read the source before this delete can reach Redis after it (that process
   * stalled between its read and its write) and put the old value back for everyone until its TTL. So the
   * delete is repeated once, a moment later: a "delayed double delete", which clears what such a fill left.
   */
  private repeatLater(keys: readonly string[]): void {
    const timer = setTimeout(() => {
      this.repeats.delete(timer);
      this.inBackground(this.invalidateKeys(keys));
    }, REPEAT_DELETE_MS);
    timer.unref();
    this.repeats.add(timer);
  }

  private async invalidateKeys(list: readonly string[]): Promise<void> {
    this.generation += 1;
    for (const key of list) this.l1.delete(key);
    if (this.l2) {
      const [removed] = await Promise.all([
        this.l2.delete(list),
        this.bus?.send({ op: 'keys', keys: [...list] }),
      ]);
      if (removed === UNAVAILABLE) this.counters.errors += 1;
    }
  }

  /** Deletes every key matching a Redis glob pattern, here, in Redis and in every other instance's L1. */
  async deletePattern(pattern: string): Promise<number> {
    let deleted = this.deleteLocalPattern(pattern);
    if (this.l2) {
      const removed = await this.l2.deletePattern(pattern);
      if (removed === UNAVAILABLE) this.counters.errors += 1;
      else deleted = Math.max(deleted, removed);
      await this.bus?.send({ op: 'pattern', pattern });
    }
    this.counters.deletes += deleted;
    return deleted;
  }

  /**
   * Cache-aside: the cached value, or the loader's, stored for next time. Concurrent callers of one key in
   * this process share one load; with distributedLockMs, callers across processes do too.
   */
  async getOrSet<T>(key: string, load: () => Promise<T>, options: GetOrSetOptions): Promise<T> {
    const local = this.isSharedOnly(options) ? undefined : this.l1.get(key);
    if (local !== undefined) {
      this.counters.hits += 1;
      this.counters.l1Hits += 1;
      return local.value as T;
    }
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<T>;
    const loading = this.loadThrough(key, load, options).finally(() => this.inflight.delete(key));
    this.inflight.set(key, loading);
    return loading;
  }

  /** Fills the cache for many keys with bounded concurrency, writing to Redis in pipelined batches. */
  async warm<T>(
    keys: readonly string[],
    load: (key: string) => Promise<T | undefined>,
    options: { ttl: Ttl; concurrency?: number; batchSize?: number },
  ): Promise<{ warmed: number; notInRedis: number }> {
    const concurrency = options.concurrency ?? 8;
    const batchSize = options.batchSize ?? 100;
    let next = 0;
    let warmed = 0;
    let notInRedis = 0;
    let batch: { key: string; json: string; ttlMs: number }[] = [];
    const flush = async () => {
      const entries = batch;
      batch = [];
      if (this.l2 && entries.length > 0 && !(await this.l2.setMany(entries))) {
        this.counters.errors += 1;
        notInRedis += entries.length;
      }
    };
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const value = await load(key);
        if (value === undefined) continue;
        const json = JSON.stringify(value);
        const ttlMs = ttlMilliseconds(options.ttl);
        this.storeLocally(key, value, json.length, ttlMs);
        this.counters.sets += 1;
        warmed += 1;
        batch.push({ key, json, ttlMs });
        if (batch.length >= batchSize) await flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
    await flush();
    return { warmed, notInRedis };
  }

  stats(): CacheStats {
    const { hits, misses } = this.counters;
    const lookups = hits + misses;
    const l2 = this.l2;
    return {
      hits,
      misses,
      sets: this.counters.sets,
      deletes: this.counters.deletes,
      errors: this.counters.errors,
      hitRate: `${lookups === 0 ? '0.00' : ((hits / lookups) * 100).toFixed(2)}%`,
      localCacheSize: this.l1.size,
      localCacheLimit: this.maxItems,
      localCacheBytes: this.l1.calculatedSize,
      localCacheBytesLimit: this.maxBytes,
      redisConnected: l2?.connected ?? false,
      l1: { hits: this.counters.l1Hits, misses: this.counters.l1Misses },
      l2: l2
        ? { enabled: true, ...l2.stats, breaker: l2.breakerState }
        : { enabled: false, hits: 0, misses: 0, errors: 0, timeouts: 0, breaker: 'disabled' },
      bus: this.bus ? { ...this.bus.stats } : null,
    };
  }

  private async loadThrough<T>(key: string, load: () => Promise<T>, options: GetOrSetOptions): Promise<T> {
    const cached = this.isSharedOnly(options) ? await this.getRemote<T>(key, false) : await this.get<T>(key);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const value =
      options.distributedLockMs && this.l2
        ? await this.loadUnderLock(key, load, options.distributedLockMs)
        : await load();
    // L1 is filled at once (unless shared-only); the L2 write and bus message go on in the background so that
    // a caller waits on Redis for one deadline at most (the read above), never two.
    if (value !== undefined && generation === this.generation)
      this.inBackground(
        this.write(key, value, options.ttl, { sharedOnly: options.sharedOnly, invalidates: false }),
      );
    return value;
  }

  /** Kept in Redis only: asked so, and there is a Redis. */
  private isSharedOnly(options: { sharedOnly?: boolean }): boolean {
    return options.sharedOnly === true && this.l2 !== undefined;
  }

  /** One loader across the cluster: the lock holder loads; the others wait for its value, then load themselves. */
  private async loadUnderLock<T>(key: string, load: () => Promise<T>, lockMs: number): Promise<T> {
    const lockKey = `${key}:lock`;
    const acquired = await this.l2!.setIfAbsent(lockKey, randomUUID(), lockMs);
    if (acquired === true || acquired === UNAVAILABLE) {
      try {
        return await load();
      } finally {
        if (acquired === true) await this.l2!.delete([lockKey]);
      }
    }
    const waitUntil = Date.now() + lockMs;
    while (Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      const json = await this.l2!.get(key);
      if (typeof json === 'string') return JSON.parse(json) as T;
      if (json === UNAVAILABLE) break;
    }
    return load();
  }

  /** Tracked, so close() waits for writes still on their way to Redis. Their failures are counted in set(). */
  private inBackground(work: Promise<unknown>): void {
    this.background.add(work);
    work.finally(() => this.background.delete(work)).catch(() => {});
  }

  private storeLocally(key: string, value: unknown, bytes: number, ttlMs: number | undefined): void {
    if (bytes > this.maxBytes) return;
    this.l1.set(key, { value, bytes }, ttlMs === undefined ? undefined : { ttl: ttlMs });
  }

  private deleteLocalPattern(pattern: string): number {
    this.generation += 1;
    const prefix = literalPrefix(pattern);
    const matcher = globToRegExp(pattern);
    let deleted = 0;
    for (const key of [...this.l1.keys()]) {
      if (key.startsWith(prefix) && matcher.test(key)) {
        this.l1.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  private applyLocally(invalidation: Invalidation): void {
    this.generation += 1;
    if (invalidation.op === 'flush') this.l1.clear();
    else if (invalidation.op === 'keys') for (const key of invalidation.keys) this.l1.delete(key);
    else this.deleteLocalPattern(invalidation.pattern);
  }
}
