// The index's metrics, read when Prometheus scrapes: vectors per workspace and entity type, index size,
// changes waiting to be indexed (the lag) and how many were indexed.
import { type Metrics, type Sample, sharedReading } from '../platform/observability/metrics.ts';
import type { Indexer } from './indexer.ts';
import type { VectorStore } from './stores/vector-store.ts';

/** A scrape reads at most this many workspaces' index statistics. */
const MAX_WORKSPACES = 500;

export function registerVectorMetrics(
  metrics: Metrics,
  /** Every workspace's id (asked of the CRM, which owns the workspaces). */
  workspaceIds: () => Promise<string[]>,
  store: VectorStore,
  indexer: Pick<Indexer, 'stats'>,
  /** Whether the indexer's own backlog is the indexing queue (not so when BullMQ holds it). */
  reportQueue: boolean,
): void {
  // Both index gauges come from one read of every namespace.
  const namespaces = sharedReading(async () => {
    const ids = (await workspaceIds()).slice(0, MAX_WORKSPACES);
    const infos = await Promise.all(ids.map(async (id) => ({ id, info: await store.info(id) })));
    return infos.filter((entry) => entry.info !== null);
  });
  metrics.gauge(
    'crm_ai_vector_index_vectors',
    'Vectors in the index per workspace and entity type',
    ['workspace', 'type', 'backend'],
    async () =>
      (await namespaces()).flatMap(({ id, info }) =>
        Object.entries(info!.vectorsByType).map(
          ([type, count]) => [{ workspace: id, type, backend: store.backend }, count] as Sample,
        ),
      ),
  );
  metrics.gauge('crm_ai_vector_index_bytes', 'Index size per workspace', ['workspace'], async () =>
    (await namespaces()).map(({ id, info }) => [{ workspace: id }, info!.sizeBytes] as Sample),
  );
  metrics.gauge('crm_ai_indexing_lag', 'Record changes waiting to be indexed', [], () => [
    [{}, indexer.stats().pending],
  ]);
  metrics.mirroredCounter(
    'crm_ai_indexing_operations_total',
    'Indexing work by outcome (indexed, removed, failed); its rate is the indexing throughput',
    ['outcome'],
    () => {
      const stats = indexer.stats();
      return [
        [{ outcome: 'indexed' }, stats.indexed],
        [{ outcome: 'removed' }, stats.removed],
        [{ outcome: 'failed' }, stats.failed],
      ];
    },
  );
  if (!reportQueue) return;
  metrics.queue(() => {
    const stats = indexer.stats();
    return [
      [{ queue: 'indexing', state: 'waiting' }, stats.pending],
      [{ queue: 'indexing', state: 'failed' }, stats.failed],
    ];
  });
}
