// /metrics in Prometheus form moving by exactly what a scripted sequence of requests did; the error-rate
// endpoints with request ids and tenant isolation; one log line per request and slow-request breakdowns.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';
import { delta, parsePrometheus } from '../support/prometheus.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const logLines: Record<string, unknown>[] = [];
let server: TestApp;
let alice: Tenant;
let bob: Tenant;

async function scrape() {
  const response = await fetch(`${server.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

before(async () => {
  server = await startTestApp(
    { METRICS_TOKEN, METRICS_PORT: '0', SLOW_REQUEST_MS: '100000', LOG_LEVEL: 'info' },
    undefined,
    { write: (line: string) => logLines.push(JSON.parse(line)) },
  );
  alice = await server.newTenant();
  bob = await server.newTenant();
});
after(() => server.close());

describe('/metrics', () => {
  test('is refused without the metrics token, and served without one on the metrics port', async () => {
    assert.equal((await fetch(`${server.baseUrl}/metrics`)).status, 401);
    assert.equal((await server.anonymous.get('/metrics', undefined)).status, 401);
    const port = server.app.metricsAddress!.port;
    const separate = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(separate.status, 200);
    assert.ok(parsePrometheus(await separate.text()).size > 50);
  });

  test('counters move by exactly the scripted requests: successes, failures, a cache miss and a hit', async () => {
    const base = `/api/workspaces/${alice.workspaceId}/contacts`;
    const created = await alice.api.post(base, { name: 'Ada Lovelace', email: 'ada@example.com' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const before = await scrape();
    const route = '/api/workspaces/:workspaceId/contacts/:id';
    assert.equal((await alice.api.get(`${base}/${created.body.id}`)).status, 200); // a cache miss, then stored
    assert.equal((await alice.api.get(`${base}/${created.body.id}`)).status, 200); // a cache hit
    const missing = await alice.api.get(`${base}/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    const invalid = await alice.api.post(base, { email: 42 });
    assert.equal(invalid.status, 400);
    const after = await scrape();

    assert.equal(
      delta(before, after, 'crm_ai_http_requests_total', { route, method: 'GET', status: '200' }),
      2,
    );
    assert.equal(
      delta(before, after, 'crm_ai_http_requests_total', { route, method: 'GET', status: '404' }),
      1,
    );
    assert.equal(
      delta(before, after, 'crm_ai_http_requests_total', {
        route: '/api/workspaces/:workspaceId/contacts',
        method: 'POST',
        status: '400',
      }),
      1,
    );
    assert.equal(
      delta(before, after, 'crm_ai_http_request_duration_seconds_count', { route, method: 'GET' }),
      3,
    );
    assert.equal(
      delta(before, after, 'crm_ai_errors_total', { code: missing.body.error.code, status: '404' }),
      1,
    );
    assert.equal(
      delta(before, after, 'crm_ai_errors_total', { code: 'VALIDATION_FAILED', status: '400' }),
      1,
    );
    assert.equal(
      delta(before, after, 'crm_ai_cache_operations_total', { tier: 'all', op: 'miss' }),
      2,
      'the first read and the missing id',
    );
    // Hits: each of the 4 requests finds its token's grant in the cache, and the second read its record.
    assert.equal(delta(before, after, 'crm_ai_cache_operations_total', { tier: 'all', op: 'hit' }), 5);
    assert.equal(delta(before, after, 'crm_ai_cache_operations_total', { tier: 'l1', op: 'hit' }), 5);
  });

  test('every part reports: cache state, index, queues, fine-tuning, agents, the process', async () => {
    const lead = await alice.api.post(`/api/workspaces/${alice.workspaceId}/leads`, {
      name: 'Grace Hopper',
      company: 'Navy',
      email: 'grace@example.com',
    });
    assert.equal(lead.status, 201, JSON.stringify(lead.body));
    await server.vector.indexer.idle();
    assert.equal(
      (await alice.api.post(`/api/agents/${alice.workspaceId}/qualify-lead/${lead.body.id}`, {})).status,
      200,
    );
    const samples = await scrape();
    const names = new Set([...samples.keys()].map((key) => key.slice(0, key.indexOf('{'))));
    for (const name of [
      'crm_ai_cache_l1_entries',
      'crm_ai_cache_l1_bytes',
      'crm_ai_cache_redis_connected',
      'crm_ai_cache_breaker_state',
      'crm_ai_vector_index_vectors',
      'crm_ai_vector_index_bytes',
      'crm_ai_indexing_lag',
      'crm_ai_indexing_operations_total',
      'crm_ai_queue_jobs',
      'crm_ai_agent_task_duration_seconds_count',
      'crm_ai_nodejs_eventloop_lag_seconds',
      'crm_ai_nodejs_heap_size_used_bytes',
      'crm_ai_process_cpu_user_seconds_total',
    ])
      assert.ok(names.has(name), `${name} is exported`);
    assert.equal(
      samples.get(
        `crm_ai_vector_index_vectors{backend="local",type="lead",workspace="${alice.workspaceId}"}`,
      ),
      1,
    );
    assert.equal(samples.get('crm_ai_queue_jobs{queue="fine-tuning",state="waiting"}'), 0);
    assert.equal(
      samples.get(
        'crm_ai_agent_task_duration_seconds_count{agent="leadQualification",engine="analytic",outcome="succeeded"}',
      ),
      1,
    );
  });
});

describe('error monitoring', () => {
  test('a provoked error appears with its request id in its workspace, never in another', async () => {
    const missing = await alice.api.get(
      `/api/workspaces/${alice.workspaceId}/deals/00000000-0000-4000-8000-000000000001`,
    );
    assert.equal(missing.status, 404);
    const requestId = missing.headers.get('x-request-id');
    const report = await alice.api.get(`/api/monitoring/${alice.workspaceId}/errors`);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const error = report.body.recent.find((entry: { requestId: string }) => entry.requestId === requestId);
    assert.ok(error, 'the error is listed with its request id');
    assert.equal(error.route, '/api/workspaces/:workspaceId/deals/:id');
    assert.equal(error.status, 404);
    assert.ok(report.body.windows['5m'].clientErrors >= 1 && report.body.windows['5m'].requests >= 1);
    assert.ok(report.body.windows['24h'].requests >= report.body.windows['5m'].requests);
    assert.ok(report.body.windows['5m'].clientErrorRate > 0);

    const theirs = await bob.api.get(`/api/monitoring/${bob.workspaceId}/errors`);
    assert.equal(theirs.status, 200);
    assert.ok(
      !theirs.body.recent.some((entry: { workspaceId: string }) => entry.workspaceId === alice.workspaceId),
    );
    assert.equal((await bob.api.get(`/api/monitoring/${alice.workspaceId}/errors`)).status, 404);
    const viewer = await server.newMember(alice.workspaceId, 'viewer');
    assert.equal((await viewer.api.get(`/api/monitoring/${alice.workspaceId}/errors`)).status, 403);

    // The instance-wide view is for operators: owning a workspace (anyone can create one) is not enough.
    assert.equal((await alice.api.get('/api/monitoring/errors')).status, 403);
    assert.equal((await viewer.api.get('/api/monitoring/errors')).status, 403);
    const operator = await server.crm.identity.createUser({
      email: `ops-${process.pid}@example.com`,
      operator: true,
    });
    const { token } = await server.crm.identity.issueToken(operator.id, 'ops');
    const instance = await server.as(token).get('/api/monitoring/errors');
    assert.equal(instance.status, 200);
    assert.ok(instance.body.recent.some((entry: { requestId: string }) => entry.requestId === requestId));
  });

  test('an incident of thousands of errors in one flush is stored whole, not dropped', async () => {
    const monitor = server.platform.errorMonitor;
    const incident = 5000;
    for (let i = 0; i < incident; i++) {
      monitor.record({
        workspaceId: bob.workspaceId,
        method: 'GET',
        route: '/api/incident',
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'the database is unavailable',
        requestId: `incident-${i}`,
      });
    }
    await monitor.flush();
    const rows = await server.database.query(
      "select count(*) as n from error_events where route = '/api/incident'",
    );
    assert.equal(Number(rows[0]!.n), incident);
  });
});

describe('operations overview', () => {
  test('reads the same numbers: hit rate, latency percentiles per route, queues, index lag', async () => {
    const overview = await alice.api.get(`/api/monitoring/${alice.workspaceId}/overview`);
    assert.equal(overview.status, 200, JSON.stringify(overview.body));
    const { cache, latency, queues, indexLag } = overview.body;
    assert.ok(cache.hitRate > 0 && cache.hitRate <= 1);
    const contacts = latency.find(
      (entry: { route: string; method: string }) =>
        entry.route === '/api/workspaces/:workspaceId/contacts/:id' && entry.method === 'GET',
    );
    assert.ok(contacts && contacts.count >= 3 && contacts.p50Ms > 0 && contacts.p99Ms >= contacts.p50Ms);
    assert.deepEqual(queues.map((q: { queue: string; state: string }) => `${q.queue}:${q.state}`).sort(), [
      'fine-tuning:active',
      'fine-tuning:failed',
      'fine-tuning:waiting',
      'indexing:failed',
      'indexing:waiting',
      'rescoring:active',
      'rescoring:failed',
      'rescoring:waiting',
      'scoring:active',
      'scoring:failed',
      'scoring:waiting',
      'workflows:active',
      'workflows:failed',
      'workflows:waiting',
    ]);
    assert.equal(typeof indexLag, 'number');
    const viewer = await server.newMember(alice.workspaceId, 'viewer');
    assert.equal((await viewer.api.get(`/api/monitoring/${alice.workspaceId}/overview`)).status, 403);
  });
});

describe('operations history', () => {
  test('samples the server keeps: requests, error rate, hit rate, latency and queue depth per interval', async () => {
    const { operations } = server.platform;
    await operations.sample();
    const contact = await alice.api.post(`/api/workspaces/${alice.workspaceId}/contacts`, {
      name: 'Sampled',
    });
    for (let i = 0; i < 4; i++)
      await alice.api.get(`/api/workspaces/${alice.workspaceId}/contacts/${contact.body.id}`);
    assert.equal((await alice.api.post(`/api/vector/${alice.workspaceId}/search`, {})).status, 400);
    // The next interval's sample, a whole interval later, so it is a point of its own.
    await operations.sample(new Date(Date.now() + operations.sampleMs));
    const history = await alice.api.get(`/api/monitoring/${alice.workspaceId}/history?hours=24`);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.equal(history.body.sampleMs, 60_000);
    const last = history.body.points.at(-1);
    assert.ok(last.requests >= 6, `the interval's requests were counted (${last.requests})`);
    assert.ok(last.p99Ms >= last.p50Ms && last.p50Ms > 0, 'latency percentiles of the interval');
    assert.ok(last.hitRate !== null && last.hitRate > 0, 'the repeated reads hit the cache');
    assert.equal(typeof last.errorRate, 'number');
    assert.equal(typeof last.queueDepth, 'number');
    const times = history.body.points.map((p: { at: string }) => p.at);
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    assert.equal((await alice.api.get(`/api/monitoring/${alice.workspaceId}/history?hours=48`)).status, 400);
    const viewer = await server.newMember(alice.workspaceId, 'viewer');
    assert.equal((await viewer.api.get(`/api/monitoring/${alice.workspaceId}/history`)).status, 403);
  });
});

describe('request logs', () => {
  test('one structured line per request; a slow request is logged with its breakdown', async () => {
    logLines.length = 0;
    const response = await alice.api.get(`/api/workspaces/${alice.workspaceId}/contacts`);
    const requestId = response.headers.get('x-request-id');
    // The line is written when the response has gone out: wait for it rather than for a fixed time.
    const lines = await eventually(
      async () => logLines.filter((line) => line.reqId === requestId),
      (found) => found.length > 0,
      5000,
    );
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.deepEqual(
      {
        msg: lines[0]!.msg,
        workspace: lines[0]!.workspace,
        route: lines[0]!.route,
        status: lines[0]!.status,
      },
      {
        msg: 'request',
        workspace: alice.workspaceId,
        route: '/api/workspaces/:workspaceId/contacts',
        status: 200,
      },
    );
    assert.equal(typeof lines[0]!.ms, 'number');

    const slow = await startTestApp({ SLOW_REQUEST_MS: '1', LOG_LEVEL: 'info' }, undefined, {
      write: (line: string) => logLines.push(JSON.parse(line)),
    });
    try {
      const owner = await slow.newTenant();
      const listed = await owner.api.get(`/api/workspaces/${owner.workspaceId}/contacts`);
      const line = (await eventually(
        async () => logLines.find((entry) => entry.reqId === listed.headers.get('x-request-id')),
        (found) => found !== undefined,
        5000,
      ))!;
      assert.equal(line.msg, 'slow request');
      const breakdown = line.breakdown as Record<string, { ms: number; calls: number }>;
      assert.ok(breakdown.db && breakdown.db.calls >= 1, JSON.stringify(breakdown));
    } finally {
      await slow.close();
    }
  });
});
