import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { seededWorkspaces, startTestApp, type Tenant, type TestApp } from '../support/app.ts';
import { eventually } from '../support/eventually.ts';
import { type JobBody, trainLocalClassifier, uploadCompletionDataset, waitForJob } from '../support/jobs.ts';

const FAST = { FINETUNE_POLL_MS: '20', FINETUNE_SIMULATOR_STEP_MS: '2' };
let server: TestApp;
let tenant: Tenant;
let other: Tenant;
let leadDataset: string;
let chatDataset: string;
const jobs = (path = '', workspaceId = tenant.workspaceId) =>
  `/api/ai/fine-tuning/${workspaceId}/jobs${path}`;

const waitFor = (api: Tenant['api'], jobId: string, done: (job: JobBody) => boolean) =>
  waitForJob(api, tenant.workspaceId, jobId, done);

before(async () => {
  ({ server, tenant, other } = await seededWorkspaces({ size: 4000, seed: 9, env: FAST }));
  const datasets = `/api/ai/fine-tuning/${tenant.workspaceId}/datasets`;
  leadDataset = (
    await tenant.api.post(datasets, {
      name: 'Leads',
      type: 'classification',
      baseModel: 'crm-classifier',
      validationSplit: 0.25,
      trainingData: { source: 'workspace', filters: { target: 'lead-conversion' } },
    })
  ).body.id;
  chatDataset = (
    await tenant.api.post(datasets, {
      name: 'Calls',
      type: 'chat',
      trainingData: { source: 'workspace', filters: { limit: 200 } },
    })
  ).body.id;
});
after(() => server.close());

/** Reads a job's whole event stream (it ends with the job), as `{ id, event, data }` in order. */
async function readEvents(path: string, lastEventId?: string) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    headers: {
      authorization: `Bearer ${tenant.token}`,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const blocks = (await response.text()).split('\n\n').filter((block) => block.includes('data:'));
  return blocks.map((block) => {
    const field = (name: string) =>
      block
        .split('\n')
        .find((line) => line.startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim();
    return { id: field('id'), event: field('event'), data: JSON.parse(field('data')!) };
  });
}

describe('local training', () => {
  test('a classifier of the workspace’s leads trains the scorers’ own model on the dataset’s records; deployed, it scores the leads everywhere', async () => {
    const job = await trainLocalClassifier(tenant.api, tenant.workspaceId, leadDataset, 'Lead scorer');
    // Held-out measures on the dataset's validation records, which the model never saw.
    assert.ok(job.result.validationExamples > 50, String(job.result.validationExamples));
    assert.ok(
      job.result.valAccuracy > job.result.majorityBaseline,
      `${job.result.valAccuracy} vs ${job.result.majorityBaseline}`,
    );
    assert.ok(job.result.valAuc > 0.7, `held-out ROC AUC ${job.result.valAuc}`);
    // One step per cross-validation fold (its held-out loss), then the final model's losses and accuracy.
    assert.equal(job.metrics.length, job.totalSteps);
    assert.ok(job.totalSteps >= 4, String(job.totalSteps));
    assert.ok(job.metrics.every((m: { evalLoss: number | null }) => m.evalLoss !== null && m.evalLoss < 0.7));
    const last = job.metrics.at(-1);
    assert.equal(last.accuracy, job.result.valAccuracy);
    assert.equal(job.result.finalLoss, last.loss);
    assert.equal(job.result.evalLoss, last.evalLoss);
    const artifact = JSON.parse(fs.readFileSync(job.result.artifact, 'utf8'));
    assert.equal(artifact.format, 'crm-ai.record-classifier.v1');
    assert.equal(artifact.scorer.format, 'crm-ai.tabular-scorer.v1', 'the learned scorers’ model');

    const deployed = await tenant.api.post(jobs(`/${job.id}/deploy`));
    assert.equal(deployed.status, 200);
    assert.equal(deployed.body.deployStatus, 'deployed');
    assert.equal(deployed.body.deployment.kind, 'scoring-model');
    assert.equal((await tenant.api.post(jobs(`/${job.id}/deploy`))).body.error.code, 'JOB_ALREADY_DEPLOYED');

    // One score, from the deployed model, explained over the lead's own fields like the learned scorer's.
    const lead = (await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/leads?status=new&limit=1`)).body
      .data[0];
    const qualified = await tenant.api.post(`/api/agents/${tenant.workspaceId}/qualify-lead/${lead.id}`, {});
    assert.equal(qualified.status, 200, JSON.stringify(qualified.body));
    assert.equal(qualified.body.model.basis, 'fine-tuned model');
    assert.equal(qualified.body.model.deployed.id, job.id);
    assert.match(qualified.body.scoredBy, /^Fine-tuned model local\//);
    assert.equal(qualified.body.deployedModel, null, 'no second score beside it');
    assert.ok(qualified.body.factors.length > 0, 'factors from the deployed model');
    for (const factor of qualified.body.factors) assert.match(factor.text, /(raises|lowers) the odds$/);
    // The stored score on the record is rescored by the same model.
    const stored = await eventually(
      () => tenant.api.get(`/api/agents/${tenant.workspaceId}/scores/leads/${lead.id}`),
      (response) => response.body.modelVersion === 0,
      10_000,
    );
    assert.ok(
      Math.abs(stored.body.score - qualified.body.qualityScore) <= 1,
      `${stored.body.score} vs ${qualified.body.qualityScore}`,
    );

    // Undeployed, the learned scorer scores again.
    assert.equal((await tenant.api.post(jobs(`/${job.id}/undeploy`))).status, 200);
    const after = await tenant.api.post(`/api/agents/${tenant.workspaceId}/qualify-lead/${lead.id}`, {});
    assert.equal(after.body.model.basis, 'workspace history');
  });

  test('a classification dataset of uploaded texts trains the text classifier: loss per step, accuracy per epoch', async () => {
    const words = {
      converted: ['budget approved', 'signed pilot', 'demo went well'],
      unqualified: ['no budget', 'not interested', 'wrong contact'],
    };
    const lines = Array.from({ length: 240 }, (_, i) => {
      const label = i % 2 === 0 ? 'converted' : 'unqualified';
      return JSON.stringify({ text: `Lead ${i}: ${words[label][i % 3]}`, label });
    });
    const dataset = await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets`, {
      name: 'Texts',
      type: 'classification',
      validationSplit: 0.25,
      trainingData: { source: 'upload', jsonl: lines.join('\n') },
    });
    assert.equal(dataset.status, 201, JSON.stringify(dataset.body));
    const job = await trainLocalClassifier(
      tenant.api,
      tenant.workspaceId,
      dataset.body.id,
      'Text classifier',
      {
        epochs: 4,
        batchSize: 16,
        learningRate: 0.5,
      },
    );
    assert.ok(job.result.valAccuracy > job.result.majorityBaseline);
    assert.equal(
      job.metrics.filter((m: { accuracy: number | null }) => m.accuracy !== null).length,
      4,
      'accuracy once per epoch',
    );
    const losses = job.metrics.map((m: { loss: number }) => m.loss);
    assert.ok(losses.at(-1) < losses[0], `loss falls: ${losses[0]} → ${losses.at(-1)}`);
    assert.equal(JSON.parse(fs.readFileSync(job.result.artifact, 'utf8')).kind, 'softmax-regression');
  });
});

describe('model management', () => {
  test('one active model per kind: a deploy activates, a rollback brings back the one before, an undeploy hands the slot back', async () => {
    const models = `/api/ai/fine-tuning/${tenant.workspaceId}/models`;
    const train = async (name: string) => {
      const job = await trainLocalClassifier(tenant.api, tenant.workspaceId, leadDataset, name);
      assert.equal((await tenant.api.post(jobs(`/${job.id}/deploy`))).status, 200, 'deployed');
      return job.id as string;
    };
    const first = await train('Scorer A');
    const second = await train('Scorer B');
    const slot = 'classifier:lead-conversion';
    const activeIn = async () =>
      (await tenant.api.get(models)).body.slots.find((s: { slot: string }) => s.slot === slot);

    const listed = (await tenant.api.get(models)).body;
    const mine = listed.models.filter((m: { id: string }) => [first, second].includes(m.id));
    assert.equal(mine.length, 2, 'both deployed models are listed');
    assert.deepEqual(
      mine.filter((m: { active: boolean }) => m.active).map((m: { id: string }) => m.id),
      [second],
      'only the newest deploy serves',
    );
    const metrics = mine[0].job;
    assert.equal(typeof metrics.valAccuracy, 'number', 'held-out accuracy for the comparison');
    assert.equal(typeof metrics.majorityBaseline, 'number', 'and the baseline it is compared with');
    assert.equal((await activeIn()).previousModelId, first);

    const rolledBack = await tenant.api.post(`${models}/slots/${slot}/rollback`);
    assert.equal(rolledBack.status, 200, JSON.stringify(rolledBack.body));
    assert.equal(rolledBack.body.modelId, first);
    assert.equal((await activeIn()).previousModelId, second);

    assert.equal((await tenant.api.post(`${models}/${second}/activate`)).body.modelId, second);
    const undeployed = await tenant.api.post(jobs(`/${second}/undeploy`));
    assert.equal(undeployed.status, 200, JSON.stringify(undeployed.body));
    assert.equal(undeployed.body.deployStatus, 'not_deployed');
    assert.equal((await activeIn()).modelId, first, 'the slot falls back to the model before');
    const again = await tenant.api.post(jobs(`/${second}/undeploy`));
    assert.equal(again.body.error.code, 'JOB_NOT_DEPLOYED');
    const nothing = await tenant.api.post(`${models}/slots/${slot}/rollback`);
    assert.equal(nothing.body.error.code, 'NOTHING_TO_ROLL_BACK');
    assert.equal((await tenant.api.post(`${models}/nope/activate`)).status, 404);

    // Another workspace sees none of it; a member may look but not change.
    assert.equal(
      (await other.api.get(`/api/ai/fine-tuning/${other.workspaceId}/models`)).body.models.length,
      0,
    );
    const member = await server.newMember(tenant.workspaceId, 'member');
    assert.equal((await member.api.get(models)).status, 200);
    assert.equal((await member.api.post(`${models}/${first}/activate`)).status, 403);
  });
});

describe('simulated training', () => {
  test('the mission’s example body: the worker builds the dataset, runs, and streams progress over SSE; simulated everywhere', async () => {
    const created = await tenant.api.post(jobs(), {
      name: 'Custom Lead Scorer',
      baseModel: 'llama-3.1-8b',
      method: 'lora',
      provider: 'simulator',
      trainingData: { source: 'workspace', filters: {} },
      hyperparameters: { epochs: 3, batchSize: 4, learningRate: 0.0001 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'created');
    assert.equal(created.body.simulated, true);
    assert.deepEqual(created.body.hyperparameters, {
      epochs: 3,
      batchSize: 4,
      learningRate: 0.0001,
      loraRank: 16,
      loraAlpha: 32,
      loraDropout: 0.05,
    });

    const events = await readEvents(jobs(`/${created.body.id}/events`));
    const statuses = events.filter((e) => e.event === 'job').map((e) => e.data.status);
    assert.equal(statuses.at(-1), 'succeeded');
    const metrics = events.filter((e) => e.event === 'metric').map((e) => e.data);
    assert.ok(metrics.length > 10);
    assert.deepEqual(
      metrics.map((m) => m.step),
      metrics.map((_, i) => i + 1),
      'every step once, in order',
    );

    // Every event names the last step sent; a client reconnecting with it gets only what came after.
    assert.ok(events.every((e) => e.id !== undefined));
    const resumeFrom = metrics[4]!.step;
    const resumed = await readEvents(jobs(`/${created.body.id}/events`), String(resumeFrom));
    const resumedSteps = resumed.filter((e) => e.event === 'metric').map((e) => e.data.step);
    assert.equal(resumedSteps[0], resumeFrom + 1);
    assert.equal(resumedSteps.length, metrics.length - 5);
    assert.equal(resumed.filter((e) => e.event === 'job').at(-1)?.data.status, 'succeeded');

    const job = (await tenant.api.get(jobs(`/${created.body.id}`))).body;
    assert.ok(job.datasetId && job.estimate.hours.expected > 0);
    assert.equal(job.result.simulated, true);
    const deployed = await tenant.api.post(jobs(`/${job.id}/deploy`));
    assert.equal(deployed.body.deployment.simulated, true);
  });

  test('cancel stops a waiting or running job', async () => {
    const created = await tenant.api.post(jobs(), {
      name: 'To cancel',
      baseModel: 'mistral-7b',
      provider: 'simulator',
      datasetId: chatDataset,
      hyperparameters: { epochs: 20, batchSize: 1, learningRate: 0.0001 },
    });
    await waitFor(tenant.api, created.body.id, (j) => j.status === 'running');
    const inUse = await tenant.api.delete(
      `/api/ai/fine-tuning/${tenant.workspaceId}/datasets/${chatDataset}`,
    );
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.error.code, 'DATASET_IN_USE');
    const cancelling = await tenant.api.post(jobs(`/${created.body.id}/cancel`));
    assert.equal(cancelling.status, 200);
    const job = await waitFor(tenant.api, created.body.id, (j) => j.status === 'cancelled');
    assert.ok(job.step < job.totalSteps);
    assert.equal((await tenant.api.post(jobs(`/${created.body.id}/cancel`))).body.error.code, 'JOB_FINISHED');
  });
});

describe('job validation', () => {
  const base = { name: 'x', baseModel: 'llama-3.1-8b', method: 'lora', provider: 'simulator' };
  test('unsupported pairs, bad hyperparameters and unready providers are refused with clear codes', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [
        { ...base, provider: 'together', method: 'prefix-tuning', datasetId: chatDataset },
        400,
        'UNSUPPORTED_METHOD',
      ],
      [{ ...base, provider: 'openai', method: 'full', datasetId: chatDataset }, 400, 'UNSUPPORTED_MODEL'],
      [
        {
          ...base,
          datasetId: chatDataset,
          hyperparameters: { epochs: 0, batchSize: 4, learningRate: 0.0001 },
        },
        400,
        'VALIDATION_FAILED',
      ],
      [
        {
          ...base,
          method: 'full',
          datasetId: chatDataset,
          hyperparameters: { epochs: 1, batchSize: 4, learningRate: 0.0001, loraRank: 8 },
        },
        400,
        'VALIDATION_FAILED',
      ],
      [{ ...base, provider: 'together', datasetId: chatDataset }, 400, 'PROVIDER_NOT_AVAILABLE'],
      [
        { ...base, baseModel: 'crm-classifier', method: 'full', provider: 'local', datasetId: chatDataset },
        400,
        'DATASET_REJECTED',
      ],
      [{ ...base }, 400, 'VALIDATION_FAILED'],
      [{ ...base, datasetId: 'missing' }, 404, 'DATASET_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await tenant.api.post(jobs(), body);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, JSON.stringify(res.body));
    }
  });

  test('estimates follow tokens × epochs; other workspaces see nothing; stats count', async () => {
    const one = await tenant.api.post(jobs('/estimate'), {
      baseModel: 'llama-3-8b',
      datasetId: chatDataset,
      epochs: 1,
    });
    const three = await tenant.api.post(jobs('/estimate'), {
      baseModel: 'llama-3-8b',
      datasetId: chatDataset,
      epochs: 3,
    });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(three.body.trainingTokens, one.body.trainingTokens * 3);
    assert.ok(Math.abs(three.body.costUsd.expected - one.body.costUsd.expected * 3) < 0.02);
    const big = await tenant.api.post(jobs('/estimate'), {
      baseModel: 'llama-3-70b',
      datasetId: chatDataset,
      epochs: 1,
    });
    assert.ok(big.body.hours.expected > one.body.hours.expected);

    const usage = (await tenant.api.get(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets/${chatDataset}`))
      .body.usedBy;
    assert.ok(usage.length >= 1 && usage.every((use: { jobId: string }) => typeof use.jobId === 'string'));
    const list = (await tenant.api.get(jobs())).body.jobs;
    assert.ok(list.length >= 3);
    assert.equal(
      (await other.api.get(jobs(`/${list[0].id}`, other.workspaceId))).body.error.code,
      'JOB_NOT_FOUND',
    );
    assert.equal((await other.api.get(jobs(`/${list[0].id}`))).status, 404);
    const stats = (await tenant.api.get(`/api/ai/fine-tuning/${tenant.workspaceId}/stats`)).body;
    assert.equal(stats.jobs, list.length);
    assert.ok(stats.byStatus.succeeded >= 2 && stats.deployed >= 2 && stats.simulated >= 2);
  });
});

describe('restarts', () => {
  test('a job interrupted by a shutdown resumes on the next start after its last step', async () => {
    const first = await startTestApp({ ...FAST, FINETUNE_SIMULATOR_STEP_MS: '15' });
    const owner = await first.newTenant();
    const datasetId = await uploadCompletionDataset(owner.api, owner.workspaceId, 60);
    const created = await owner.api.post(`/api/ai/fine-tuning/${owner.workspaceId}/jobs`, {
      name: 'Survivor',
      baseModel: 'qwen-3-8b',
      provider: 'simulator',
      datasetId,
      hyperparameters: { epochs: 2, batchSize: 1, learningRate: 0.0001 },
    });
    const url = `/api/ai/fine-tuning/${owner.workspaceId}/jobs/${created.body.id}`;
    await eventually(
      () => owner.api.get(url),
      (response) => response.body.step >= 5,
    );
    // A client watching the job when the server shuts down sees its stream end, not hang.
    const stream = await fetch(`${first.baseUrl}${url}/events`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const streamed = stream.text();
    await first.close({ drop: false });
    assert.match(await streamed, /event: metric/);

    const second = await startTestApp(FAST, first.database);
    try {
      const api = second.as(owner.token);
      let job = (await api.get(url)).body;
      const stoppedAt = job.step;
      assert.ok(stoppedAt >= 5 && stoppedAt < job.totalSteps, `stopped at ${stoppedAt} of ${job.totalSteps}`);
      for (let i = 0; i < 800 && job.status !== 'succeeded'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        job = (await api.get(url)).body;
      }
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(
        job.metrics.map((m: { step: number }) => m.step),
        Array.from({ length: job.totalSteps }, (_, i) => i + 1),
      );
    } finally {
      await second.close();
    }
  });
});
