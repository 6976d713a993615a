// What the panel's operations page shows, from the same numbers /metrics exports: cache hit rate, latency
// percentiles per route (interpolated from the latency histogram's buckets, as histogram_quantile does),
// queue depth and indexing lag.
import type { Histogram } from 'prom-client';
import type { CacheService } from '../cache/cache-service.ts';
import type { Metrics } from './metrics.ts';

export interface RouteLatency {
  route: string;
  method: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

const TOP_ROUTES = 15;

export async function routeLatencies(histogram: Histogram): Promise<RouteLatency[]> {
  const { values } = await histogram.get();
  const series = new Map<
    string,
    { route: string; method: string; count: number; buckets: [number, number][] }
  >();
  for (const sample of values) {
    const { route, method, le } = sample.labels as { route: string; method: string; le?: number | string };
    const key = `${method} ${route}`;
    let entry = series.get(key);
    if (!entry) {
      entry = { route, method, count: 0, buckets: [] };
      series.set(key, entry);
    }
    if (sample.metricName?.endsWith('_bucket'))
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), sample.value]);
    if (sample.metricName?.endsWith('_count')) entry.count = sample.value;
  }
  return [...series.values()]
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, TOP_ROUTES)
    .map((entry) => {
      const buckets = entry.buckets.sort((a, b) => a[0] - b[0]);
      return {
        route: entry.route,
        method: entry.method,
        count: entry.count,
        p50Ms: round(quantile(0.5, buckets, entry.count) * 1000),
        p99Ms: round(quantile(0.99, buckets, entry.count) * 1000),
      };
    });
}

/** Linear interpolation inside the bucket holding the quantile; the top finite bound for the +Inf bucket. */
function quantile(q: number, buckets: [number, number][], count: number): number {
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (!Number.isFinite(bound)) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket === 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = cumulative;
  }
  return lowerBound;
}

const round = (value: number) => Math.round(value * 100) / 100;

export async function gaugeSamples(metrics: Metrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

export async function operationsOverview(metrics: Metrics, cache: CacheService) {
  const stats = cache.getStats();
  const lookups = stats.hits + stats.misses;
  const queues = (await gaugeSamples(metrics, 'crm_ai_queue_jobs')).map((sample) => ({
    queue: String(sample.labels.queue),
    state: String(sample.labels.state),
    jobs: sample.value,
  }));
  const lag = (await gaugeSamples(metrics, 'crm_ai_indexing_lag'))[0]?.value ?? 0;
  return {
    at: new Date().toISOString(),
    cache: {
      hits: stats.hits,
      misses: stats.misses,
      hitRate: lookups === 0 ? 0 : round(stats.hits / lookups),
      l1Entries: stats.localCacheSize,
      redisConnected: stats.redisConnected,
      breaker: String(stats.l2.breaker),
    },
    latency: await routeLatencies(metrics.httpDuration),
    queues,
    indexLag: lag,
  };
}
