import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createDatabase } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrator.ts';
import { startTestApp } from '../support/app.ts';
import { createTestDatabase, testEngine } from '../support/database.ts';

describe(`persistence on ${testEngine}`, () => {
  test('migrations run from empty, then are a no-op', async () => {
    const testDb = await createTestDatabase();
    const database = createDatabase(loadConfig(testDb.env).database);
    try {
      const first = await migrateToLatest(database);
      assert.deepEqual(first.applied, [
        '001_core',
        '002_search_documents',
        '003_agent_runs',
        '004_finetune_datasets',
        '005_finetune_jobs',
        '006_finetune_provider_runs',
        '007_request_monitoring',
        '008_user_operators',
        '009_pending_record_changes',
        '010_ai_models',
        '011_scoring_models',
        '012_trainers',
        '013_automations',
        '014_panel_support',
      ]);
      const second = await migrateToLatest(database);
      assert.deepEqual(second.applied, []);
    } finally {
      await database.close();
    }
    for (const table of [
      'users',
      'api_tokens',
      'workspaces',
      'memberships',
      'contacts',
      'leads',
      'deals',
      'activities',
      'projects',
      'documents',
      'search_documents',
      'agent_runs',
      'ft_datasets',
      'ft_examples',
      'ft_jobs',
      'ft_job_metrics',
    ]) {
      const rows = await testDb.query(`select count(*) as n from ${table}`);
      assert.equal(Number(rows[0]!.n), 0, table);
    }
    await testDb.drop();
  });

  test('a restart keeps every record, token and workspace', async () => {
    const first = await startTestApp();
    const tenant = await first.newTenant();
    const deals = `/api/workspaces/${tenant.workspaceId}/deals`;
    const { body: deal } = await tenant.api.post(deals, {
      name: 'Survives',
      amount: 42,
      custom: { nested: { a: [1, 2] } },
    });
    await tenant.api.patch(`${deals}/${deal.id}`, { stage: 'proposal' });
    const { body: before } = await tenant.api.get(`${deals}/${deal.id}`);
    await first.close({ drop: false });

    const second = await startTestApp({}, first.database);
    try {
      const api = second.as(tenant.token);
      const { status, body: after } = await api.get(`${deals}/${deal.id}`);
      assert.equal(status, 200, 'the token still works after a restart');
      assert.deepEqual(after, before);
    } finally {
      await second.close();
    }
  });
});

describe('SQLite shared by several processes', { skip: testEngine !== 'sqlite' && 'SQLite only' }, () => {
  test('a transaction that reads and then writes waits for another process’s write lock instead of failing', async () => {
    const testDb = await createTestDatabase();
    const database = createDatabase(loadConfig(testDb.env).database);
    const file = path.join(testDb.dataDir, 'crm-ai.sqlite');
    await migrateToLatest(database);
    // Another connection in another thread (as a CLI command beside the server is) holds the write lock for
    // 300 ms; this thread's busy handler can wait for it because SQLite sleeps here, not in that thread.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const SQLite = require(workerData.module);
       const connection = new SQLite(workerData.file);
       connection.pragma('busy_timeout = 5000');
       connection.exec('begin immediate');
       connection.prepare("insert into workspaces (id, slug, name, created_at) values ('held', 'held', 'Held', '2026-01-01')").run();
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       connection.exec('commit');
       connection.close();`,
      { eval: true, workerData: { file, module: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    try {
      const exited = once(holder, 'exit');
      await once(holder, 'message');
      await database.kysely.transaction().execute(async (trx) => {
        await sql`select count(*) from workspaces`.execute(trx);
        await sql`insert into workspaces (id, slug, name, created_at) values ('mine', 'mine', 'Mine', '2026-01-01')`.execute(
          trx,
        );
      });
      await exited;
      const rows = await testDb.query('select id from workspaces order by id');
      assert.deepEqual(
        rows.map((row) => row.id),
        ['held', 'mine'],
        'both writes committed',
      );
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
