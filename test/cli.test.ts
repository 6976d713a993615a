import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { bin, serve } from './support/serve.ts';

const run = promisify(execFile);

function cli(database: TestDatabase, ...args: string[]) {
  return run('node', [bin, ...args], { env: { ...process.env, ...database.env, LOG_LEVEL: 'warn' } });
}

describe('first run', () => {
  test('an empty data directory gets an owner, a demo workspace and a printed token; a restart keeps them', async () => {
    const database = await createTestDatabase();
    try {
      const first = await serve(database);
      const token = /API token\s+(crm_\S+)/.exec(first.output())?.[1];
      assert.ok(token, `a token is printed:\n${first.output()}`);
      const headers = { authorization: `Bearer ${token}` };
      const created = await fetch(`${first.address}/api/workspaces/demo/contacts`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'First contact' }),
      });
      assert.equal(created.status, 201);
      first.child.kill('SIGTERM');
      const [code] = await once(first.child, 'exit');
      assert.equal(code, 0, 'SIGTERM shuts down cleanly');

      const second = await serve(database);
      assert.ok(!/API token/.test(second.output()), 'the token is printed only once');
      const list = await fetch(`${second.address}/api/workspaces/demo/contacts`, { headers });
      assert.equal(list.status, 200);
      const body = (await list.json()) as { data: { name: string }[] };
      assert.deepEqual(
        body.data.map((contact) => contact.name),
        ['First contact'],
      );
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    } finally {
      await database.drop();
    }
  });

  test('production mode refuses to start without PostgreSQL and Redis, naming what is missing', async () => {
    const database = await createTestDatabase();
    try {
      await assert.rejects(
        run('node', [bin, 'serve', '--production'], {
          env: { ...process.env, DATA_DIR: database.dataDir, DATABASE_URL: '', REDIS_URL: '' },
        }),
        (error: { code: number; stderr: string }) =>
          error.code === 1 && /DATABASE_URL/.test(error.stderr) && /REDIS_URL/.test(error.stderr),
      );
    } finally {
      await database.drop();
    }
  });

  test('an invalid variable stops the start with its name', async () => {
    await assert.rejects(
      run('node', [bin, 'migrate'], { env: { ...process.env, PORT: 'abc' } }),
      (error: { code: number; stderr: string }) => error.code === 1 && /PORT/.test(error.stderr),
    );
  });
});

describe('administration commands', () => {
  test('users, workspaces and tokens from the command line', async () => {
    const database = await createTestDatabase();
    try {
      await cli(database, 'migrate');
      const user = JSON.parse(
        (await cli(database, 'users', 'create', '--email', 'ana@example.com', '--name', 'Ana')).stdout,
      );
      assert.equal(user.email, 'ana@example.com');
      const workspace = JSON.parse(
        (await cli(database, 'workspaces', 'create', '--slug', 'sales', '--owner', 'ana@example.com')).stdout,
      );
      assert.equal(workspace.slug, 'sales');
      const member = JSON.parse(
        (
          await cli(
            database,
            'workspaces',
            'add-member',
            '--workspace',
            'sales',
            '--email',
            'bo@example.com',
            '--role',
            'viewer',
          )
        ).stdout,
      );
      assert.equal(member.role, 'viewer');
      const token = (await cli(database, 'tokens', 'create', '--email', 'ana@example.com')).stdout.trim();
      assert.match(token, /^crm_/);
      const rows = await database.query('select token_hash from api_tokens');
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]!.token_hash, token);
    } finally {
      await database.drop();
    }
  });

  test('seed fills a workspace deterministically and refuses a non-empty one; datasets build from it', async () => {
    const database = await createTestDatabase();
    try {
      const { stdout } = await cli(
        database,
        'seed',
        '--workspace',
        'demo',
        '--size',
        '400',
        '--seed',
        '7',
        '--no-progress',
      );
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
      const total = Object.values(summary.counts as Record<string, number>).reduce((a, b) => a + b, 0);
      assert.equal(total, 400);
      assert.match(
        summary.token,
        /^crm_/,
        'seeding an empty instance creates the owner and prints its token',
      );
      const rows = await database.query('select count(*) as n from activities');
      assert.equal(Number(rows[0]!.n), summary.counts.activity);
      await assert.rejects(
        cli(database, 'seed', '--workspace', 'demo', '--size', '10', '--no-progress'),
        /already has/,
      );
      const built = await cli(
        database,
        'datasets',
        'create',
        '--workspace',
        'demo',
        '--name',
        'From the CLI',
        '--type',
        'classification',
        '--filters',
        '{"target":"lead-conversion"}',
        '--no-progress',
      );
      const dataset = JSON.parse(built.stdout.trim().split('\n').at(-1)!);
      assert.ok(dataset.exampleCount > 0 && dataset.tokenCount > 0);
      assert.ok(dataset.validFor.includes('local'));
      const stored = await database.query('select count(*) as n from ft_examples');
      assert.equal(Number(stored[0]!.n), dataset.exampleCount);
    } finally {
      await database.drop();
    }
  });
});
