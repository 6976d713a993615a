// The container files, checked without a Docker engine (none runs on these machines): the Compose files with
// dclint (the Compose specification's schema plus best-practice rules), the Dockerfile with hadolint, and what
// the deployment relies on (a non-root user, a health check, the services and how they reach each other).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

const hadolint = process.env.HADOLINT;
const run = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' });

describe('container files', () => {
  test('the Compose files pass dclint (schema and rules)', () => {
    const result = run('node_modules/.bin/dclint', ['docker-compose.yml', 'milvus.yml']);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  });

  test('the Dockerfile passes hadolint', {
    skip: !hadolint && !process.env.CI ? 'set HADOLINT (pip install -r test/deploy/requirements.txt)' : false,
  }, () => {
    assert.ok(hadolint, 'CI needs HADOLINT: .ci/run builds it from test/deploy/requirements.txt');
    const result = run(hadolint, ['Dockerfile']);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  });

  test('the image builds in two stages, runs unprivileged, checks its health, and leaves out what it needs not', () => {
    const dockerfile = fs.readFileSync('Dockerfile', 'utf8');
    assert.equal(dockerfile.match(/^FROM /gm)?.length, 2, 'a build stage and a runtime stage');
    assert.match(dockerfile, /^USER 1000:1000$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/health/m);
    assert.match(dockerfile, /npm run build:web && npm prune --omit=dev/);
    const ignored = fs.readFileSync('.dockerignore', 'utf8').split('\n');
    for (const path of ['node_modules', '.git', 'data', 'trainer']) assert.ok(ignored.includes(path), path);
  });

  test('Compose runs the API and a worker on PostgreSQL and Redis, and Milvus with etcd and MinIO', () => {
    const cluster = parse(fs.readFileSync('docker-compose.yml', 'utf8'));
    assert.deepEqual(Object.keys(cluster.services).sort(), ['api', 'postgres', 'redis', 'worker']);
    const { api, worker } = cluster.services;
    assert.equal(api.environment.RUN_JOBS, 'false', 'the API leaves background work to the worker');
    assert.deepEqual(worker.command, ['node', 'bin/crm-ai.js', 'worker']);
    for (const service of [api, worker]) {
      assert.equal(service.environment.JOB_QUEUE, 'redis');
      assert.match(service.environment.DATABASE_URL, /^postgres:\/\/.*@postgres:5432\//);
      assert.equal(service.environment.REDIS_URL, 'redis://redis:6379');
    }
    assert.equal(api.depends_on.postgres.condition, 'service_healthy');
    const milvus = parse(fs.readFileSync('milvus.yml', 'utf8'));
    assert.deepEqual(Object.keys(milvus.services).sort(), ['etcd', 'milvus-standalone', 'minio']);
    assert.deepEqual(milvus.services['milvus-standalone'].environment, {
      ETCD_ENDPOINTS: 'etcd:2379',
      MINIO_ADDRESS: 'minio:9000',
    });
    // The API's default Milvus address is the standalone service of milvus.yml.
    assert.match(api.environment.MILVUS_ADDRESS, /milvus-standalone:19530/);
  });
});
