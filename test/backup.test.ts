import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase, testEngine } from './support/database.ts';
import { eventually } from './support/eventually.ts';
import { bin, serve } from './support/serve.ts';

const run = promisify(execFile);

function cli(database: TestDatabase, ...args: string[]) {
  return run('node', [bin, ...args], { env: { ...process.env, ...database.env, LOG_LEVEL: 'warn' } });
}

describe('backup and restore', {
  skip: testEngine === 'postgres' && 'PostgreSQL is backed up with pg_dump',
}, () => {
  test('a backup taken during writes restores to a new directory with every record acknowledged before it, searchable', async () => {
    const original = await createTestDatabase();
    const restored = await createTestDatabase();
    const archive = path.join(os.tmpdir(), `crm-ai-backup-${process.pid}-${Date.now()}.tar.gz`);
    try {
      const first = await serve(original);
      const token = /API token\s+(crm_\S+)/.exec(first.output())?.[1];
      assert.ok(token, 'the first start prints an API token');
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const acknowledged: { id: string; name: string }[] = [];
      let beforeBackup: typeof acknowledged = [];
      let writing = true;
      try {
        const writer = (async () => {
          for (let i = 0; writing; i++) {
            const name = `Backup Contact ${i}`;
            const response = await fetch(`${first.address}/api/workspaces/demo/contacts`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ name, company: 'Osprey Logistics' }),
            });
            const body = await response.text();
            assert.equal(response.status, 201, `a write during the backup is acknowledged: ${body}`);
            acknowledged.push({ id: (JSON.parse(body) as { id: string }).id, name });
          }
        })();
        // A failed write ends the wait at once instead of after the timeout.
        const writerFailed = writer.then(() => {
          throw new Error('the writer stopped before the backup began');
        });
        await Promise.race([
          eventually(
            async () => acknowledged.length,
            (count) => count >= 120,
          ),
          writerFailed,
        ]);
        writerFailed.catch(() => {});
        beforeBackup = [...acknowledged];
        const backup = cli(original, 'backup', archive).finally(() => {
          writing = false;
        });
        const [{ stdout }] = await Promise.all([backup, writer]);
        const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
        assert.equal(summary.file, archive);
        assert.ok(acknowledged.length > beforeBackup.length, 'writes went on while the backup ran');
      } finally {
        writing = false;
        if (first.child.exitCode === null) {
          first.child.kill('SIGKILL');
          await once(first.child, 'exit');
        }
      }

      await cli(restored, 'restore', archive);
      const second = await serve(restored);
      try {
        const get = async (url: string) => (await fetch(`${second.address}${url}`, { headers })).json();
        await eventually(
          () =>
            get('/api/vector/demo/stats') as Promise<{
              records: { contact: number };
              vectorsByType?: { contact?: number };
            }>,
          (stats) => stats.vectorsByType?.contact === stats.records.contact,
          30_000,
        );
        for (const { id } of beforeBackup) {
          const response = await fetch(`${second.address}/api/workspaces/demo/contacts/${id}`, { headers });
          assert.equal(response.status, 200, `record ${id} acknowledged before the backup is restored`);
        }
        for (const { name } of [beforeBackup[0]!, beforeBackup.at(-1)!]) {
          const found = (await (
            await fetch(`${second.address}/api/vector/demo/hybrid-search`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ query: name, entityTypes: ['contact'], topK: 1 }),
            })
          ).json()) as { results: { title: string }[] };
          assert.equal(found.results[0]?.title, name);
        }
      } finally {
        second.child.kill('SIGTERM');
        await once(second.child, 'exit');
      }
      await assert.rejects(
        cli(restored, 'restore', archive),
        /not empty/,
        'restore never overwrites a data directory',
      );
    } finally {
      fs.rmSync(archive, { force: true });
      await original.drop();
      await restored.drop();
    }
  });

  test('a file that is not a backup is refused and leaves nothing behind', async () => {
    const target = await createTestDatabase();
    const bogus = path.join(os.tmpdir(), `crm-ai-bogus-${process.pid}.tar.gz`);
    fs.writeFileSync(bogus, 'not an archive');
    try {
      await assert.rejects(cli(target, 'restore', bogus));
      assert.deepEqual(fs.existsSync(target.dataDir) ? fs.readdirSync(target.dataDir) : [], []);
    } finally {
      fs.rmSync(bogus, { force: true });
      await target.drop();
    }
  });
});

describe('backup on PostgreSQL', {
  skip: testEngine !== 'postgres' && 'runs with the PostgreSQL suite',
}, () => {
  test('is refused with the pg_dump advice', async () => {
    const database = await createTestDatabase();
    try {
      await cli(database, 'migrate');
      await assert.rejects(cli(database, 'backup', path.join(os.tmpdir(), 'never.tar.gz')), /pg_dump/);
    } finally {
      await database.drop();
    }
  });
});
