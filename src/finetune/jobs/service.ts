// Fine-tuning jobs: validated at creation (answering in milliseconds: the work happens in a worker), then a
// state machine in the database — created → validating → queued → running → succeeded | failed | cancelled,
// and for deployment not_deployed → deploying → deployed | failed. Workers claim jobs with a lease, so a job
// whose worker died is picked up again; metrics are stored as a time series.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ModelRegistry } from '../../ai/registry.ts';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import { AppError } from '../../platform/errors.ts';
import { findBaseModel, findMethod, type MethodName, type ProviderName } from '../catalog.ts';
import { workspaceFiltersSchema } from '../datasets/builders.ts';
import { datasetTypes } from '../datasets/examples.ts';
import type { Dataset, DatasetService } from '../datasets/service.ts';
import type { ProviderRun, TrainingProvider } from '../providers/provider.ts';
import { type Estimate, estimateRun, type PriceConfig } from './estimate.ts';

export type JobStatus =
  | 'created'
  | 'validating'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled';
export type DeployStatus = 'not_deployed' | 'deploying' | 'deployed' | 'failed';
export const terminalStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export const hyperparametersSchema = z
  .object({
    epochs: z.number().int().min(1).max(20).default(3),
    batchSize: z.number().int().min(1).max(512).default(4),
    learningRate: z.number().gt(0).max(1).default(0.0001),
    loraRank: z
      .union([z.literal(4), z.literal(8), z.literal(16), z.literal(32), z.literal(64), z.literal(128)])
      .optional(),
    loraAlpha: z.number().int().min(1).max(512).optional(),
    loraDropout: z.number().min(0).max(0.5).optional(),
  })
  .strict();
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

export const jobTrainingDataSchema = z
  .object({
    source: z.literal('workspace'),
    type: z.enum(datasetTypes).default('instruction'),
    filters: workspaceFiltersSchema.default({}),
  })
  .strict();

export interface JobInput {
  name: string;
  baseModel: string;
  method: MethodName;
  provider: ProviderName;
  datasetId?: string;
  trainingData?: z.infer<typeof jobTrainingDataSchema>;
  hyperparameters: Hyperparameters;
}

export type Job = {
  id: string;
  workspaceId: string;
  name: string;
  baseModel: string;
  method: MethodName;
  provider: ProviderName;
  datasetId: string | null;
  trainingData: NonNullable<JobInput['trainingData']> | null;
  hyperparameters: Hyperparameters;
  status: JobStatus;
  deployStatus: DeployStatus;
  simulated: boolean;
  progress: number;
  step: number;
  totalSteps: number;
  estimate: Estimate | null;
  result: Record<string, unknown> | null;
  deployment: Record<string, unknown> | null;
  /** A hosted run's handles at the provider (file ids, job id, last status), once it has them. */
  providerRun: ProviderRun | null;
  error: string | null;
  cancelRequested: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

export type Metric = {
  step: number;
  epoch: number;
  loss: number | null;
  evalLoss: number | null;
  learningRate: number | null;
  accuracy: number | null;
  at: string;
};

export interface ProviderAvailability {
  /** Why a provider cannot take jobs here, or undefined when it can. */
  unavailable(provider: ProviderName): string | undefined;
  /** The adapter of a configured hosted provider. */
  hosted(provider: ProviderName): TrainingProvider | undefined;
}

export class JobService {
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the fine-tuning tables are outside the CRM schema types
    private readonly db: Kysely<any>,
    private readonly datasets: DatasetService,
    private readonly prices: PriceConfig,
    private readonly providers: ProviderAvailability,
    /** Where deployed models are registered for the agents to find. */
    private readonly registry: Pick<ModelRegistry, 'register'>,
    /** Told of each new job (to queue it for the workers). */
    private readonly onCreated: (jobId: string) => void = () => {},
  ) {}

  /** Checks everything a caller can get wrong, then stores the job; the worker does the rest. */
  async create(workspaceId: string, input: JobInput, createdBy?: string): Promise<Job> {
    const model = findBaseModel(input.baseModel);
    if (!model)
      throw AppError.validation(`unknown base model ${input.baseModel}; see GET /api/ai/fine-tuning/models`);
    const method = findMethod(input.method)!;
    if (!model.providerModels[input.provider]) {
      const able = Object.keys(model.providerModels).join(', ');
      throw new AppError(
        'UNSUPPORTED_MODEL',
        400,
        `${input.provider} cannot train ${model.name}; providers that can: ${able}`,
      );
    }
    if (!method.providers.includes(input.provider)) {
      throw new AppError(
        'UNSUPPORTED_METHOD',
        400,
        `${input.provider} does not offer ${method.name}; it is offered by ${method.providers.join(', ')}${['prefix-tuning', 'p-tuning', 'qlora'].includes(method.id) ? ' (hosted APIs train LoRA and full fine-tunes only)' : ''}`,
      );
    }
    const isLora = input.method === 'lora' || input.method === 'qlora';
    const { loraRank, loraAlpha, loraDropout } = input.hyperparameters;
    if (!isLora && (loraRank !== undefined || loraAlpha !== undefined || loraDropout !== undefined)) {
      throw AppError.validation(
        `loraRank, loraAlpha and loraDropout apply to LoRA and QLoRA only, not ${method.name}`,
      );
    }
    const hyperparameters: Hyperparameters = isLora
      ? { loraRank: 16, loraAlpha: 32, loraDropout: 0.05, ...input.hyperparameters }
      : input.hyperparameters;
    const unavailable = this.providers.unavailable(input.provider);
    if (unavailable) throw new AppError('PROVIDER_NOT_AVAILABLE', 400, unavailable);
    if (!input.datasetId && !input.trainingData) {
      throw AppError.validation('give a datasetId, or trainingData {"source":"workspace","filters":{…}}');
    }
    let estimate: Estimate | null = null;
    if (input.datasetId) {
      const dataset = await this.datasets.get(workspaceId, input.datasetId);
      const check = dataset.providerChecks.find((c) => c.provider === input.provider);
      if (check && !check.valid) {
        throw new AppError(
          'DATASET_REJECTED',
          400,
          `the dataset does not meet ${input.provider}'s rules: ${check.errors.join('; ')}`,
        );
      }
      estimate = estimateRun(
        model,
        method,
        input.provider,
        trainSplitTokens(dataset),
        hyperparameters.epochs,
        this.prices,
      );
    }
    const now = new Date().toISOString();
    const job: Job = {
      id: randomUUID(),
      workspaceId,
      name: input.name,
      baseModel: model.id,
      method: input.method,
      provider: input.provider,
      datasetId: input.datasetId ?? null,
      trainingData: input.trainingData ?? null,
      hyperparameters,
      status: input.datasetId ? 'queued' : 'created',
      deployStatus: 'not_deployed',
      simulated: input.provider === 'simulator',
      progress: 0,
      step: 0,
      totalSteps: 0,
      estimate,
      result: null,
      deployment: null,
      providerRun: null,
      error: null,
      cancelRequested: false,
      createdBy: createdBy ?? null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
    };
    await this.db.insertInto('ft_jobs').values(toRow(job)).execute();
    this.onCreated(job.id);
    return job;
  }

  /** The estimate alone, for a wizard: the same checks and numbers as a job, nothing stored. */
  async estimate(
    workspaceId: string,
    input: Pick<JobInput, 'baseModel' | 'method' | 'provider' | 'datasetId'> & { epochs: number },
  ) {
    const model = findBaseModel(input.baseModel);
    if (!model) throw AppError.validation(`unknown base model ${input.baseModel}`);
    const method = findMethod(input.method)!;
    const dataset = await this.datasets.get(workspaceId, input.datasetId!);
    return estimateRun(model, method, input.provider, trainSplitTokens(dataset), input.epochs, this.prices);
  }

  async list(workspaceId: string, filter: { status?: JobStatus } = {}): Promise<Job[]> {
    let query = this.db.selectFrom('ft_jobs').selectAll().where('workspaceId', '=', workspaceId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return (await query.orderBy('createdAt', 'desc').limit(500).execute()).map(fromRow);
  }

  async get(workspaceId: string, id: string): Promise<Job> {
    const row = await this.db
      .selectFrom('ft_jobs')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('JOB_NOT_FOUND', 404, `fine-tuning job ${id} not found`);
    return fromRow(row);
  }

  async metrics(jobId: string, afterStep = -1): Promise<Metric[]> {
    const rows = await this.db
      .selectFrom('ft_job_metrics')
      .selectAll()
      .where('jobId', '=', jobId)
      .where('step', '>', afterStep)
      .orderBy('step')
      .execute();
    return rows.map((row) => ({
      step: Number(row.step),
      epoch: Number(row.epoch),
      loss: row.loss === null ? null : Number(row.loss),
      evalLoss: row.evalLoss === null ? null : Number(row.evalLoss),
      learningRate: row.learningRate === null ? null : Number(row.learningRate),
      accuracy: row.accuracy === null ? null : Number(row.accuracy),
      at: String(row.at),
    }));
  }

  /** Waiting jobs stop at once; a running one is asked to stop and its worker ends it at the next step. */
  async cancel(workspaceId: string, id: string): Promise<Job> {
    const job = await this.get(workspaceId, id);
    if (terminalStatuses.includes(job.status)) {
      throw new AppError('JOB_FINISHED', 409, `the job is already ${job.status}`);
    }
    const now = new Date().toISOString();
    const waiting = job.status === 'created' || job.status === 'queued';
    await this.db
      .updateTable('ft_jobs')
      .set(
        waiting
          ? { status: 'cancelled', finishedAt: now, updatedAt: now }
          : { cancelRequested: 1, updatedAt: now },
      )
      .where('id', '=', id)
      .execute();
    return this.get(workspaceId, id);
  }

  async stats(workspaceId: string) {
    const jobs = await this.list(workspaceId);
    const byStatus: Record<string, number> = {};
    for (const job of jobs) byStatus[job.status] = (byStatus[job.status] ?? 0) + 1;
    const finished = jobs.filter((job) => job.status === 'succeeded');
    return {
      jobs: jobs.length,
      byStatus,
      deployed: jobs.filter((job) => job.deployStatus === 'deployed').length,
      simulated: jobs.filter((job) => job.simulated).length,
      trainingTokens: finished.reduce((sum, job) => sum + (job.estimate?.trainingTokens ?? 0), 0),
      estimatedCostUsd: Number(
        finished.reduce((sum, job) => sum + (job.estimate?.costUsd.expected ?? 0), 0).toFixed(2),
      ),
      datasets: (await this.datasets.list(workspaceId)).length,
    };
  }

  // --- used by the worker ---

  /**
   * Claims one job that needs work (this one, when `onlyId` is given): waiting, or left behind by a worker
   * whose lease ran out. The conditional update makes the claim exclusive across the cluster.
   */
  async claim(owner: string, leaseMs: number, onlyId?: string): Promise<Job | undefined> {
    const now = new Date().toISOString();
    let query = this.db
      .selectFrom('ft_jobs')
      .select(['id', 'status', 'leaseExpiresAt'])
      .where((eb) =>
        eb.or([
          eb('status', 'in', ['created', 'queued']),
          eb.and([eb('status', 'in', ['validating', 'running']), eb('leaseExpiresAt', '<', now)]),
        ]),
      );
    if (onlyId) query = query.where('id', '=', onlyId);
    const candidates = await query.orderBy('createdAt').limit(5).execute();
    for (const candidate of candidates) {
      const claimed = await this.db
        .updateTable('ft_jobs')
        .set({
          leaseOwner: owner,
          leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
          updatedAt: now,
        })
        .where('id', '=', candidate.id)
        .where('status', '=', candidate.status)
        .where((eb) =>
          candidate.leaseExpiresAt === null
            ? eb('leaseExpiresAt', 'is', null)
            : eb('leaseExpiresAt', '=', candidate.leaseExpiresAt),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await this.db
          .selectFrom('ft_jobs')
          .selectAll()
          .where('id', '=', candidate.id)
          .executeTakeFirstOrThrow();
        return fromRow(row);
      }
    }
    return undefined;
  }

  /** Writes the worker's view of a job; false when the lease was lost (another worker took over). */
  async update(
    id: string,
    owner: string,
    leaseMs: number,
    patch: Partial<Job>,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    const now = new Date().toISOString();
    // One statement per training step: the write, and whether a cancel arrived, come back together.
    const row = await this.db
      .updateTable('ft_jobs')
      .set({
        ...toRow(patch as Job, true),
        leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
        updatedAt: now,
      })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .returning('cancelRequested')
      .executeTakeFirst();
    return { held: row !== undefined, cancelRequested: Number(row?.cancelRequested ?? 0) === 1 };
  }

  /** Gives a job back at shutdown, so another worker resumes it at once instead of after the lease. */
  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('ft_jobs')
      .set({ leaseExpiresAt: new Date(0).toISOString() })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .execute();
  }

  async recordMetric(jobId: string, metric: Metric): Promise<void> {
    await this.db
      .insertInto('ft_job_metrics')
      .values({ jobId, ...metric })
      .onConflict((oc) => oc.columns(['jobId', 'step']).doUpdateSet({ ...metric }))
      .execute();
  }

  /**
   * Deploys a finished job: a local classifier becomes a scoring model of the workspace; a hosted model
   * becomes the workspace's chat model for the agents (on Together through a dedicated endpoint); a
   * simulated job is recorded as deployed but serves nothing, and says so.
   */
  async deploy(workspaceId: string, id: string): Promise<Job> {
    const job = await this.get(workspaceId, id);
    if (job.status !== 'succeeded')
      throw new AppError(
        'JOB_NOT_FINISHED',
        409,
        `only a succeeded job can be deployed; this one is ${job.status}`,
      );
    if (job.deployStatus === 'deployed')
      throw new AppError('JOB_ALREADY_DEPLOYED', 409, 'the job is already deployed');
    await this.setDeployment(workspaceId, id, 'deploying', null);
    const deployedAt = new Date().toISOString();
    const result = job.result ?? {};
    const hosted = this.providers.hosted(job.provider);
    if (hosted) {
      try {
        const served = await hosted.deploy(String(result.modelName), job.name);
        const deployment = { kind: 'chat-model', provider: job.provider, ...served, deployedAt };
        await this.registry.register(workspaceId, {
          id,
          kind: 'chat',
          task: null,
          name: String(result.modelName ?? job.name),
          source: 'fine-tuning',
          spec: {
            provider: job.provider,
            protocol: served.protocol,
            baseUrl: served.baseUrl,
            model: served.model,
          },
        });
        await this.setDeployment(workspaceId, id, 'deployed', deployment);
      } catch (error) {
        await this.setDeployment(workspaceId, id, 'failed', { error: (error as Error).message });
        throw new AppError(
          'DEPLOY_FAILED',
          502,
          `${job.provider} refused the deployment: ${(error as Error).message}`,
        );
      }
      return this.get(workspaceId, id);
    }
    const deployment =
      job.provider === 'local'
        ? {
            kind: 'scoring-model',
            modelName: result.modelName,
            artifact: result.artifact,
            labels: result.labels,
            valAccuracy: result.valAccuracy,
            deployedAt,
          }
        : {
            kind: 'simulated',
            simulated: true,
            modelName: result.modelName,
            deployedAt,
            note: 'a simulated job trained no model; nothing serves requests',
          };
    const labels = result.labels as string[] | undefined;
    if (job.provider === 'local' && labels && typeof result.artifact === 'string') {
      await this.registry.register(workspaceId, {
        id,
        kind: 'classifier',
        // A classifier that learnt converted vs. unqualified leads scores leads for the agents.
        task: labels.includes('converted') ? 'lead-conversion' : null,
        name: String(result.modelName ?? job.name),
        source: 'fine-tuning',
        spec: { artifact: result.artifact, labels },
      });
    }
    await this.setDeployment(workspaceId, id, 'deployed', deployment);
    return this.get(workspaceId, id);
  }

  async setDeployment(
    workspaceId: string,
    id: string,
    deployStatus: DeployStatus,
    deployment: Record<string, unknown> | null,
  ) {
    await this.db
      .updateTable('ft_jobs')
      .set({ deployStatus, deployment: writeJson(deployment), updatedAt: new Date().toISOString() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }
}

/** Tokens in the dataset's training split (its share of the examples' real token count). */
function trainSplitTokens(dataset: Dataset): number {
  return Math.round((dataset.tokenCount * dataset.trainCount) / Math.max(1, dataset.exampleCount));
}

const JSON_FIELDS = [
  'trainingData',
  'hyperparameters',
  'estimate',
  'result',
  'deployment',
  'providerRun',
] as const;

function toRow(job: Partial<Job>, partial = false): Record<string, unknown> {
  const row: Record<string, unknown> = { ...job };
  for (const field of JSON_FIELDS) if (field in job || !partial) row[field] = writeJson(job[field]);
  if ('simulated' in job) row.simulated = job.simulated ? 1 : 0;
  if ('cancelRequested' in job) row.cancelRequested = job.cancelRequested ? 1 : 0;
  return row;
}

function fromRow(row: Record<string, unknown>): Job {
  const job = { ...row } as Record<string, unknown>;
  for (const field of JSON_FIELDS) job[field] = readJson(row[field], null);
  delete job.leaseOwner;
  delete job.leaseExpiresAt;
  return {
    ...(job as unknown as Job),
    simulated: Number(row.simulated) === 1,
    cancelRequested: Number(row.cancelRequested) === 1,
    progress: Number(row.progress),
    step: Number(row.step),
    totalSteps: Number(row.totalSteps),
  };
}
