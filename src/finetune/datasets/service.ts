// Datasets: built from workspace records or read from uploaded JSONL, measured with the base model's real
// tokenizer, quality-scored, checked against every provider's rules, split into train and validation, and
// stored with their examples. Every read and write is scoped to the workspace.
import { createHash, randomUUID } from 'node:crypto';
import type { RecordsService } from '../../crm/records/service.ts';
import { AppError } from '../../platform/errors.ts';
import { TimeSlicer } from '../../platform/time-slicer.ts';
import { type BaseModel, findBaseModel, type ProviderName, providerNames } from '../catalog.ts';
import { countTokens } from '../tokenizers.ts';
import { buildFromWorkspace, type WorkspaceFilters } from './builders.ts';
import { type AnyExample, type DatasetType, exampleText, exportLine, readExample } from './examples.ts';
import { checkForProvider, exportFormatFor, type ProviderCheck } from './provider-rules.ts';
import { assessQuality, type QualityReport } from './quality.ts';
import type { DatasetRepository, Split } from './repository.ts';

export interface DatasetInput {
  name: string;
  description?: string;
  type: DatasetType;
  baseModel: string;
  validationSplit: number;
  trainingData: { source: 'workspace'; filters: WorkspaceFilters } | { source: 'upload'; jsonl: string };
}

export interface Dataset {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  type: DatasetType;
  source: 'workspace' | 'upload';
  filters: WorkspaceFilters | null;
  baseModel: string;
  validationSplit: number;
  exampleCount: number;
  trainCount: number;
  validationCount: number;
  tokenCount: number;
  quality: QualityReport;
  providerChecks: ProviderCheck[];
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const MAX_UPLOAD_ERRORS = 20;
/** Lines in one JSONL upload; with BODY_LIMIT_BYTES (10 MB by default) it bounds what one request may cost. */
export const MAX_UPLOAD_LINES = 100_000;

export interface DatasetUsage {
  jobId: string;
  name: string;
  status: string;
  createdAt: string;
}

export class DatasetService {
  constructor(
    private readonly repository: DatasetRepository,
    private readonly records: RecordsService,
    /** The jobs that trained, or are training, on a dataset (the jobs repository answers). */
    private readonly jobsUsing: (workspaceId: string, datasetId: string) => Promise<DatasetUsage[]>,
  ) {}

  async create(
    workspaceId: string,
    input: DatasetInput,
    createdBy?: string,
    onProgress?: (stage: string, done: number) => void,
  ): Promise<Dataset> {
    const model = requireModel(input.baseModel);
    const { examples, sources } =
      input.trainingData.source === 'workspace'
        ? await buildFromWorkspace(
            this.records,
            workspaceId,
            input.type,
            input.trainingData.filters,
            (done) => onProgress?.('reading records', done),
          )
        : { ...(await parseUpload(input.type, input.trainingData.jsonl)), sources: [] as string[] };
    if (examples.length === 0) {
      throw new AppError(
        'DATASET_EMPTY',
        400,
        input.trainingData.source === 'workspace'
          ? `no ${input.type} examples could be built from the workspace with these filters`
          : 'the upload holds no examples',
      );
    }
    const measured = await measure(input.type, examples, model, (done) =>
      onProgress?.('counting tokens', done),
    );
    const id = randomUUID();
    // Hashing the splits (0.3 s for 48,000 examples in one piece) and storing yield to the event loop.
    const slicer = new TimeSlicer();
    const splits: ('train' | 'validation')[] = [];
    for (let position = 0; position < examples.length; position += 1) {
      splits.push(splitOf(position, input.validationSplit));
      await slicer.maybeYield();
    }
    const now = new Date().toISOString();
    const dataset: Dataset = {
      id,
      workspaceId,
      name: input.name,
      description: input.description ?? null,
      type: input.type,
      source: input.trainingData.source,
      filters: input.trainingData.source === 'workspace' ? input.trainingData.filters : null,
      baseModel: model.id,
      validationSplit: input.validationSplit,
      exampleCount: examples.length,
      trainCount: splits.filter((split) => split === 'train').length,
      validationCount: splits.filter((split) => split === 'validation').length,
      tokenCount: measured.reduce((sum, example) => sum + example.tokens, 0),
      quality: await assessQuality(input.type, measured, model.contextTokens),
      providerChecks: providerNames.map((provider) => checkForProvider(provider, input.type, examples)),
      createdBy: createdBy ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const rows = examples.map((example, position) => ({
      position,
      split: splits[position]!,
      example,
      tokens: measured[position]!.tokens,
      source: sources[position] ?? null,
    }));
    await this.repository.insert(dataset, rows, slicer, (stored) => onProgress?.('storing', stored));
    return dataset;
  }

  list(workspaceId: string): Promise<Dataset[]> {
    return this.repository.list(workspaceId);
  }

  async get(workspaceId: string, id: string): Promise<Dataset> {
    const dataset = await this.repository.find(workspaceId, id);
    if (!dataset) throw new AppError('DATASET_NOT_FOUND', 404, `dataset ${id} not found`);
    return dataset;
  }

  /** Renames, describes, or re-splits; what the examples are cannot change (create another dataset). */
  async update(
    workspaceId: string,
    id: string,
    patch: { name?: string; description?: string | null; validationSplit?: number },
  ): Promise<Dataset> {
    const dataset = await this.get(workspaceId, id);
    const next = { ...dataset, ...patch, updatedAt: new Date().toISOString() };
    const moves: { split: Split; positions: number[] }[] = [];
    if (patch.validationSplit !== undefined && patch.validationSplit !== dataset.validationSplit) {
      for (const split of ['train', 'validation'] as const) {
        const positions = Array.from({ length: dataset.exampleCount }, (_, p) => p).filter(
          (p) => splitOf(p, patch.validationSplit!) === split,
        );
        moves.push({ split, positions });
        if (split === 'validation') next.validationCount = positions.length;
        else next.trainCount = positions.length;
      }
    }
    await this.repository.update(next, moves);
    return next;
  }

  /** The jobs that trained, or are training, on a dataset: its usage. */
  async usage(workspaceId: string, id: string): Promise<DatasetUsage[]> {
    await this.get(workspaceId, id);
    return this.jobsUsing(workspaceId, id);
  }

  /** Refused while a job still needs the examples; finished jobs keep their results without them. */
  async delete(workspaceId: string, id: string): Promise<void> {
    await this.get(workspaceId, id);
    const active = (await this.usage(workspaceId, id)).filter((job) =>
      ['created', 'validating', 'queued', 'running'].includes(job.status),
    );
    if (active.length > 0) {
      throw new AppError(
        'DATASET_IN_USE',
        409,
        `the dataset is used by ${active.length} unfinished job(s): ${active.map((job) => job.jobId).join(', ')}`,
      );
    }
    await this.repository.delete(workspaceId, id);
  }

  async examples(
    workspaceId: string,
    id: string,
    options: { split?: 'train' | 'validation'; offset?: number; limit?: number } = {},
  ): Promise<{ position: number; split: string; tokens: number; example: AnyExample }[]> {
    await this.get(workspaceId, id);
    return this.repository.examples(id, options);
  }

  /** The dataset as the provider's JSONL. */
  async exportJsonl(workspaceId: string, id: string, provider: ProviderName, split?: 'train' | 'validation') {
    const dataset = await this.get(workspaceId, id);
    const format = exportFormatFor(provider);
    const rows = await this.examples(workspaceId, id, { split });
    return (
      rows.map((row) => JSON.stringify(exportLine(dataset.type, row.example, format))).join('\n') +
      (rows.length ? '\n' : '')
    );
  }
}

function requireModel(id: string): BaseModel {
  const model = findBaseModel(id);
  if (!model) throw AppError.validation(`unknown base model ${id}; see GET /api/ai/fine-tuning/models`);
  return model;
}

/** Reads JSONL; bad lines are reported together with their line numbers, and nothing is stored. */
async function parseUpload(type: DatasetType, jsonl: string): Promise<{ examples: AnyExample[] }> {
  const examples: AnyExample[] = [];
  const errors: string[] = [];
  const lines = jsonl.split(/\r?\n/);
  if (lines.length > MAX_UPLOAD_LINES) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      413,
      `an upload holds at most ${MAX_UPLOAD_LINES} lines; this one has ${lines.length}: split it`,
    );
  }
  const slicer = new TimeSlicer();
  for (const [index, line] of lines.entries()) {
    await slicer.maybeYield();
    if (line.trim() === '' || errors.length >= MAX_UPLOAD_ERRORS) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      errors.push(`line ${index + 1}: not valid JSON`);
      continue;
    }
    const read = readExample(type, json);
    if (read.ok) examples.push(read.example);
    else errors.push(`line ${index + 1}: ${read.error}`);
  }
  if (errors.length > 0) {
    throw new AppError('DATASET_INVALID', 400, `the upload has lines that are not ${type} examples`, {
      errors,
    });
  }
  return { examples };
}

async function measure(
  type: DatasetType,
  examples: readonly AnyExample[],
  model: BaseModel,
  onProgress: (done: number) => void,
) {
  const measured = [];
  const slicer = new TimeSlicer();
  for (const [index, example] of examples.entries()) {
    await slicer.maybeYield();
    const { input, output } = exampleText(type, example);
    const tokens = (await countTokens(model.tokenizer, input)) + (await countTokens(model.tokenizer, output));
    measured.push({
      input,
      output,
      tokens,
      label: type === 'classification' ? (example as { label: string }).label : undefined,
    });
    if (index % 1000 === 999) onProgress(index + 1);
  }
  return measured;
}

/**
 * Deterministic by position: the same examples always split the same way (reproducible runs), and a re-split
 * moves only what the new share demands.
 */
function splitOf(position: number, validationShare: number): 'train' | 'validation' {
  const hash = createHash('sha1').update(`split:${position}`).digest().readUInt32BE(0);
  return hash / 0xffffffff < validationShare ? 'validation' : 'train';
}
