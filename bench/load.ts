// A mixed workload against two API instances on PostgreSQL and Redis: reads 70%, writes 10%, hybrid
// searches 15%, agent tasks 5%, sent open-loop at a fixed rate (each request leaves on schedule whatever the
// previous ones are doing, so queueing shows up as latency), alternating between the instances.
// Without --rate it first finds the highest rate this machine sustains (no errors, read p99 ≤ 20 ms, the
// rate achieved) in short steps, then runs the full measurement at that rate.
// Usage: npm run bench:load [-- --seconds 60 --rate 200 --size 5000]
// Prints one JSON line last: {"bench":"load","ratePerSec":…,"ops":{"read":{p50Ms,p99Ms},…},"errorRate":…}
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@redis/client';
import pg from 'pg';
import { startChildServer } from './support/child-server.ts';
import { type Ids, run, waitForIndex } from './support/mixed-load.ts';
import { seededInstance } from './support/seeded-instance.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string' },
    size: { type: 'string', default: '5000' },
    'step-seconds': { type: 'string', default: '8' },
  },
});
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATES = [50, 100, 150, 200, 300, 400, 600, 800, 1200];
const READ_P99_GOAL_MS = 20;
async function main() {
  const schema = `bench_load_${randomBytes(4).toString('hex')}`;
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const shared = {
    DATABASE_URL: POSTGRES_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL,
    CACHE_NAMESPACE: namespace,
  };
  const instance = await seededInstance('load', Number(values.size), shared);
  await instance.platform.close();
  const secondDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-bench-load-b-'));
  const children: ChildProcess[] = [];
  try {
    const urls = await Promise.all(
      [instance.dataDir, secondDir].map((dataDir) =>
        startChildServer(
          ['bin/crm-ai.js', 'serve'],
          { ...instance.env, DATA_DIR: dataDir, PORT: '0', BOOTSTRAP_DEMO: 'false' },
          children,
        ),
      ),
    );
    const targets = urls.map((url) => ({ url, headers: { authorization: `Bearer ${instance.token}` } }));
    const workspaceId = instance.workspaceId;
    for (const target of targets) await waitForIndex(target, workspaceId);
    const list = async (type: string) =>
      (
        (await (
          await fetch(`${urls[0]}/api/workspaces/${workspaceId}/${type}?limit=200`, {
            headers: targets[0]!.headers,
          })
        ).json()) as { data: { id: string }[] }
      ).data.map((r) => r.id);
    const ids: Ids = {
      contacts: await list('contacts'),
      leads: await list('leads'),
      deals: await list('deals'),
    };
    await run(targets, workspaceId, ids, 50, 3); // warm-up: caches, JIT, pools

    const ramp: { ratePerSec: number; achievedPerSec: number; readP99Ms?: number; errorRate: number }[] = [];
    let rate = values.rate ? Number(values.rate) : 0;
    if (!rate) {
      for (const candidate of RATES) {
        const step = await run(targets, workspaceId, ids, candidate, Number(values['step-seconds']));
        ramp.push({
          ratePerSec: candidate,
          achievedPerSec: step.achievedPerSec,
          readP99Ms: step.ops.read.p99Ms,
          errorRate: step.errorRate,
        });
        process.stderr.write(`ramp ${JSON.stringify(ramp.at(-1))}\n`);
        const sustained =
          step.errorRate === 0 &&
          (step.ops.read.p99Ms ?? Infinity) <= READ_P99_GOAL_MS &&
          step.achievedPerSec >= candidate * 0.95;
        if (!sustained) break;
        rate = candidate;
      }
      rate ||= RATES[0]!;
    }
    const result = await run(targets, workspaceId, ids, rate, Number(values.seconds));
    process.stdout.write(
      `${JSON.stringify({ bench: 'load', instances: 2, records: Number(values.size), ...result, ramp })}\n`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${namespace}:*`, COUNT: 1000 }))
      if (keys.length) await redis.unlink(keys);
    redis.destroy();
    instance.remove();
    fs.rmSync(secondDir, { recursive: true, force: true });
  }
}

await main();
