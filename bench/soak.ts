// A soak: the mixed workload of bench:load at a fixed rate for a long time on PostgreSQL and Redis, against an
// API instance and a `crm-ai worker` (indexing and training through the Redis queue, vectors in a shared
// service: the Pinecone test server), while Redis is restarted twice and the worker is killed once. A
// training job runs through it all. Then it counts what was lost or done twice.
// Usage: npm run bench:soak [-- --seconds 600 --rate 100 --size 3000]
// The rate defaults to 80% of what one instance sustains here (bench:load: 150–300 requests/s for two).
// Prints one JSON line last: {"bench":"soak","seconds","ratePerSec","errorRate","ops":{…p99Ms},
//  "memory":{"apiRssMb":{"afterWarmUp","end","growth"},…},"lost":{…},"duplicated":{…}}
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ApiClient } from '../test/support/client.ts';
import { uploadCompletionDataset } from '../test/support/jobs.ts';
import { startPineconeServer } from '../test/support/pinecone-server.ts';
import { startPrivateRedis } from '../test/support/redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker-process.ts';
import { startChildServer } from './support/child-server.ts';
import { type Ids, run, waitForIndex } from './support/mixed-load.ts';
import { seededInstance } from './support/seeded-instance.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    rate: { type: 'string', default: '100' },
    size: { type: 'string', default: '3000' },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WARM_UP_SHARE = 0.2;
const TRAINING_EXAMPLES = 400;
/** The simulator's steps per job (its cap; simulatorTrainer in src/finetune/jobs/trainers.ts). */
const SIMULATED_STEPS = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } catch {
    return Number.NaN; // the process was just killed (the worker, on schedule)
  }
}

async function main() {
  const schema = `bench_soak_${randomBytes(4).toString('hex')}`;
  const redis = await startPrivateRedis();
  const pinecone = await startPineconeServer({ apiKey: 'pc-soak', index: 'crm-soak', dimension: 384 });
  // The job takes about 75% of the run, so it is mid-training when the worker is killed halfway.
  const stepMs = Math.round((seconds * 1000 * 0.75) / SIMULATED_STEPS);
  const cluster = {
    DATABASE_URL: POSTGRES_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redis.url,
    CACHE_NAMESPACE: `soak${randomBytes(3).toString('hex')}`,
    JOB_QUEUE: 'redis',
    VECTOR_DB_BACKEND: 'pinecone',
    PINECONE_API_KEY: 'pc-soak',
    PINECONE_INDEX: 'crm-soak',
    PINECONE_CONTROLLER_HOST: pinecone.url,
    QUEUE_LOCK_MS: '5000',
    FINETUNE_LEASE_MS: '5000',
    FINETUNE_SIMULATOR_STEP_MS: String(stepMs),
  };
  const instance = await seededInstance('soak', Number(values.size), cluster);
  await instance.platform.close();
  const children: ChildProcess[] = [];
  let worker: WorkerProcess | undefined;
  try {
    const workerEnv = { ...instance.env, ...cluster } as Record<string, string>;
    worker = await startWorkerProcess(workerEnv);
    const url = await startChildServer(
      ['bin/crm-ai.js', 'serve'],
      { ...instance.env, PORT: '0', BOOTSTRAP_DEMO: 'false', RUN_JOBS: 'false' },
      children,
    );
    const api = children[0]!;
    const headers = { authorization: `Bearer ${instance.token}` };
    const workspaceId = instance.workspaceId;
    const target = { url, headers };
    await waitForIndex(target, workspaceId);
    const list = async (type: string) =>
      (
        (await (
          await fetch(`${url}/api/workspaces/${workspaceId}/${type}?limit=200`, { headers })
        ).json()) as {
          data: { id: string }[];
        }
      ).data.map((record) => record.id);
    const ids: Ids = {
      contacts: await list('contacts'),
      leads: await list('leads'),
      deals: await list('deals'),
    };

    const tenant = new ApiClient(url, instance.token);
    const datasetId = await uploadCompletionDataset(tenant, workspaceId, TRAINING_EXAMPLES, 'Soak upload');
    const created = await tenant.post(`/api/ai/fine-tuning/${workspaceId}/jobs`, {
      name: 'Soak training',
      baseModel: 'qwen-3-8b',
      provider: 'simulator',
      datasetId,
      hyperparameters: { epochs: 1, batchSize: 1, learningRate: 0.0001 },
    });
    const jobId = created.body.id as string;

    // The faults, on a schedule alongside the load.
    const events: string[] = [];
    const memory: { atSeconds: number; api: number; worker: number }[] = [];
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    let running = true;
    const sampler = (async () => {
      while (running) {
        memory.push({ atSeconds: elapsed(), api: rssMb(api.pid), worker: rssMb(worker?.child.pid) });
        await sleep(5000);
      }
    })();
    const faults = (async () => {
      const at = async (share: number) => {
        const wait = started + share * seconds * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
      };
      for (const share of [1 / 3, 2 / 3]) {
        await at(share);
        await redis.stop();
        events.push(`redis stopped at ${elapsed().toFixed(0)} s`);
        await sleep(3000);
        await redis.restart();
        events.push(`redis back at ${elapsed().toFixed(0)} s`);
        if (share === 1 / 3) {
          await at(0.5);
          await worker!.kill('SIGKILL');
          events.push(`worker killed at ${elapsed().toFixed(0)} s`);
          await sleep(2000);
          worker = await startWorkerProcess(workerEnv);
          events.push(`worker restarted at ${elapsed().toFixed(0)} s`);
        }
      }
    })();
    const createdIds: string[] = [];
    const result = await run([target], workspaceId, ids, rate, seconds, (id) => createdIds.push(id));
    await faults;

    // What the run left behind must be complete: every acknowledged record stored once and indexed, the
    // training job finished with every step recorded once.
    const deadline = Date.now() + 240_000;
    let stats = { records: {} as Record<string, number>, vectorsByType: {} as Record<string, number> };
    let job = { status: '', totalSteps: 0, metrics: [] as { step: number }[] };
    for (;;) {
      stats = (await (
        await fetch(`${url}/api/vector/${workspaceId}/stats`, { headers })
      ).json()) as typeof stats;
      job = (await (
        await fetch(`${url}/api/ai/fine-tuning/${workspaceId}/jobs/${jobId}`, { headers })
      ).json()) as typeof job;
      const indexed = Object.entries(stats.records).every(
        ([type, count]) => (stats.vectorsByType[type] ?? 0) >= count,
      );
      if ((indexed && ['succeeded', 'failed'].includes(job.status)) || Date.now() > deadline) break;
      await sleep(2000);
    }
    running = false;
    await sampler;

    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await client.connect();
    const stored = await client.query<{ id: string; copies: string }>(
      'select id, count(*) as copies from contacts where id = any($1) group by id',
      [createdIds],
    );
    const pending = await client.query<{ n: string }>('select count(*) as n from pending_record_changes');
    await client.end();
    const steps = job.metrics.map((metric) => metric.step);
    const warmUpEnd = memory.find((sample) => sample.atSeconds >= seconds * WARM_UP_SHARE) ?? memory[0]!;
    const last = memory.at(-1)!;
    const growth = (end: number, start: number) => Number(((end - start) / start).toFixed(4));
    const round = (mb: number) => Math.round(mb);
    console.log(
      JSON.stringify({
        bench: 'soak',
        seconds: result.seconds,
        ratePerSec: rate,
        achievedPerSec: result.achievedPerSec,
        errorRate: result.errorRate,
        ops: result.ops,
        memory: {
          apiRssMb: {
            afterWarmUp: round(warmUpEnd.api),
            end: round(last.api),
            growth: growth(last.api, warmUpEnd.api),
          },
          workerRssMb: { end: round(last.worker) },
        },
        lost: {
          records: createdIds.length - stored.rows.length,
          unindexed: Object.entries(stats.records).reduce(
            (sum, [type, count]) => sum + Math.max(0, count - (stats.vectorsByType[type] ?? 0)),
            0,
          ),
          trainingSteps: job.totalSteps - new Set(steps).size,
        },
        duplicated: {
          records: stored.rows.filter((row) => Number(row.copies) > 1).length,
          trainingSteps: steps.length - new Set(steps).size,
        },
        training: { status: job.status, totalSteps: job.totalSteps },
        unsettledChanges: Number(pending.rows[0]!.n),
        drainSeconds: Math.round((Date.now() - started) / 1000 - result.seconds),
        createdRecords: createdIds.length,
        events,
      }),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await worker?.kill('SIGTERM');
    await redis.stop();
    await pinecone.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
    instance.remove();
  }
}

await main();
