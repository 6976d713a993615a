// The OpenAPI document is what client generators and schemathesis read: it must be valid and lint clean.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { API_TYPES_FILE, apiTypesSource } from '../../scripts/api-types.ts';
import { operationIdOf } from '../../src/platform/http/server.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let server: TestApp;
let document: { paths: Record<string, Record<string, { operationId?: string }>> };

before(async () => {
  server = await startTestApp();
  document = (await server.anonymous.get('/docs/json')).body;
});
after(() => server.close());

describe('the OpenAPI document', () => {
  test('is what the web panel’s generated API types were made from (else: npm run generate:api-types)', async () => {
    assert.equal(await apiTypesSource(document), fs.readFileSync(API_TYPES_FILE, 'utf8'));
  });

  test('validates with swagger-parser (every $ref resolves)', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  test('has no errors under Redocly’s recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config,
    });
    const errors = problems.filter((problem) => problem.severity === 'error');
    assert.deepEqual(
      errors.map((problem) => `${problem.ruleId}: ${problem.message}`),
      [],
    );
  });

  test('every operation has a unique operationId', () => {
    const ids = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).map((operation) => operation.operationId),
    );
    assert.ok(ids.length > 60);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('fuzz finding: a 204 documents no body, and errors are JSON on streaming routes too', () => {
    type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };
    const operations = Object.values(document.paths).flatMap((ops) => Object.values(ops)) as Operation[];
    for (const operation of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === '204') assert.equal(response.content, undefined);
        if (Number(status) >= 400)
          assert.deepEqual(Object.keys(response.content ?? {}), ['application/json']);
      }
    }
  });

  test('operation ids read from the method and path, the workspace left out', () => {
    const cases: [string, string, string][] = [
      ['GET', '/api', 'getIndex'],
      ['GET', '/api/workspaces/:workspaceId', 'getWorkspacesByWorkspaceId'],
      ['POST', '/api/vector/:workspaceId/hybrid-search', 'postVectorHybridSearch'],
      ['GET', '/api/vector/:workspaceId/similar/:entityType/:id', 'getVectorSimilarByEntityTypeById'],
      ['POST', '/api/ai/fine-tuning/:workspaceId/jobs/:jobId/cancel', 'postAiFineTuningJobsByJobIdCancel'],
    ];
    for (const [method, url, expected] of cases) assert.equal(operationIdOf(method, url), expected);
  });
});
