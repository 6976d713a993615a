// The provider test servers, checked with each provider's official npm SDK as the client: if a fake answered
// in a shape the real SDK would not send or could not read, these fail. The adapters are tested against the
// same servers in providers.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type OpenAiServer, startOpenAiServer } from '../support/providers/openai-server.ts';
import {
  REPLICATE_TRAINERS,
  type ReplicateServer,
  startReplicateServer,
} from '../support/providers/replicate-server.ts';
import { startTogetherServer, type TogetherServer } from '../support/providers/together-server.ts';

const KEY = 'sk-contract-test';
const chatLines = Array.from({ length: 12 }, (_, i) =>
  JSON.stringify({
    messages: [
      { role: 'system', content: 'You are a CRM assistant.' },
      { role: 'user', content: `Summarize deal #${i}` },
      { role: 'assistant', content: `Deal #${i}: renewal, closes Q3.` },
    ],
  }),
).join('\n');
const promptLines = Array.from({ length: 12 }, (_, i) =>
  JSON.stringify({ prompt: `Classify ticket ${i}`, completion: 'billing' }),
).join('\n');

describe('Together AI test server, read by the together-ai SDK', () => {
  let server: TogetherServer;
  let dir: string;
  let client: any;
  let Together: any;
  before(async () => {
    server = await startTogetherServer({ apiKey: KEY });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-'));
    // The SDK's upload helper reads its base URL from the environment when the module loads.
    process.env.TOGETHER_API_BASE_URL = server.baseUrl;
    // Its ESM build calls `require` for the Node file APIs of the upload helper, so load the CommonJS build.
    Together = createRequire(import.meta.url)('together-ai').default;
    client = new Together({ apiKey: KEY, baseURL: server.baseUrl, maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('upload (302 + PUT), create, poll to completion with metrics and events, cancel, errors', async () => {
    const file = path.join(dir, 'train.jsonl');
    fs.writeFileSync(file, `${chatLines}\n`);
    // The SDK PUTs a file stream without `duplex`, which Node 20's fetch requires (Node 22 does not).
    const nodeFetch = globalThis.fetch;
    globalThis.fetch = (input, init) =>
      nodeFetch(
        input,
        init?.body && typeof (init.body as { pipe?: unknown }).pipe === 'function'
          ? ({ ...init, duplex: 'half' } as RequestInit)
          : init,
      );
    const uploaded = await client.files.upload(file, 'fine-tune').finally(() => {
      globalThis.fetch = nodeFetch;
    });
    assert.match(uploaded.id, /^file-/);
    assert.equal(uploaded.bytes, fs.statSync(file).size);

    const job = await client.fineTuning.create({
      model: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      training_file: uploaded.id,
      n_epochs: 2,
      training_type: { type: 'Lora', lora_r: 8, lora_alpha: 16 },
      suffix: 'crm',
    });
    assert.match(job.id, /^ft-/);
    assert.equal(job.status, 'pending');
    const seen: string[] = [];
    let current = job;
    while (!['completed', 'error', 'cancelled'].includes(current.status)) {
      current = await client.fineTuning.retrieve(job.id);
      seen.push(current.status);
    }
    assert.deepEqual(seen, ['queued', 'running', 'running', 'running', 'uploading', 'completed']);
    assert.ok(current.model_output_name, 'a completed job names its model');
    assert.ok(current.total_price > 0 && Number.isInteger(current.total_price), 'nanodollars, an integer');
    const metrics = await client.fineTuning.listMetrics(job.id);
    assert.deepEqual(
      metrics.metrics.map((row: Record<string, number>) => row['train/global_step']),
      [1, 2, 3, 4, 5, 6],
    );
    const events = await client.fineTuning.listEvents(job.id);
    assert.ok(events.data.some((event: { total_steps?: number }) => event.total_steps === 6));

    const second = await client.fineTuning.create({ model: 'Qwen/Qwen3-8B', training_file: uploaded.id });
    const cancelled = await client.fineTuning.cancel(second.id);
    assert.equal(cancelled.status, 'cancel_requested');
    assert.equal((await client.fineTuning.retrieve(second.id)).status, 'cancelled');

    await assert.rejects(
      client.fineTuning.create({ model: 'not/a-model', training_file: uploaded.id }),
      (error: { status: number }) => error.status === 400,
    );
    const stranger = new Together({ apiKey: 'wrong', baseURL: server.baseUrl, maxRetries: 0 });
    await assert.rejects(stranger.fineTuning.list(), (error: { status: number }) => error.status === 401);
  });
});

describe('OpenAI test server, read by the openai SDK', () => {
  let server: OpenAiServer;
  let client: any;
  let toFile: (data: Buffer, name: string) => Promise<unknown>;
  before(async () => {
    server = await startOpenAiServer({ apiKey: KEY });
    const module = await import('openai');
    toFile = module.toFile as never;
    client = new module.default({ apiKey: KEY, baseURL: server.baseUrl, maxRetries: 0 });
  });
  after(() => server.close());

  test('upload, create, poll, paged metric events, the fine-tuned model answers chat, cancel, errors', async () => {
    const file = await client.files.create({
      file: await toFile(Buffer.from(chatLines), 'train.jsonl'),
      purpose: 'fine-tune',
    });
    assert.match(file.id, /^file-/);
    const job = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: file.id,
      suffix: 'crm',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
    });
    assert.equal(job.status, 'validating_files');
    let current = job;
    while (!['succeeded', 'failed', 'cancelled'].includes(current.status))
      current = await client.fineTuning.jobs.retrieve(job.id);
    assert.match(current.fine_tuned_model, /^ft:gpt-4o-mini-2024-07-18:crm-test:crm:/);
    assert.ok(current.trained_tokens > 0);

    const steps: number[] = [];
    for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 2 }))
      if (event.type === 'metrics') steps.push(event.data.step);
    assert.deepEqual(steps, [6, 5, 4, 3, 2, 1], 'newest first, across pages');

    const chat = await client.chat.completions.create({
      model: current.fine_tuned_model,
      messages: [{ role: 'user', content: JSON.stringify({ findings: { ok: true } }) }],
    });
    assert.equal(chat.choices[0].message.content, '{"ok":true}');

    const second = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: file.id,
    });
    assert.equal((await client.fineTuning.jobs.cancel(second.id)).status, 'cancelled');

    const bad = await client.files.create({
      file: await toFile(Buffer.from('{"text":"no chat"}\n'), 'bad.jsonl'),
      purpose: 'fine-tune',
    });
    const failing = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: bad.id,
    });
    const failed = await client.fineTuning.jobs.retrieve(failing.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'invalid_training_file');
    await assert.rejects(
      client.fineTuning.jobs.create({ model: 'llama-3-8b', training_file: file.id }),
      (error: { status: number; code: string }) =>
        error.status === 400 && error.code === 'model_not_available',
    );
  });
});

describe('Replicate test server, read by the replicate SDK', () => {
  let server: ReplicateServer;
  let client: any;
  let sdk: any;
  before(async () => {
    server = await startReplicateServer({ apiKey: KEY });
    sdk = await import('replicate');
    client = new sdk.default({ auth: KEY, baseUrl: server.baseUrl });
  });
  after(() => server.close());

  test('file, destination model, training to a new version with progress in the logs, prediction, cancel', async () => {
    const file = await client.files.create(Buffer.from(promptLines), { purpose: 'training' });
    assert.ok(file.urls.get.startsWith(server.url));
    await client.models.create('crm-test', 'lead-writer', {
      visibility: 'private',
      hardware: 'gpu-a40-large',
    });
    const [trainer, version] = Object.entries(REPLICATE_TRAINERS)[0]!;
    const [owner, name] = trainer.split('/');
    const training = await client.trainings.create(owner, name, version, {
      destination: 'crm-test/lead-writer',
      input: { train_data: file.urls.get, num_train_epochs: 1 },
    });
    assert.equal(training.status, 'starting');
    let current = training;
    while (!['succeeded', 'failed', 'canceled'].includes(current.status)) {
      current = await client.trainings.get(training.id);
      if (current.status === 'processing' && current.logs) {
        const progress = sdk.parseProgressFromLogs(current.logs);
        assert.ok(progress && progress.total === 6, 'the SDK reads the tqdm progress in the logs');
      }
    }
    assert.equal(current.status, 'succeeded');
    assert.ok(current.metrics.predict_time > 0);
    const model = await client.models.get('crm-test', 'lead-writer');
    assert.equal(model.latest_version.id, current.output.version);

    const prediction = await client.predictions.create({
      version: current.output.version,
      input: { prompt: `User: ${JSON.stringify({ findings: { score: 1 } })}\n\nAssistant:` },
    });
    assert.equal(prediction.output.join(''), '{"score":1}');

    const second = await client.trainings.create(owner, name, version, {
      destination: 'crm-test/lead-writer',
      input: { train_data: file.urls.get },
    });
    assert.equal((await client.trainings.cancel(second.id)).status, 'canceled');
    await assert.rejects(
      client.trainings.create(owner, name, version, {
        destination: 'crm-test/missing',
        input: { train_data: file.urls.get },
      }),
      /404/,
    );
  });
});
