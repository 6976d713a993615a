// Traces over OTLP/HTTP: with OTEL_EXPORTER_OTLP_ENDPOINT set, a search request yields one trace — the HTTP
// server span with database, embedding and vector-search spans under it — received by a local OTLP receiver;
// without it, nothing is sent and requests still work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tracingEnabled } from '../../src/platform/observability/tracing.ts';
import { startTestApp } from '../support/app.ts';
import { type ContractServer, startContractServer } from '../support/contract-server.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let receiver: ContractServer;
const spans: OtlpSpan[] = [];

before(async () => {
  receiver = await startContractServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v1/traces') return { status: 404 };
    const body = request.body as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
    for (const resource of body.resourceSpans)
      for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    return { status: 200, body: {} };
  });
});
after(() => receiver.close());

test('tracing off: no spans are sent and requests work', async () => {
  const server = await startTestApp();
  try {
    assert.equal(tracingEnabled(), false);
    const owner = await server.newTenant();
    assert.equal((await owner.api.get(`/api/workspaces/${owner.workspaceId}/contacts`)).status, 200);
  } finally {
    await server.close();
  }
  assert.equal(receiver.requests.length, 0);
});

test('tracing on: a search is one trace with HTTP, database, embedding and vector-search spans', async () => {
  const server = await startTestApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'crm-ai-test',
  });
  let requestId: string | null = null;
  try {
    assert.equal(tracingEnabled(), true);
    const owner = await server.newTenant();
    await owner.api.post(`/api/workspaces/${owner.workspaceId}/contacts`, {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    await server.vector.indexer.idle();
    const search = await owner.api.post(`/api/vector/${owner.workspaceId}/search`, {
      query: 'Ada',
    });
    assert.equal(search.status, 200, JSON.stringify(search.body));
    requestId = search.headers.get('x-request-id');
  } finally {
    await server.close(); // flushes the exporter
  }
  assert.ok(requestId);
  const http = spans.find((span) => span.name === 'POST /api/vector/:workspaceId/search');
  assert.ok(http, `an HTTP span; got ${[...new Set(spans.map((span) => span.name))].join(', ')}`);
  const inTrace = spans.filter((span) => span.traceId === http.traceId);
  const names = new Set(inTrace.map((span) => span.name));
  for (const name of ['db.query', 'embedding', 'vector.search'])
    assert.ok(names.has(name), `${name} in the trace`);
  for (const span of inTrace.filter((s) => s !== http))
    assert.ok(span.parentSpanId, `${span.name} has a parent`);
  const status = http.attributes.find((attribute) => attribute.key === 'http.response.status_code');
  assert.equal(status?.value.intValue, 200);
});
