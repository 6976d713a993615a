import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
