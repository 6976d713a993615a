// Fine-tuning jobs: every check a caller can get wrong happens at creation (answering in milliseconds: the work
// happens in a worker, which claims jobs from the repository's lease queue); listing, cancelling, statistics
// and deployment of finished jobs.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../platform/errors.ts';
import { findBaseModel, findMethod, type ProviderName, providerNames } from '../catalog.ts';
import type { Dataset, DatasetService } from '../datasets/service.ts';
import type { TrainingProvider } from '../providers/provider.ts';
import type { JobDeployer } from './deployer.ts';
import { type Estimate, estimateRun, type PriceConfig } from './estimate.ts';
import {
  type Hyperparameters,
  type Job,
  type JobInput,
  type JobStatus,
  type Metric,
  terminalStatuses,
} from './job.ts';
import type { JobRepository } from './repository.ts';

export type JobEvent =
  | { kind: 'job'; cursor: number; job: Job }
  | { kind: 'metric'; cursor: number; metric: Metric };

export interface ProviderAvailability {
  /** Why a provider cannot take jobs here, or undefined when it can. */
  unavailable(provider: ProviderName): string | undefined;
  /** The adapter of a configured hosted provider. */
  hosted(provider: ProviderName): TrainingProvider | undefined;
}

export class JobService {
  constructor(
    private readonly repository: JobRepository,
    private readonly datasets: DatasetService,
    private readonly prices: PriceConfig,
    private readonly providers: Pick<ProviderAvailability, 'unavailable'>,
    private readonly deployer: Pick<JobDeployer, 'deploy' | 'undeploy'>,
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
        `${input.provider} does not offer ${method.name}; it is offered by ${method.providers.join(', ')}${['prefix-tuning', 'p-tuning', 'qlora'].includes(method.id) ? ' (hosted APIs train LoRA and full fine-tunes only; a self-hosted worker trains every method)' : ''}`,
      );
    }
    const isLora = input.method === 'lora' || input.method === 'qlora';
    const { loraRank, loraAlpha, loraDropout } = input.hyperparameters;
    if (!isLora && (loraRank !== undefined || loraAlpha !== undefined || loraDropout !== undefined)) {
      throw AppError.validation(
        `loraRank, loraAlpha and loraDropout apply to LoRA and QLoRA only, not ${method.name}`,
      );
    }
    const isPromptLearning = input.method === 'prefix-tuning' || input.method === 'p-tuning';
    if (!isPromptLearning && input.hyperparameters.virtualTokens !== undefined) {
      throw AppError.validation(
        `virtualTokens applies to prefix-tuning and p-tuning only, not ${method.name}`,
      );
    }
    const hyperparameters: Hyperparameters = isLora
      ? { loraRank: 16, loraAlpha: 32, loraDropout: 0.05, ...input.hyperparameters }
      : isPromptLearning
        ? { virtualTokens: 20, ...input.hyperparameters }
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
    await this.repository.insert(job);
    this.onCreated(job.id);
    return job;
  }

  /** Which providers can take jobs here, and what to set for those that cannot (the wizard's provider step). */
  providerAvailability() {
    return providerNames.map((provider) => {
      const reason = this.providers.unavailable(provider);
      return { provider, available: reason === undefined, reason: reason ?? null };
    });
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

  list(workspaceId: string, filter: { status?: JobStatus } = {}): Promise<Job[]> {
    return this.repository.list(workspaceId, filter);
  }

  async get(workspaceId: string, id: string): Promise<Job> {
    const job = await this.repository.find(workspaceId, id);
    if (!job) throw new AppError('JOB_NOT_FOUND', 404, `fine-tuning job ${id} not found`);
    return job;
  }

  metrics(jobId: string, afterStep = -1): Promise<Metric[]> {
    return this.repository.metrics(jobId, afterStep);
  }

  /**
   * A job's progress as it happens, read from the database (so it works whichever instance runs the job): the
   * job whenever it changes and every metric after `afterStep`, in order, until the job ends or `signal`
   * aborts. Each event carries the last metric step sent, from which a reconnecting client resumes.
   */
  async *watch(
    job: Job,
    options: { afterStep?: number; pollMs: number; signal: AbortSignal },
  ): AsyncGenerator<JobEvent> {
    let lastStep = options.afterStep ?? -1;
    let lastUpdate = '';
    let current = job;
    while (!options.signal.aborted) {
      for (const metric of await this.metrics(current.id, lastStep)) {
        lastStep = metric.step;
        yield { kind: 'metric', cursor: lastStep, metric };
      }
      if (current.updatedAt !== lastUpdate) {
        lastUpdate = current.updatedAt;
        yield { kind: 'job', cursor: lastStep, job: current };
      }
      if (terminalStatuses.includes(current.status)) return;
      try {
        await sleep(options.pollMs, undefined, { signal: options.signal });
      } catch {
        return;
      }
      current = await this.get(current.workspaceId, current.id);
    }
  }

  /** Waiting jobs stop at once; a running one is asked to stop and its worker ends it at the next step. */
  async cancel(workspaceId: string, id: string): Promise<Job> {
    const job = await this.get(workspaceId, id);
    if (terminalStatuses.includes(job.status)) {
      throw new AppError('JOB_FINISHED', 409, `the job is already ${job.status}`);
    }
    await this.repository.cancel(id, job.status === 'created' || job.status === 'queued');
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

  /** Deploys a finished job (see JobDeployer). */
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
    await this.deployer.deploy(job);
    return this.get(workspaceId, id);
  }

  async undeploy(workspaceId: string, id: string): Promise<Job> {
    const job = await this.get(workspaceId, id);
    if (job.deployStatus !== 'deployed')
      throw new AppError('JOB_NOT_DEPLOYED', 409, `the job is not deployed; it is ${job.deployStatus}`);
    await this.deployer.undeploy(job);
    return this.get(workspaceId, id);
  }
}

/** Tokens in the dataset's training split (its share of the examples' real token count). */
function trainSplitTokens(dataset: Dataset): number {
  return Math.round((dataset.tokenCount * dataset.trainCount) / Math.max(1, dataset.exampleCount));
}
