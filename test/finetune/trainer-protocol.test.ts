// The trainer protocol over HTTP, without Python: what a worker may claim (its workspace, the methods and
// models it registered), what it may touch (only jobs it holds), the lease passing to another worker with the
// checkpoint, and bad input answered with stable codes. The real worker runs in self-hosted.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';
import type { ApiClient } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { uploadCompletionDataset } from '../support/jobs.ts';

let server: TestApp;
let tenant: Tenant;
let other: Tenant;
let datasetId: string;
let scratch: string;

const hardware = {
  device: 'cuda',
  name: 'NVIDIA A100',
  memoryGib: 80,
  freeMemoryGib: 79,
  bf16: true,
  torchVersion: '2.13.0',
};
const base = (owner: Tenant) => `/api/ai/fine-tuning/${owner.workspaceId}`;

async function newWorker(owner: Tenant, registration: Record<string, unknown> | null = {}) {
  const created = await owner.api.post(`${base(owner)}/trainers`, { name: `worker ${Math.random()}` });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const worker = server.as(created.body.token);
  if (registration) {
    const registered = await worker.post('/api/trainer/v1/register', {
      ...hardware,
      methods: ['lora', 'full'],
      ...registration,
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
  }
  return { worker, id: created.body.trainer.id as string, token: created.body.token as string };
}

async function createJob(method = 'lora', baseModel = 'llama-3-8b') {
  const created = await tenant.api.post(`${base(tenant)}/jobs`, {
    name: `${method} run`,
    baseModel,
    method,
    provider: 'self-hosted',
    datasetId,
    hyperparameters: { epochs: 1, batchSize: 4, learningRate: 0.0001 },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

async function upload(worker: ApiClient, url: string, bytes: Buffer, type = 'application/octet-stream') {
  const response = await fetch(`${server.baseUrl}${url}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${worker.token}`, 'content-type': type },
    body: bytes,
  });
  const body = response.status === 204 ? null : await response.json();
  return { status: response.status, body: body as { error: { code: string } } | null };
}

async function archiveOf(files: Record<string, string>) {
  const directory = fs.mkdtempSync(path.join(scratch, 'dir-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(directory, name), content);
  const file = `${directory}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: directory }, Object.keys(files));
  return fs.readFileSync(file);
}

/** Claims until the queue is empty, finishing each job; leaves the queue clean for the next test. */
async function drain(worker: ApiClient) {
  for (;;) {
    const claimed = await worker.post('/api/trainer/v1/claim', {});
    if (claimed.status === 204) return;
    await worker.post(`/api/trainer/v1/jobs/${claimed.body.job.id}/fail`, { error: 'drained by the test' });
  }
}

describe('the trainer protocol', () => {
  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-trainer-protocol-'));
    ({ server, tenant, other } = await seededWorkspaces({
      size: 40,
      seed: 3,
      env: { TRAINER_LEASE_MS: '2000', TRAINER_POLL_MS: '100' },
    }));
    datasetId = await uploadCompletionDataset(tenant.api, tenant.workspaceId, 12);
  });
  after(async () => {
    await server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('tokens: unknown, a user’s and revoked ones are refused; registering needs an admin', async () => {
    assert.equal(
      (await server.as('crm_nope').post('/api/trainer/v1/claim', {})).body.error.code,
      'TRAINER_TOKEN_INVALID',
    );
    assert.equal((await tenant.api.post('/api/trainer/v1/claim', {})).status, 401);
    const viewer = await server.newMember(tenant.workspaceId, 'viewer');
    assert.equal((await viewer.api.post(`${base(tenant)}/trainers`, { name: 'x' })).status, 403);
    const { worker, id } = await newWorker(tenant, null);
    assert.equal((await worker.post('/api/trainer/v1/claim', {})).body.error.code, 'TRAINER_NOT_REGISTERED');
    assert.equal((await tenant.api.delete(`${base(tenant)}/trainers/${id}`)).status, 204);
    assert.equal((await worker.post('/api/trainer/v1/claim', {})).status, 401);
    const listed = (await tenant.api.get(`${base(tenant)}/trainers`)).body.trainers;
    assert.equal(listed.find((t: { id: string }) => t.id === id).health, 'revoked');
    assert.ok(
      listed.every((t: Record<string, unknown>) => !('tokenHash' in t)),
      'no hash leaves the service',
    );
  });

  test('a registration with an unknown method is refused with the field', async () => {
    const { worker } = await newWorker(tenant, null);
    const refused = await worker.post('/api/trainer/v1/register', { ...hardware, methods: ['magic'] });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /methods/);
  });

  test('a worker claims only its workspace’s jobs, among the methods and models it registered', async () => {
    const qlora = await createJob('qlora');
    const onlyLocal = await newWorker(tenant, {
      methods: ['lora', 'qlora'],
      models: ['mistral-7b'],
      hub: false,
    });
    assert.equal(
      (await onlyLocal.worker.post('/api/trainer/v1/claim', {})).status,
      204,
      'llama-3-8b is not local',
    );
    const foreign = await newWorker(other, { methods: ['lora', 'qlora'] });
    assert.equal((await foreign.worker.post('/api/trainer/v1/claim', {})).status, 204, 'another workspace');
    const withoutFourBit = await newWorker(tenant, {
      methods: ['lora'],
      unavailable: { qlora: 'no kernels' },
    });
    assert.equal(
      (await withoutFourBit.worker.post('/api/trainer/v1/claim', {})).status,
      204,
      'no QLoRA here',
    );
    const able = await newWorker(tenant, { methods: ['lora', 'qlora'] });
    const claimed = await able.worker.post('/api/trainer/v1/claim', {});
    assert.equal(claimed.status, 200);
    assert.equal(claimed.body.job.id, qlora);
    assert.equal(claimed.body.job.huggingFaceModel, 'meta-llama/Meta-Llama-3-8B-Instruct');
    assert.deepEqual(claimed.body.job.hyperparameters, {
      epochs: 1,
      batchSize: 4,
      learningRate: 0.0001,
      loraRank: 16,
      loraAlpha: 32,
      loraDropout: 0.05,
    });
    const lines = (await able.worker.getText(`/api/trainer/v1/jobs/${qlora}/dataset`)).trim().split('\n');
    assert.equal(lines.length, 12);
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), ['split', 'messages']);
    // Nobody else may read or write it.
    for (const stranger of [withoutFourBit.worker, foreign.worker]) {
      const touched = await stranger.post(`/api/trainer/v1/jobs/${qlora}/progress`, {
        step: 1,
        totalSteps: 3,
      });
      assert.equal(touched.status, 409);
      assert.equal(touched.body.error.code, 'JOB_NOT_HELD');
    }
    await drain(able.worker);
  });

  test('progress records metrics and answers a cancel; stop then ends the job cancelled', async () => {
    const jobId = await createJob();
    const { worker } = await newWorker(tenant);
    await worker.post('/api/trainer/v1/claim', {});
    const metric = {
      step: 1,
      epoch: 0.5,
      loss: 2.1,
      evalLoss: null,
      learningRate: 0.0001,
      tokensPerSec: 900,
    };
    const going = await worker.post(`/api/trainer/v1/jobs/${jobId}/progress`, {
      step: 1,
      totalSteps: 2,
      metrics: [metric],
    });
    assert.deepEqual(going.body, { keepGoing: true, cancelRequested: false });
    assert.equal((await tenant.api.post(`${base(tenant)}/jobs/${jobId}/cancel`)).status, 200);
    const told = await worker.post(`/api/trainer/v1/jobs/${jobId}/heartbeat`, {});
    assert.deepEqual(told.body, { keepGoing: false, cancelRequested: true });
    assert.equal((await worker.post(`/api/trainer/v1/jobs/${jobId}/stop`, {})).body.status, 'cancelled');
    const job = (await tenant.api.get(`${base(tenant)}/jobs/${jobId}`)).body;
    assert.equal(job.status, 'cancelled');
    assert.equal(job.metrics[0].tokensPerSec, 900);
  });

  test('a silent worker loses its job; the next one resumes from the checkpoint; the first is shut out', async () => {
    const jobId = await createJob();
    const first = await newWorker(tenant);
    const second = await newWorker(tenant);
    assert.equal((await first.worker.post('/api/trainer/v1/claim', {})).body.resumeFromStep, null);
    const checkpoint = await archiveOf({ 'state.json': '{"step":5}' });
    assert.equal(
      (await upload(first.worker, `/api/trainer/v1/jobs/${jobId}/checkpoint?step=5`, checkpoint)).status,
      204,
    );
    // The lease (2 s here) runs out without a word from the first worker.
    const claimed = await eventually(
      () => second.worker.post('/api/trainer/v1/claim', {}),
      (response) => response.status === 200,
      10_000,
    );
    assert.equal(claimed.body.job.id, jobId);
    assert.equal(claimed.body.resumeFromStep, 5);
    const download = await fetch(`${server.baseUrl}/api/trainer/v1/jobs/${jobId}/checkpoint`, {
      headers: { authorization: `Bearer ${second.token}` },
    });
    assert.equal(download.headers.get('x-checkpoint-step'), '5');
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), checkpoint);
    const late = await first.worker.post(`/api/trainer/v1/jobs/${jobId}/progress`, {
      step: 6,
      totalSteps: 9,
    });
    assert.equal(late.body.error.code, 'JOB_NOT_HELD');
    const listed = (await tenant.api.get(`${base(tenant)}/trainers`)).body.trainers;
    assert.equal(listed.find((t: { id: string }) => t.id === second.id).currentJobId, jobId);

    // Completing needs the artifact; a body that is not an archive is refused and nothing is kept.
    const early = await second.worker.post(`/api/trainer/v1/jobs/${jobId}/complete`, { result: {} });
    assert.equal(early.body.error.code, 'ARTIFACT_MISSING');
    const junk = await upload(
      second.worker,
      `/api/trainer/v1/jobs/${jobId}/artifact`,
      Buffer.from('not a tar'),
    );
    assert.equal(junk.status, 400);
    assert.equal(junk.body?.error.code, 'ARTIFACT_UNREADABLE');
    const json = await upload(
      second.worker,
      `/api/trainer/v1/jobs/${jobId}/artifact`,
      Buffer.from('{}'),
      'application/json',
    );
    assert.equal(json.status, 415);
    const artifact = await archiveOf({
      'adapter_config.json': '{"peft_type":"LORA"}',
      'adapter_model.safetensors': 'x',
    });
    assert.equal(
      (await upload(second.worker, `/api/trainer/v1/jobs/${jobId}/artifact`, artifact)).status,
      204,
    );
    const done = await second.worker.post(`/api/trainer/v1/jobs/${jobId}/complete`, {
      result: { finalLoss: 0.4 },
    });
    assert.equal(done.body.status, 'succeeded');
    const job = (await tenant.api.get(`${base(tenant)}/jobs/${jobId}`)).body;
    assert.deepEqual(fs.readdirSync(job.result.artifact).sort(), [
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    assert.equal(job.result.finalLoss, 0.4);
    assert.equal(job.result.modelName, `crm-${jobId.slice(0, 8)}`);
    // The finished job's checkpoint is gone, and the job is closed to every worker.
    const after = await second.worker.get(`/api/trainer/v1/jobs/${jobId}/checkpoint`);
    assert.equal(after.status, 409);
  });

  test('a self-hosted job that asked for workspace data gets its dataset built at the claim', async () => {
    const created = await tenant.api.post(`${base(tenant)}/jobs`, {
      name: 'from records',
      baseModel: 'qwen-3-8b',
      method: 'p-tuning',
      provider: 'self-hosted',
      trainingData: { source: 'workspace', type: 'instruction', filters: { limit: 10 } },
      hyperparameters: { epochs: 1, batchSize: 2, learningRate: 0.01, virtualTokens: 8 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { worker } = await newWorker(tenant, { methods: ['p-tuning'] });
    const claimed = await worker.post('/api/trainer/v1/claim', {});
    assert.equal(claimed.body.job.id, created.body.id);
    assert.equal(claimed.body.job.hyperparameters.virtualTokens, 8);
    assert.equal(claimed.body.job.datasetType, 'instruction');
    const job = (await tenant.api.get(`${base(tenant)}/jobs/${created.body.id}`)).body;
    assert.ok(job.datasetId && job.estimate, 'dataset and estimate stored');
    assert.equal(job.status, 'running');
    await drain(worker);
    await worker.post(`/api/trainer/v1/jobs/${created.body.id}/fail`, { error: 'test over' });
  });
});
