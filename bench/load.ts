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
import { seededInstance } from './support/seeded-instance.ts';
import { percentile } from './support/stats.ts';

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
const MAX_IN_FLIGHT = 2000;
const WORDS = [
  'renewal',
  'enterprise',
  'pricing',
  'integration',
  'security',
  'migration',
  'onboarding',
  'analytics',
  'support',
  'contract',
  'pilot',
  'budget',
];

type Op = 'read' | 'write' | 'search' | 'agent';

interface Target {
  url: string;
  headers: Record<string, string>;
}

interface Ids {
  contacts: string[];
  leads: string[];
  deals: string[];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function chooseOp(): Op {
  const roll = Math.random();
  return roll < 0.7 ? 'read' : roll < 0.8 ? 'write' : roll < 0.95 ? 'search' : 'agent';
}

async function send(target: Target, workspaceId: string, op: Op, ids: Ids): Promise<boolean> {
  const json = { ...target.headers, 'content-type': 'application/json' };
  let response: Response;
  if (op === 'read') {
    const type = pick(['contacts', 'leads', 'deals'] as const);
    response = await fetch(`${target.url}/api/workspaces/${workspaceId}/${type}/${pick(ids[type])}`, {
      headers: target.headers,
    });
  } else if (op === 'write') {
    response =
      Math.random() < 0.5
        ? await fetch(`${target.url}/api/workspaces/${workspaceId}/contacts`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({
              name: `Load ${randomBytes(4).toString('hex')}`,
              email: `${randomBytes(4).toString('hex')}@load.example`,
            }),
          })
        : await fetch(`${target.url}/api/workspaces/${workspaceId}/leads/${pick(ids.leads)}`, {
            method: 'PATCH',
            headers: json,
            body: JSON.stringify({ notes: `followed up about ${pick(WORDS)}` }),
          });
  } else if (op === 'search') {
    response = await fetch(`${target.url}/api/vector/${workspaceId}/hybrid-search`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: `${pick(WORDS)} ${pick(WORDS)}`, topK: 10 }),
    });
  } else {
    response = await fetch(`${target.url}/api/agents/${workspaceId}/qualify-lead/${pick(ids.leads)}`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
  }
  await response.arrayBuffer();
  return response.ok;
}

async function run(targets: Target[], workspaceId: string, ids: Ids, rate: number, seconds: number) {
  const latencies: Record<Op, number[]> = { read: [], write: [], search: [], agent: [] };
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= MAX_IN_FLIGHT) {
      errors++;
      continue;
    }
    const op = chooseOp();
    const target = targets[i % targets.length]!;
    sent++;
    const promise = (async () => {
      const t = performance.now();
      try {
        if (!(await send(target, workspaceId, op, ids))) errors++;
      } catch {
        errors++;
      }
      // Latency from when the request was due, so a late start counts against the server, not for it.
      latencies[op].push(performance.now() - Math.min(t, due));
    })();
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const ops = Object.fromEntries(
    Object.entries(latencies).map(([op, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return [
        op,
        sorted.length
          ? { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }
          : { count: 0 },
      ];
    }),
  ) as Record<Op, { count: number; p50Ms?: number; p99Ms?: number }>;
  return {
    ratePerSec: rate,
    achievedPerSec: Math.round(sent / elapsed),
    seconds: Math.round(elapsed),
    ops,
    errorRate: Number((errors / Math.max(1, total)).toFixed(4)),
  };
}

/** Waits until the instance's rebuilt index stops growing (each instance builds its own at start). */
async function waitForIndex(target: Target, workspaceId: string) {
  let last = -1;
  let steadySince = Date.now();
  for (let attempt = 0; attempt < 1200; attempt++) {
    const stats = (await (
      await fetch(`${target.url}/api/vector/${workspaceId}/stats`, { headers: target.headers })
    ).json()) as { vectors: number };
    if (stats.vectors !== last) {
      last = stats.vectors;
      steadySince = Date.now();
    } else if (last > 0 && Date.now() - steadySince > 3000) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the search index was not built in time');
}

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
