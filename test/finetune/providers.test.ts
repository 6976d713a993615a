// Hosted training end to end: jobs created over HTTP run through each provider adapter against its test
// server (checked with the official SDKs in provider-contracts.test.ts): upload, run, metrics, result,
// deployment as the workspace's chat model; then the failure paths and resuming after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openAiProvider } from '../../src/finetune/providers/openai.ts';
import { replicateProvider } from '../../src/finetune/providers/replicate.ts';
import { togetherProvider } from '../../src/finetune/providers/together.ts';
import { seededWorkspaces, startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { type JobBody, waitForJob } from '../support/jobs.ts';
import { type OpenAiServer, startOpenAiServer } from '../support/providers/openai-server.ts';
import { type ReplicateServer, startReplicateServer } from '../support/providers/replicate-server.ts';
import { startTogetherServer, type TogetherServer } from '../support/providers/together-server.ts';

const KEY = 'sk-provider-test';
let together: TogetherServer;
let openai: OpenAiServer;
let replicate: ReplicateServer;
let server: TestApp;
let tenant: Tenant;
let other: Tenant;
const datasets: Record<string, string> = {};

const providerEnv = () => ({
  FINETUNE_POLL_MS: '20',
  FINETUNE_PROVIDER_POLL_MS: '10',
  TOGETHER_AI_API_KEY: KEY,
  TOGETHER_BASE_URL: together.baseUrl,
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: openai.baseUrl,
  REPLICATE_API_TOKEN: KEY,
  REPLICATE_BASE_URL: replicate.baseUrl,
  REPLICATE_DESTINATION: 'crm-test/crm-models',
});

const cases = [
  { provider: 'together', baseModel: 'llama-3.1-8b', method: 'lora', fake: () => together },
  { provider: 'openai', baseModel: 'gpt-4o-mini', method: 'full', fake: () => openai },
  { provider: 'replicate', baseModel: 'llama-3-8b', method: 'lora', fake: () => replicate },
] as const;

const jobsUrl = (owner: Tenant) => `/api/ai/fine-tuning/${owner.workspaceId}/jobs`;
const createJob = (owner: Tenant, provider: string, extra: Record<string, unknown> = {}) => {
  const spec = cases.find((c) => c.provider === provider)!;
  return owner.api.post(jobsUrl(owner), {
    name: `${provider} notes`,
    baseModel: spec.baseModel,
    method: spec.method,
    provider,
    datasetId: datasets[provider],
    hyperparameters: { epochs: 2, batchSize: 4, learningRate: 0.0001 },
    ...extra,
  });
};
const finished = (job: JobBody) => ['succeeded', 'failed', 'cancelled'].includes(job.status);

before(async () => {
  together = await startTogetherServer({ apiKey: KEY });
  openai = await startOpenAiServer({ apiKey: KEY });
  replicate = await startReplicateServer({ apiKey: KEY });
  ({ server, tenant, other } = await seededWorkspaces({ size: 400, seed: 21, env: providerEnv() }));
  for (const spec of cases) {
    const created = await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets`, {
      name: `${spec.provider} notes`,
      type: 'instruction',
      baseModel: spec.baseModel,
      validationSplit: 0.2,
      trainingData: { source: 'workspace', filters: { limit: 40 } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    datasets[spec.provider] = created.body.id;
  }
});
after(async () => {
  await server.close();
  await Promise.all([together.close(), openai.close(), replicate.close()]);
});

describe('the full lifecycle with each provider', () => {
  for (const spec of cases) {
    test(`${spec.provider}: upload, run, metrics, result, deploy, and agents answer with the trained model`, async () => {
      const fake = spec.fake();
      const runsBefore = fake.runs.size;
      const created = await createJob(tenant, spec.provider);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.simulated, false);
      const job = await waitForJob(tenant.api, tenant.workspaceId, created.body.id, finished);
      assert.equal(job.status, 'succeeded', job.error);
      assert.equal(fake.runs.size, runsBefore + 1, 'exactly one run at the provider');
      const run = fake.runs.get(job.providerRun.runId)!;
      assert.ok(run, 'the job keeps the provider’s run id');
      assert.deepEqual(
        job.metrics.map((m: { step: number; loss: number }) => [m.step, m.loss]),
        run.logged.map((entry) => [entry.step, entry.loss]),
        'every logged step, with the provider’s loss',
      );
      assert.equal(job.totalSteps, 6);
      assert.equal(job.progress, 1);
      assert.ok(job.result.modelName, 'the trained model’s name');
      assert.ok(job.result.costUsd > 0, 'what the run cost');
      assert.ok(job.providerRun.trainingFile && job.providerRun.validationFile);

      assert.equal((await other.api.get(`${jobsUrl(tenant)}/${job.id}`)).status, 404);
      const deployed = await tenant.api.post(`${jobsUrl(tenant)}/${job.id}/deploy`);
      assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
      assert.equal(deployed.body.deployStatus, 'deployed');
      assert.equal(deployed.body.deployment.kind, 'chat-model');
      const lead = (await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/leads?status=new&limit=1`))
        .body.data[0];
      const answer = await tenant.api.post(`/api/agents/${tenant.workspaceId}/qualify-lead/${lead.id}`, {});
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.engine, deployed.body.deployment.model, 'the deployed model answered');
      assert.ok(answer.body.evidence.length > 0);
    });
  }
});

describe('failure paths', () => {
  test('an invalid training file is refused by each provider with its reason', async () => {
    const connection = { apiKey: KEY, timeoutMs: 5000, retries: 0 };
    const bad = '{"not":"a training example"}\n';
    const t = togetherProvider({ ...connection, baseUrl: together.baseUrl, endpointHardware: 'x' });
    await assert.rejects(t.uploadFile('bad.jsonl', bad), /400.*Invalid file format/);

    const o = openAiProvider({ ...connection, baseUrl: openai.baseUrl, pricePerMillionTokensUsd: 3 });
    const oRun = await o.startRun({
      model: 'gpt-4o-mini-2024-07-18',
      method: 'full',
      hyperparameters: { epochs: 1, batchSize: 1, learningRate: 0.0001 },
      suffix: 'bad',
      trainingFile: await o.uploadFile('bad.jsonl', bad),
    });
    const oStatus = await o.status(oRun, 0);
    assert.equal(oStatus.state, 'failed');
    assert.match(oStatus.error!, /invalid_training_file/);

    const r = replicateProvider({
      ...connection,
      baseUrl: replicate.baseUrl,
      destination: 'crm-test/bad-files',
      destinationHardware: 'gpu-a40-large',
      usdPerSecond: 0.0058,
    });
    const rRun = await r.startRun({
      model: 'meta/meta-llama-3-8b-instruct',
      method: 'lora',
      hyperparameters: { epochs: 1, batchSize: 1, learningRate: 0.0001, loraRank: 8, loraAlpha: 16 },
      suffix: 'bad',
      trainingFile: await r.uploadFile('bad.jsonl', bad),
    });
    const rStatus = await r.status(rRun, 0);
    assert.equal(rStatus.state, 'failed');
    assert.match(rStatus.error!, /not valid JSONL/);
  });

  test('429 with Retry-After and a 500 are retried; the job still succeeds with one run', async () => {
    const runs = together.runs.size;
    together.failNext(
      {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { message: 'slow down', type: 'rate_limit' } },
      },
      { status: 500, body: { error: { message: 'internal', type: 'server_error' } } },
    );
    const created = await createJob(tenant, 'together');
    const job = await waitForJob(tenant.api, tenant.workspaceId, created.body.id, finished);
    assert.equal(job.status, 'succeeded', job.error);
    assert.equal(together.runs.size, runs + 1);
  });

  test('a provider that does not answer in time is retried, and the call succeeds', async () => {
    const slow = togetherProvider({
      apiKey: KEY,
      timeoutMs: 200,
      retries: 2,
      baseUrl: together.baseUrl,
      endpointHardware: 'x',
    });
    const before = together.requests.length;
    together.failNext({ status: 200, delayMs: 1000, body: { data: [] } });
    const upload = await slow.uploadFile('ok.jsonl', `${JSON.stringify({ text: 'a note' })}\n`);
    assert.match(upload, /^file-/);
    assert.ok(together.requests.length - before >= 3, 'the timed-out request was sent again');
  });

  test('a provider that keeps failing fails the job with the provider’s message', async () => {
    openai.failNext(
      ...Array.from({ length: 6 }, () => ({
        status: 500,
        body: { error: { message: 'The server is overloaded', type: 'server_error' } },
      })),
    );
    const created = await createJob(tenant, 'openai');
    const job = await waitForJob(tenant.api, tenant.workspaceId, created.body.id, finished);
    assert.equal(job.status, 'failed');
    assert.match(job.error, /500: The server is overloaded/);
  });

  test('a run that errors at the provider fails the job, keeping the steps it logged', async () => {
    replicate.script.failAtStep = 3;
    try {
      const created = await createJob(tenant, 'replicate');
      const job = await waitForJob(tenant.api, tenant.workspaceId, created.body.id, finished);
      assert.equal(job.status, 'failed');
      assert.match(job.error, /CUDA out of memory/);
      assert.deepEqual(
        job.metrics.map((m: { step: number }) => m.step),
        [1, 2],
      );
    } finally {
      delete replicate.script.failAtStep;
    }
  });

  test('cancelling a running job cancels the run at the provider', async () => {
    Object.assign(together.script, { totalSteps: 400, stepsPerPoll: 1 });
    try {
      const created = await createJob(tenant, 'together');
      await waitForJob(tenant.api, tenant.workspaceId, created.body.id, (j) => j.step >= 2);
      assert.equal((await tenant.api.post(`${jobsUrl(tenant)}/${created.body.id}/cancel`)).status, 200);
      const job = await waitForJob(tenant.api, tenant.workspaceId, created.body.id, finished);
      assert.equal(job.status, 'cancelled');
      const run = together.runs.get(job.providerRun.runId)!;
      assert.ok(['cancelling', 'cancelled'].includes(run.phase), `the provider's run is ${run.phase}`);
      assert.ok(together.requests.some((r) => r.method === 'POST' && r.path.endsWith(`${run.id}/cancel`)));
    } finally {
      Object.assign(together.script, { totalSteps: 6, stepsPerPoll: 2 });
    }
  });

  test('a worker restarted mid-run polls the same run and records every step once', async () => {
    Object.assign(openai.script, { totalSteps: 30, stepsPerPoll: 1 });
    const first = await startTestApp({ ...providerEnv(), FINETUNE_PROVIDER_POLL_MS: '30' });
    try {
      const owner = await first.newTenant();
      const dataset = await owner.api.post(`/api/ai/fine-tuning/${owner.workspaceId}/datasets`, {
        name: 'Upload',
        type: 'chat',
        baseModel: 'gpt-4o-mini',
        trainingData: {
          source: 'upload',
          jsonl: Array.from({ length: 20 }, (_, i) =>
            JSON.stringify({
              messages: [
                { role: 'user', content: `Q${i}?` },
                { role: 'assistant', content: `A${i}.` },
              ],
            }),
          ).join('\n'),
        },
      });
      assert.equal(dataset.status, 201, JSON.stringify(dataset.body));
      const created = await owner.api.post(jobsUrl(owner), {
        name: 'Survivor',
        baseModel: 'gpt-4o-mini',
        method: 'full',
        provider: 'openai',
        datasetId: dataset.body.id,
        hyperparameters: { epochs: 1, batchSize: 1, learningRate: 0.0001 },
      });
      await waitForJob(owner.api, owner.workspaceId, created.body.id, (j) => j.step >= 3);
      const runs = openai.runs.size;
      await first.close({ drop: false });

      const second = await startTestApp(providerEnv(), first.database);
      try {
        const job = await waitForJob(second.as(owner.token), owner.workspaceId, created.body.id, finished);
        assert.equal(job.status, 'succeeded', job.error);
        assert.equal(openai.runs.size, runs, 'no second run was started');
        assert.deepEqual(
          job.metrics.map((m: { step: number }) => m.step),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
      } finally {
        await second.close();
      }
    } finally {
      Object.assign(openai.script, { totalSteps: 6, stepsPerPoll: 2 });
    }
  });
});
