// The operations page's last 24 hours, kept by the server: each instance writes one sample per interval
// (requests, 5xx, cache hits and misses since the last sample, latency percentiles of the requests in it, the
// queues' waiting jobs) to a shared table, and the history sums the instances per interval. Samples older than
// a day are pruned as new ones are written.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import { gaugeSamples } from './overview.ts';

export interface OperationsTables {
  operationSamples: {
    instanceId: string;
    at: string;
    requests: number;
    serverErrors: number;
    cacheHits: number;
    cacheMisses: number;
    latencyP50Ms: number;
    latencyP99Ms: number;
    queueDepth: number;
  };
}

export interface OperationsPoint {
  at: string;
  requests: number;
  errorRate: number;
  hitRate: number | null;
  p50Ms: number;
  p99Ms: number;
  queueDepth: number;
}

const DAY_MS = 86_400_000;
/** Latencies kept per interval for its percentiles: a uniform sample beyond this (reservoir sampling). */
const LATENCY_RESERVOIR = 5000;

export class OperationsHistory {
  private readonly instanceId = randomUUID();
  private readonly timer: NodeJS.Timeout;
  private latencies: number[] = [];
  private seen = 0;
  private requests = 0;
  private serverErrors = 0;
  private lastCache: { hits: number; misses: number };
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<OperationsTables>,
    private readonly metrics: Metrics,
    private readonly cacheCounts: () => { hits: number; misses: number },
    private readonly log: Logger,
    readonly sampleMs: number,
  ) {
    this.lastCache = cacheCounts();
    this.timer = setInterval(() => void this.sample(), sampleMs);
    this.timer.unref();
  }

  /** One answered API request. */
  observe(ms: number, status: number): void {
    this.requests += 1;
    if (status >= 500) this.serverErrors += 1;
    this.seen += 1;
    if (this.latencies.length < LATENCY_RESERVOIR) this.latencies.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < LATENCY_RESERVOIR) this.latencies[slot] = ms;
    }
  }

  /** Writes what this instance saw since the last sample. */
  sample(at = new Date()): Promise<void> {
    this.writing = this.writing
      .then(() => this.write(at))
      .catch((error) => this.log.warn({ err: error }, 'could not store an operations sample'));
    return this.writing;
  }

  private async write(at: Date): Promise<void> {
    const cache = this.cacheCounts();
    const latencies = this.latencies.sort((a, b) => a - b);
    const row = {
      instanceId: this.instanceId,
      at: at.toISOString(),
      requests: this.requests,
      serverErrors: this.serverErrors,
      cacheHits: Math.max(0, cache.hits - this.lastCache.hits),
      cacheMisses: Math.max(0, cache.misses - this.lastCache.misses),
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      queueDepth: await this.queueDepth(),
    };
    this.lastCache = cache;
    this.latencies = [];
    this.seen = 0;
    this.requests = 0;
    this.serverErrors = 0;
    await this.db.insertInto('operationSamples').values(row).execute();
    await this.db
      .deleteFrom('operationSamples')
      .where('at', '<', new Date(at.getTime() - DAY_MS).toISOString())
      .execute();
  }

  private async queueDepth(): Promise<number> {
    const samples = await gaugeSamples(this.metrics, 'crm_ai_queue_jobs');
    return samples.filter((s) => s.labels.state === 'waiting').reduce((sum, s) => sum + s.value, 0);
  }

  /** The cluster's samples of the last `hours`, one point per interval, oldest first. */
  async history(hours: number): Promise<{ sampleMs: number; points: OperationsPoint[] }> {
    const since = new Date(Date.now() - hours * 3_600_000).toISOString();
    const rows = await this.db
      .selectFrom('operationSamples')
      .selectAll()
      .where('at', '>=', since)
      .orderBy('at')
      .execute();
    const buckets = new Map<number, OperationsTables['operationSamples'][]>();
    for (const row of rows) {
      const bucket = Math.floor(Date.parse(row.at) / this.sampleMs) * this.sampleMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), row]);
    }
    const points = [...buckets.entries()].map(([bucket, samples]) => {
      const sum = (pick: (s: (typeof samples)[number]) => number) =>
        samples.reduce((total, s) => total + Number(pick(s)), 0);
      const requests = sum((s) => s.requests);
      const lookups = sum((s) => s.cacheHits) + sum((s) => s.cacheMisses);
      return {
        at: new Date(bucket).toISOString(),
        requests,
        errorRate: requests ? round(sum((s) => s.serverErrors) / requests, 4) : 0,
        hitRate: lookups ? round(sum((s) => s.cacheHits) / lookups, 4) : null,
        // Across instances: the median weighted by requests; the worst p99 (a percentile does not add up).
        p50Ms: requests ? round(sum((s) => s.latencyP50Ms * s.requests) / requests, 2) : 0,
        p99Ms: Math.max(...samples.map((s) => Number(s.latencyP99Ms))),
        // The queues are shared: every instance reads the same depth.
        queueDepth: Math.max(...samples.map((s) => Number(s.queueDepth))),
      };
    });
    return { sampleMs: this.sampleMs, points };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.writing;
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!, 2);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
