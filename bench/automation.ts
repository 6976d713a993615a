// Automation under load, with a worker killed midway: 1,000 new leads match a rule whose step is the lead
// qualification agent and whose action writes the score into the lead. The API process (RUN_JOBS=false)
// only turns changes into runs; two `crm-ai worker` processes run them from Redis (BullMQ) on PostgreSQL.
// When 30% have acted, one worker is SIGKILLed; its active jobs come back to the other after the queue lock
// (QUEUE_LOCK_MS). Latency is from each lead's creation to the update that carries its score.
// Usage: npm run bench:automation [-- --changes 1000]
// Prints one JSON line last:
// {"bench":"automation","changes":1000,"latency":{"p50Ms","p99Ms"},"actionsPerSec","lost":0,"duplicated":0}
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { entityTypes } from '../src/crm/records/entity-types.ts';
import { seedWorkspace } from '../src/crm/seed/seed.ts';
import { createLogger } from '../src/platform/logger.ts';
import { startWorkerProcess } from '../test/support/worker-process.ts';
import { percentile } from './support/stats.ts';

const { values } = parseArgs({ options: { changes: { type: 'string', default: '1000' } } });
const changes = Number(values.changes);
const KILL_AT = 0.3;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-bench-automation-'));
  const env = {
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    DATABASE_SCHEMA: `bench_${randomBytes(4).toString('hex')}`,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    CACHE_NAMESPACE: `bench${randomBytes(4).toString('hex')}`,
    JOB_QUEUE: 'redis',
    QUEUE_LOCK_MS: '2000',
    LOG_LEVEL: 'warn',
    EMBEDDING_PROVIDER: 'local',
    MODEL_AUTO_PULL: 'false',
    BOOTSTRAP_DEMO: 'false',
    AUTOMATION_CONCURRENCY: '8',
  };
  const config = loadConfig({ ...env, RUN_JOBS: 'false' });
  const built = await buildApp(config, createLogger(config));
  const { platform, crm, automation } = built;
  const workers = [await startWorkerProcess(env, 60_000), await startWorkerProcess(env, 60_000)];
  try {
    const { workspaceId } = await seedWorkspace(platform, crm, {
      workspace: 'demo',
      size: 2000,
      seed: 42,
      progress: false,
    });
    const { rule } = await automation.service.createRule(workspaceId, {
      name: 'Score new bench leads',
      definition: {
        trigger: {
          kind: 'record',
          entityType: 'lead',
          on: ['created'],
          conditions: [{ field: 'source', op: 'eq', value: 'bench' }],
        },
        steps: [{ name: 'qualify', agent: 'leadQualification', input: { leadId: '{{record.id}}' } }],
        actions: [
          { type: 'update_record', fields: { 'custom.aiScore': '{{answers.qualify.qualityScore}}' } },
        ],
        maxRunsPerMinute: 10_000,
      },
    });
    const leads = entityTypes.lead;
    const acted = async (ids: readonly string[]) =>
      (await crm.records.getMany(leads, workspaceId, ids)).filter(
        (lead) => (lead.custom as Record<string, unknown>)?.aiScore !== undefined,
      );
    const waitFor = async (ids: readonly string[], count: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = await acted(ids);
        if (done.length >= count || Date.now() > deadline) return done;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // The first run trains the workspace's scorer in a worker: a one-off, not part of a change's cost.
    const warm = await crm.records.create(leads, workspaceId, { name: 'Warm-up', source: 'bench' });
    await waitFor([warm.id], 1, 120_000);

    const ids: string[] = [];
    const started = Date.now();
    let killed = false;
    const watcher = (async () => {
      while (!killed) {
        if ((await acted(ids)).length >= changes * KILL_AT) {
          killed = true;
          await workers[0]!.kill('SIGKILL');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (let i = 0; i < changes; i++) {
      const lead = await crm.records.create(leads, workspaceId, {
        name: `Bench ${i}`,
        source: 'bench',
        company: `Co ${i % 50}`,
      });
      ids.push(lead.id);
    }
    const done = await waitFor(ids, changes, 600_000);
    const finished = Date.now();
    killed = true;
    await watcher;
    const latencies = done
      .map((lead) => Date.parse(String(lead.updatedAt)) - Date.parse(String(lead.createdAt)))
      .sort((a, b) => a - b);
    // Every run of the rule, counted per lead: a second run for one lead would act twice.
    const rows = await sql<{ entity_id: string; runs: number }>`
      select trigger->>'entityId' as entity_id, count(*) as runs from automation_runs
      where rule_id = ${rule.id} group by 1`.execute(platform.database.kysely);
    const duplicated = rows.rows.reduce((sum, row) => sum + Math.max(0, Number(row.runs) - 1), 0);
    console.log(
      JSON.stringify({
        bench: 'automation',
        changes,
        latency: { p50Ms: percentile(latencies, 0.5, 0), p99Ms: percentile(latencies, 0.99, 0) },
        actionsPerSec: Number((done.length / ((finished - started) / 1000)).toFixed(1)),
        lost: changes - done.length,
        duplicated,
        workerKilledAfter: Math.round(changes * KILL_AT),
      }),
    );
  } finally {
    for (const worker of workers) await worker.kill('SIGTERM');
    await sql`drop schema if exists ${sql.id(env.DATABASE_SCHEMA)} cascade`.execute(platform.database.kysely);
    await built.app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
