// The cluster's job queue on real Redis: a failing job is retried with backoff and counted, one that keeps
// failing stays visible in the failed set, and a job is handed to one worker at a time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/platform/logger.ts';
import { Metrics } from '../../src/platform/observability/metrics.ts';
import { JobQueues } from '../../src/platform/queue/job-queues.ts';
import { dropNamespace, testRedisUrl, uniqueNamespace } from '../support/redis.ts';

const namespace = uniqueNamespace();
let producer: JobQueues;
const consumers: JobQueues[] = [];
const metrics = new Metrics();

before(() => {
  producer = new JobQueues({
    redisUrl: testRedisUrl,
    prefix: namespace,
    log: createLogger({ logLevel: 'silent' }),
  });
  producer.registerMetrics(metrics);
});
after(async () => {
  await Promise.all([producer, ...consumers].map((queues) => queues.close()));
  await dropNamespace(namespace);
});

function consumer(): JobQueues {
  const queues = new JobQueues({
    redisUrl: testRedisUrl,
    prefix: namespace,
    log: createLogger({ logLevel: 'silent' }),
  });
  queues.registerMetrics(metrics);
  consumers.push(queues);
  return queues;
}

test('a failing job is retried with backoff and counted; one that never succeeds stays in the failed set', async () => {
  const attempts = new Map<string, number>();
  const runs: string[] = [];
  const a = consumer();
  const b = consumer();
  const handler = async (job: { data: { key: string; failTimes: number } }) => {
    const seen = (attempts.get(job.data.key) ?? 0) + 1;
    attempts.set(job.data.key, seen);
    if (seen <= job.data.failTimes) throw new Error(`attempt ${seen} fails`);
    runs.push(job.data.key);
  };
  a.process('indexing', handler, 2);
  b.process('indexing', handler, 2);
  for (let i = 0; i < 20; i++) await producer.add('indexing', 'ok', { key: `ok-${i}`, failTimes: 0 });
  await producer.add(
    'indexing',
    'flaky',
    { key: 'flaky', failTimes: 2 },
    { backoff: { type: 'exponential', delay: 20 } },
  );
  await producer.add(
    'indexing',
    'broken',
    { key: 'broken', failTimes: 99 },
    { attempts: 3, backoff: { type: 'fixed', delay: 20 } },
  );
  await producer.idle('indexing', 20_000);

  assert.equal(runs.filter((key) => key.startsWith('ok-')).length, 20);
  assert.equal(new Set(runs).size, runs.length, 'no job ran to completion twice');
  assert.ok(runs.includes('flaky'), 'the flaky job succeeded on its third attempt');
  assert.equal(attempts.get('flaky'), 3);
  assert.equal(attempts.get('broken'), 3);
  const counts = await producer.counts('indexing');
  assert.equal(counts.failed, 1, 'the broken job is kept, visible');
  const retried = (await metrics.queueRetries.get()).values.find((v) => v.labels.queue === 'indexing')?.value;
  assert.equal(retried, 4, 'two retries of the flaky job, two of the broken one');
});
