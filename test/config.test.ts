import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, productionProblems } from '../src/config.ts';

describe('configuration', () => {
  test('defaults: port 5001, SQLite in ./data, no Redis, local vectors', () => {
    const config = loadConfig({});
    assert.equal(config.port, 5001);
    assert.deepEqual(config.database, { engine: 'sqlite', file: path.resolve('data/crm-ai.sqlite') });
    assert.equal(config.redis, undefined);
    assert.equal(config.vector.backend, 'local');
  });

  test('DATABASE_URL selects PostgreSQL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/crm', DATABASE_POOL_SIZE: '20' });
    assert.equal(config.database.engine, 'postgres');
    assert.equal(config.database.engine === 'postgres' && config.database.poolSize, 20);
  });

  test('a bad variable is named in the error', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((problem) => problem.startsWith('PORT:')) &&
        error.problems.some((problem) => problem.startsWith('DATABASE_URL:')),
    );
  });

  test('a backend needs its credentials', () => {
    assert.throws(() => loadConfig({ VECTOR_DB_BACKEND: 'pinecone' }), /PINECONE_API_KEY/);
    assert.throws(() => loadConfig({ VECTOR_DB_BACKEND: 'milvus' }), /MILVUS_ADDRESS/);
    assert.equal(
      loadConfig({ VECTOR_DB_BACKEND: 'milvus', MILVUS_ADDRESS: 'localhost:19530' }).vector.backend,
      'milvus',
    );
  });

  test("Redis from REDIS_URL or the mission's REDIS_* variables; REDIS_ENABLED=false wins", () => {
    assert.equal(
      loadConfig({ REDIS_URL: 'redis://localhost:6379/2' }).redis?.url,
      'redis://localhost:6379/2',
    );
    const fromParts = loadConfig({
      REDIS_ENABLED: 'true',
      REDIS_HOST: 'cache',
      REDIS_PASSWORD: 's3cret',
      REDIS_DB: '3',
    });
    assert.equal(fromParts.redis?.url, 'redis://:s3cret@cache:6379/3');
    assert.ok(!fromParts.redis?.displayUrl.includes('s3cret'), 'the display URL hides the password');
    assert.equal(loadConfig({ REDIS_ENABLED: 'false', REDIS_URL: 'redis://x:6379' }).redis, undefined);
    assert.equal(
      loadConfig({ REDIS_HOST: 'cache' }).redis,
      undefined,
      'REDIS_HOST alone does not enable Redis',
    );
  });

  test('empty values count as unset', () => {
    assert.equal(loadConfig({ OPENAI_API_KEY: '', DATABASE_URL: '' }).database.engine, 'sqlite');
  });

  test('production mode lists what it is missing', () => {
    assert.deepEqual(
      productionProblems(loadConfig({})).map((problem) => problem.split(':')[0]),
      ['DATABASE_URL', 'REDIS_URL'],
    );
    assert.deepEqual(
      productionProblems(loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://r' })),
      [],
    );
  });
});
