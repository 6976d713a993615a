// DatasetService as a unit ("service spec" size): what an upload must be, and what is stored, against a
// fake repository; the tokenizer is the base model's real one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DatasetRepository, ExampleRow } from '../../src/finetune/datasets/repository.ts';
import {
  type Dataset,
  type DatasetInput,
  DatasetService,
  MAX_UPLOAD_LINES,
} from '../../src/finetune/datasets/service.ts';
import type { AppError } from '../../src/platform/errors.ts';

function service() {
  const stored: { dataset: Dataset; examples: readonly ExampleRow[] }[] = [];
  const repository = {
    insert: async (dataset: Dataset, examples: readonly ExampleRow[]) => {
      stored.push({ dataset, examples });
    },
  } as unknown as DatasetRepository;
  const datasets = new DatasetService(repository, {} as never, async () => []);
  return { datasets, stored };
}

const upload = (jsonl: string, overrides: Partial<DatasetInput> = {}): DatasetInput => ({
  name: 'answers',
  type: 'qa',
  baseModel: 'llama-3.1-8b',
  validationSplit: 0.2,
  trainingData: { source: 'upload', jsonl },
  ...overrides,
});

const line = (i: number) =>
  JSON.stringify({ question: `What does plan ${i} include?`, answer: `Plan ${i} includes SSO.` });

async function refusal(input: DatasetInput): Promise<AppError> {
  const { datasets, stored } = service();
  const error = await datasets.create('ws-1', input).then(
    () => undefined,
    (thrown: AppError) => thrown,
  );
  assert.ok(error, 'refused');
  assert.equal(stored.length, 0, 'nothing stored');
  return error;
}

describe('DatasetService.create from an upload', () => {
  test('names every bad line, with its number, and stores nothing', async () => {
    const error = await refusal(
      upload([line(1), '{not json', JSON.stringify({ question: 'q only' }), '[1,2]', line(5)].join('\n')),
    );
    assert.equal(error.code, 'DATASET_INVALID');
    const { errors } = error.details as { errors: string[] };
    assert.equal(errors.length, 3);
    assert.match(errors[0]!, /^line 2: not valid JSON/);
    assert.match(errors[1]!, /^line 3: /);
    assert.match(errors[2]!, /^line 4: not a JSON object/);
  });

  test('refuses an empty upload, an unknown base model, and more lines than the limit', async () => {
    assert.equal((await refusal(upload('\n\n'))).code, 'DATASET_EMPTY');
    const unknown = await refusal(upload(line(1), { baseModel: 'gpt-9' }));
    assert.equal(unknown.code, 'VALIDATION_FAILED');
    assert.match(unknown.message, /unknown base model gpt-9/);
    const huge = await refusal(upload('\n'.repeat(MAX_UPLOAD_LINES)));
    assert.equal(huge.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(huge.statusCode, 413);
  });

  test('stores the examples with real token counts and a deterministic split', async () => {
    const jsonl = Array.from({ length: 50 }, (_, i) => line(i)).join('\n');
    const first = service();
    const dataset = await first.datasets.create('ws-1', upload(jsonl), 'user-1');
    const { examples } = first.stored[0]!;
    assert.equal(dataset.exampleCount, 50);
    assert.equal(dataset.trainCount + dataset.validationCount, 50);
    assert.ok(
      dataset.validationCount > 0 && dataset.validationCount < 25,
      `${dataset.validationCount} held out`,
    );
    assert.equal(
      dataset.tokenCount,
      examples.reduce((sum, row) => sum + Number(row.tokens), 0),
    );
    assert.ok(
      examples.every((row) => Number(row.tokens) > 5),
      'counted by the tokenizer, not by characters',
    );
    const again = service();
    await again.datasets.create('ws-1', upload(jsonl));
    assert.deepEqual(
      again.stored[0]!.examples.map((row) => row.split),
      examples.map((row) => row.split),
      'the same examples split the same way',
    );
  });
});
