// JobService as a unit ("service spec" size): every check at job creation, against fakes of the repository,
// the dataset service and the providers; no database, no HTTP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dataset } from '../../src/finetune/datasets/service.ts';
import type { Job, JobInput } from '../../src/finetune/jobs/job.ts';
import type { JobRepository } from '../../src/finetune/jobs/repository.ts';
import { JobService } from '../../src/finetune/jobs/service.ts';
import { AppError } from '../../src/platform/errors.ts';

const WORKSPACE = 'ws-1';

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    id: 'ds-1',
    workspaceId: WORKSPACE,
    name: 'support answers',
    description: null,
    type: 'instruction',
    source: 'upload',
    filters: null,
    baseModel: 'llama-3.1-8b',
    validationSplit: 0.1,
    exampleCount: 100,
    trainCount: 90,
    validationCount: 10,
    tokenCount: 20_000,
    quality: { score: 1, issues: [], tokens: { total: 20_000, mean: 200, p95: 300, max: 400 } },
    providerChecks: [
      { provider: 'together', valid: true, errors: [], warnings: [] },
      { provider: 'openai', valid: false, errors: ['at least 10 examples per class'], warnings: [] },
    ],
    createdBy: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  } as Dataset;
}

function service(options: { unavailable?: string } = {}) {
  const stored: Job[] = [];
  const queued: string[] = [];
  const repository = {
    insert: async (job: Job) => {
      stored.push(job);
    },
  } as unknown as JobRepository;
  const datasets = {
    get: async (_workspaceId: string, id: string) => {
      if (id !== 'ds-1') throw new AppError('DATASET_NOT_FOUND', 404, `dataset ${id} not found`);
      return dataset();
    },
  };
  const jobs = new JobService(
    repository,
    datasets as never,
    { gpuHourUsd: 2.5, perMillionTokensUsd: {} },
    { unavailable: (provider) => (provider === 'together' ? options.unavailable : undefined) },
    { deploy: async () => {}, undeploy: async () => {} },
    (jobId) => queued.push(jobId),
  );
  return { jobs, stored, queued };
}

const base: JobInput = {
  name: 'Support tone',
  baseModel: 'llama-3.1-8b',
  method: 'lora',
  provider: 'together',
  datasetId: 'ds-1',
  hyperparameters: { epochs: 3, batchSize: 4, learningRate: 0.0001 },
};

async function refusal(input: Partial<JobInput>, options?: { unavailable?: string }) {
  const { jobs, stored, queued } = service(options);
  const error = await jobs.create(WORKSPACE, { ...base, ...input }).then(
    () => undefined,
    (thrown: AppError) => thrown,
  );
  assert.ok(error instanceof AppError, 'refused with a typed error');
  assert.equal(stored.length, 0, 'nothing stored');
  assert.equal(queued.length, 0, 'nothing queued');
  return error;
}

describe('JobService.create', () => {
  const cases: [string, Partial<JobInput>, string, RegExp][] = [
    ['an unknown base model', { baseModel: 'gpt-9' }, 'VALIDATION_FAILED', /unknown base model gpt-9/],
    [
      'a provider that cannot train the model',
      { baseModel: 'gpt-4o-mini', provider: 'together' },
      'UNSUPPORTED_MODEL',
      /providers that can: openai, simulator/,
    ],
    [
      'a method the provider does not offer',
      { method: 'qlora' },
      'UNSUPPORTED_METHOD',
      /hosted APIs train LoRA and full fine-tunes only/,
    ],
    [
      'virtual tokens on a LoRA run',
      { hyperparameters: { ...base.hyperparameters, virtualTokens: 10 } },
      'VALIDATION_FAILED',
      /prefix-tuning and p-tuning only/,
    ],
    [
      'LoRA settings on a full fine-tune',
      { method: 'full', hyperparameters: { ...base.hyperparameters, loraRank: 8 } },
      'VALIDATION_FAILED',
      /LoRA and QLoRA only/,
    ],
    [
      'neither a dataset nor training data',
      { datasetId: undefined },
      'VALIDATION_FAILED',
      /give a datasetId/,
    ],
    [
      'a dataset the provider’s rules reject',
      { baseModel: 'gpt-4o-mini', provider: 'openai', method: 'full' },
      'DATASET_REJECTED',
      /at least 10 examples per class/,
    ],
    ['another workspace’s or a missing dataset', { datasetId: 'ds-2' }, 'DATASET_NOT_FOUND', /ds-2/],
  ];
  for (const [what, input, code, message] of cases) {
    test(`refuses ${what} (${code})`, async () => {
      const error = await refusal(input);
      assert.equal(error.code, code);
      assert.match(error.message, message);
    });
  }

  test('refuses a provider that is not configured here, saying why', async () => {
    const error = await refusal({}, { unavailable: 'set TOGETHER_API_KEY' });
    assert.equal(error.code, 'PROVIDER_NOT_AVAILABLE');
    assert.equal(error.message, 'set TOGETHER_API_KEY');
  });

  test('stores a valid job with LoRA defaults and its estimate, queued, and wakes a worker', async () => {
    const { jobs, stored, queued } = service();
    const job = await jobs.create(WORKSPACE, base, 'user-1');
    assert.equal(job.status, 'queued', 'a job with a dataset waits only for a worker');
    assert.deepEqual(job.hyperparameters, {
      ...base.hyperparameters,
      loraRank: 16,
      loraAlpha: 32,
      loraDropout: 0.05,
    });
    assert.equal(
      job.estimate?.trainingTokens,
      18_000 * 3,
      'the train split’s share of the tokens, times the epochs',
    );
    assert.equal(job.createdBy, 'user-1');
    assert.deepEqual(stored, [job]);
    assert.deepEqual(queued, [job.id]);
  });

  test('a job that builds its dataset from workspace records starts as created, without an estimate', async () => {
    const { jobs } = service();
    const job = await jobs.create(WORKSPACE, {
      ...base,
      datasetId: undefined,
      trainingData: { source: 'workspace', type: 'instruction', filters: {} },
    });
    assert.equal(job.status, 'created');
    assert.equal(job.estimate, null);
  });
});

describe('estimates for self-hosted runs', () => {
  test("use each method's measured throughput: prefix-tuning fastest, QLoRA slower than LoRA", async () => {
    const { estimateRun } = await import('../../src/finetune/jobs/estimate.ts');
    const { findBaseModel, findMethod } = await import('../../src/finetune/catalog.ts');
    const model = findBaseModel('llama-3-8b')!;
    const prices = { gpuHourUsd: 2, perMillionTokensUsd: {} };
    const hours = (method: string) =>
      estimateRun(model, findMethod(method)!, 'self-hosted', 1_000_000, 1, prices).hours.expected;
    assert.ok(hours('prefix-tuning') < hours('p-tuning'));
    assert.ok(hours('p-tuning') < hours('full'));
    assert.ok(hours('full') < hours('lora'));
    assert.ok(hours('lora') < hours('qlora'));
    // 1M tokens of an 8B model at 25,727 × 0.32 × (1.24 / 8) tokens/s.
    assert.ok(Math.abs(hours('lora') - 1_000_000 / (25_727 * 0.32 * (1.24 / 8)) / 3600) < 0.001);
  });
});
