// The infrastructure every module uses, built once from the configuration. Knows nothing about the CRM.

import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import { CacheService } from './cache/cache-service.ts';
import { registerCacheMetrics } from './cache/metrics.ts';
import { TieredCache } from './cache/tiered-cache.ts';
import { createDatabase, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';
import { createEventBus, type EventBus } from './events.ts';
import { createLogger, type Logger } from './logger.ts';
import { ErrorMonitor } from './observability/error-monitor.ts';
import { Metrics } from './observability/metrics.ts';
import { startTracing, stopTracing } from './observability/tracing.ts';
import { BullMqQueue } from './queue/bullmq-queue.ts';
import { InProcessQueue } from './queue/in-process-queue.ts';
import type { JobQueue } from './queue/job-queue.ts';

export interface Platform {
  config: Config;
  log: Logger;
  database: Database;
  events: EventBus;
  cache: CacheService;
  metrics: Metrics;
  errorMonitor: ErrorMonitor;
  operations: OperationsHistory;
  /** Background jobs: in this process (the default), or BullMQ on Redis shared by the cluster (JOB_QUEUE=redis). */
  queue: JobQueue;
  close(): Promise<void>;
}

export async function createPlatform(config: Config, log: Logger = createLogger(config)): Promise<Platform> {
  const database = createDatabase(config.database);
  const { applied } = await migrateToLatest(database);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  const events = createEventBus((error, event) => log.error({ err: error, event }, 'event listener failed'));
  const tiers = new TieredCache({
    namespace: config.cache.namespace,
    l1MaxItems: config.cache.l1MaxItems,
    l1MaxBytes: config.cache.l1MaxBytes,
    redis: config.redis && {
      url: config.redis.url,
      timeoutMs: config.cache.l2TimeoutMs,
      breakerThreshold: config.cache.breakerThreshold,
      breakerCooldownMs: config.cache.breakerCooldownMs,
    },
    log,
  });
  // Not awaited on purpose: an instance starts and serves from L1 while Redis is unreachable.
  void tiers.start();
  if (config.observability.otlpEndpoint)
    startTracing(config.observability.otlpEndpoint, config.observability.serviceName);
  const metrics = new Metrics();
  registerCacheMetrics(metrics, tiers);
  const errorMonitor = new ErrorMonitor(database.kysely as Kysely<MonitoringTables>, log);
  const operations = new OperationsHistory(
    database.kysely as Kysely<OperationsTables>,
    metrics,
    () => tiers.stats(),
    log,
    config.observability.operationsSampleMs,
  );
  const onRetry = (queue: string) => metrics.queueRetries.inc({ queue });
  const queue: JobQueue =
    config.jobs.queue === 'redis' && config.redis
      ? new BullMqQueue({
          redisUrl: config.redis.url,
          prefix: `${config.cache.namespace}:queue`,
          log,
          lockMs: config.jobs.lockMs,
          onRetry,
        })
      : new InProcessQueue(log, onRetry);
  return {
    config,
    log,
    database,
    events,
    cache: new CacheService(tiers),
    metrics,
    errorMonitor,
    operations,
    queue,
    async close() {
      await queue.close();
      await operations.close();
      await errorMonitor.close();
      await tiers.close();
      await database.close();
      if (config.observability.otlpEndpoint) await stopTracing();
    },
  };
}

import { OperationsHistory, type OperationsTables } from './observability/operations-history.ts';
import type { MonitoringTables } from './observability/tables.ts';
