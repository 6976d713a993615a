// The cache's metrics, read from its own counters when Prometheus scrapes.
import type { Metrics } from '../observability/metrics.ts';
import type { TieredCache } from './tiered-cache.ts';

const BREAKER_STATES = ['closed', 'open', 'half-open', 'disabled'] as const;

export function registerCacheMetrics(metrics: Metrics, cache: TieredCache): void {
  metrics.mirroredCounter(
    'crm_ai_cache_operations_total',
    'Cache operations by tier (l1, l2, all) and operation (hit, miss, set, delete, error, timeout)',
    ['tier', 'op'],
    () => {
      const stats = cache.stats();
      return [
        [{ tier: 'all', op: 'hit' }, stats.hits],
        [{ tier: 'all', op: 'miss' }, stats.misses],
        [{ tier: 'all', op: 'set' }, stats.sets],
        [{ tier: 'all', op: 'delete' }, stats.deletes],
        [{ tier: 'all', op: 'error' }, stats.errors],
        [{ tier: 'l1', op: 'hit' }, stats.l1.hits],
        [{ tier: 'l1', op: 'miss' }, stats.l1.misses],
        [{ tier: 'l2', op: 'hit' }, stats.l2.hits],
        [{ tier: 'l2', op: 'miss' }, stats.l2.misses],
        [{ tier: 'l2', op: 'error' }, stats.l2.errors],
        [{ tier: 'l2', op: 'timeout' }, stats.l2.timeouts],
      ];
    },
  );
  metrics.gauge('crm_ai_cache_l1_entries', 'Entries in the in-process cache', [], () => [
    [{}, cache.stats().localCacheSize],
  ]);
  metrics.gauge('crm_ai_cache_l1_bytes', 'Bytes held by the in-process cache', [], () => [
    [{}, cache.stats().localCacheBytes],
  ]);
  metrics.gauge('crm_ai_cache_redis_connected', '1 when Redis (L2) is connected', [], () => [
    [{}, cache.stats().redisConnected ? 1 : 0],
  ]);
  metrics.gauge(
    'crm_ai_cache_breaker_state',
    "1 for the Redis circuit breaker's current state",
    ['state'],
    () => {
      const current = cache.stats().l2.breaker;
      return BREAKER_STATES.map((state) => [{ state }, state === current ? 1 : 0] as const);
    },
  );
}
