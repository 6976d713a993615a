import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { createTestDatabase } from '../support/database.ts';
import { eventually } from '../support/eventually.ts';
import { serve } from '../support/serve.ts';

interface Stats {
  records: Record<string, number>;
  vectorsByType?: Record<string, number>;
}

describe('search after a crash', () => {
  test('records acknowledged just before kill -9 become searchable after a restart, by themselves', async () => {
    const database = await createTestDatabase();
    try {
      const first = await serve(database);
      const token = /API token\s+(crm_\S+)/.exec(first.output())?.[1];
      assert.ok(token);
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = 240;
      // Concurrent single creates, as clients make them; each 201 is an acknowledged write.
      for (let round = 0; round < created / 40; round += 1) {
        const responses = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            fetch(`${first.address}/api/workspaces/demo/contacts`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ name: `Crash Contact ${round * 40 + i}`, company: 'Kestrel Freight' }),
            }),
          ),
        );
        assert.ok(responses.every((response) => response.status === 201));
      }
      // No time for the index to reach the disk: the embedded engine writes its files 500 ms after a change.
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');

      const second = await serve(database);
      try {
        const statsOf = async () =>
          (await (await fetch(`${second.address}/api/vector/demo/stats`, { headers })).json()) as Stats;
        const stats = await eventually(statsOf, (value) => value.vectorsByType?.contact === created, 30_000);
        assert.equal(stats.records.contact, created);
        const search = await fetch(`${second.address}/api/vector/demo/hybrid-search`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ query: `Crash Contact ${created - 1}`, entityTypes: ['contact'], topK: 1 }),
        });
        const body = (await search.json()) as { results: { title: string }[] };
        assert.equal(body.results[0]?.title, `Crash Contact ${created - 1}`);
        const unsettled = await database.query('select count(*) as n from pending_record_changes');
        await eventually(
          () => database.query('select count(*) as n from pending_record_changes'),
          (rows) => Number(rows[0]!.n) === 0,
          10_000,
        ).catch(() => assert.fail(`changes stay unsettled: ${JSON.stringify(unsettled)}`));
      } finally {
        second.child.kill('SIGTERM');
        await once(second.child, 'exit');
      }
    } finally {
      await database.drop();
    }
  });
});
