// The job queue's contract, run against both drivers: in-process (the embedded default) and BullMQ on real
// Redis. A failing job is retried with backoff and counted, one that keeps failing stays visible as failed,
// adds with the same job id are idempotent, a job added before its handler waits for it, results are
// readable by id. With BullMQ, several consumers share the work and no job completes twice.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/platform/logger.ts';
import { Metrics } from '../../src/platform/observability/metrics.ts';
import { BullMqQueue } from '../../src/platform/queue/bullmq-queue.ts';
import { InProcessQueue } from '../../src/platform/queue/in-process-queue.ts';
import type { JobQueue } from '../../src/platform/queue/job-queue.ts';
import { gate } from '../support/gate.ts';
import { dropNamespace, testRedisUrl, uniqueNamespace } from '../support/redis.ts';

const log = createLogger({ logLevel: 'silent' });
const namespace = uniqueNamespace();

interface Driver {
  name: string;
  /** A producer and the consumers that share its jobs (one for in-process: it is one process). */
  open(metrics: Metrics): { producer: JobQueue; consumers: JobQueue[] };
}

const drivers: Driver[] = [
  {
    name: 'in-process',
    open(metrics) {
      const queue = new InProcessQueue(log, (name) => metrics.queueRetries.inc({ queue: name }));
      return { producer: queue, consumers: [queue] };
    },
  },
  {
    name: 'bullmq',
    open(metrics) {
      const prefix = `${namespace}:${Math.random().toString(36).slice(2)}`;
      const make = () =>
        new BullMqQueue({
          redisUrl: testRedisUrl,
          prefix,
          log,
          onRetry: (name) => metrics.queueRetries.inc({ queue: name }),
        });
      return { producer: make(), consumers: [make(), make()] };
    },
  },
];

const opened: JobQueue[] = [];
after(async () => {
  await Promise.all(opened.map((queue) => queue.close()));
  await dropNamespace(namespace);
});

for (const driver of drivers) {
  describe(`job queue: ${driver.name}`, () => {
    test('a failing job is retried with backoff and counted; one that never succeeds stays failed', async () => {
      const metrics = new Metrics();
      const { producer, consumers } = driver.open(metrics);
      opened.push(producer, ...consumers);
      const attempts = new Map<string, number>();
      const runs: string[] = [];
      const handler = async (job: { data: { key: string; failTimes: number } }) => {
        const seen = (attempts.get(job.data.key) ?? 0) + 1;
        attempts.set(job.data.key, seen);
        if (seen <= job.data.failTimes) throw new Error(`attempt ${seen} fails`);
        runs.push(job.data.key);
        return seen;
      };
      // Added before any handler exists: they wait.
      for (let i = 0; i < 20; i++) await producer.add('work', 'ok', { key: `ok-${i}`, failTimes: 0 });
      for (const consumer of consumers) consumer.process('work', handler, 2);
      const flaky = await producer.add('work', 'flaky', { key: 'flaky', failTimes: 2 }, { backoffMs: 20 });
      const broken = await producer.add(
        'work',
        'broken',
        { key: 'broken', failTimes: 99 },
        { attempts: 3, backoffMs: 20 },
      );
      await producer.idle('work', 20_000);

      assert.equal(runs.filter((key) => key.startsWith('ok-')).length, 20);
      assert.equal(new Set(runs).size, runs.length, 'no job ran to completion twice');
      assert.equal(attempts.get('flaky'), 3, 'the flaky job succeeded on its third attempt');
      assert.equal(attempts.get('broken'), 3);
      const flakyState = await producer.job('work', flaky.id);
      assert.equal(flakyState?.state, 'completed');
      assert.equal(flakyState?.result, 3, 'the handler’s result is kept with the job');
      const brokenState = await producer.job('work', broken.id);
      assert.equal(brokenState?.state, 'failed');
      assert.match(brokenState?.failedReason ?? '', /attempt 3 fails/);
      assert.equal((await producer.counts('work')).failed, 1, 'the broken job is kept, visible');
      const retried = (await metrics.queueRetries.get()).values.find((v) => v.labels.queue === 'work')?.value;
      assert.equal(retried, 4, 'two retries of the flaky job, two of the broken one');
    });

    test('adds with the same job id are idempotent; unknown ids read as gone', async () => {
      const { producer, consumers } = driver.open(new Metrics());
      opened.push(producer, ...consumers);
      let runs = 0;
      consumers[0]!.process('once', async () => {
        runs++;
      });
      const first = await producer.add('once', 'x', { n: 1 }, { jobId: 'same' });
      const second = await producer.add('once', 'x', { n: 2 }, { jobId: 'same' });
      assert.equal(first.id, 'same');
      assert.equal(second.id, 'same');
      await producer.idle('once', 10_000);
      assert.equal(runs, 1);
      assert.equal(await producer.job('once', 'never-added'), undefined);
    });

    test('a dedupe key keeps one job waiting behind the running one, and never drops a later request', async () => {
      const { producer, consumers } = driver.open(new Metrics());
      opened.push(producer, ...consumers);
      const started: number[] = [];
      const release = gate();
      let running = gate();
      consumers[0]!.process<{ n: number }>(
        'recurring',
        async (job) => {
          started.push(job.data.n);
          running.open();
          await release.opened;
        },
        1,
      );
      await producer.add('recurring', 'x', { n: 1 }, { dedupeKey: 'k' });
      await running.opened;
      // The first runs: one more waits for it, a third joins the waiting one.
      running = gate();
      const second = await producer.add('recurring', 'x', { n: 2 }, { dedupeKey: 'k' });
      const third = await producer.add('recurring', 'x', { n: 3 }, { dedupeKey: 'k' });
      if (driver.name === 'in-process') assert.equal(third.id, second.id);
      release.open();
      await producer.idle('recurring', 10_000);
      assert.equal(started.length, 2, `runs: ${started.join(', ')}`);
      // Once everything has finished, the same key runs again.
      await producer.add('recurring', 'x', { n: 4 }, { dedupeKey: 'k' });
      await producer.idle('recurring', 10_000);
      assert.equal(started.length, 3, `runs: ${started.join(', ')}`);
      assert.equal(started.at(-1), 4);
    });
  });
}
