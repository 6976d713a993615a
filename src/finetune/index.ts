// Wires fine-tuning: the catalogue, datasets, jobs, the worker and their routes.

import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ModelRegistry } from '../ai/registry.ts';
import type { Crm } from '../crm/index.ts';
import { mountRoutes } from '../platform/http/mount.ts';
import type { Platform } from '../platform/index.ts';
import type { ProviderName } from './catalog.ts';
import { DatasetRepository } from './datasets/repository.ts';
import { DatasetService } from './datasets/service.ts';
import { registerJobRoutes } from './job-routes.ts';
import { JobDeployer } from './jobs/deployer.ts';
import { hostedTrainer } from './jobs/hosted-trainer.ts';
import type { RecordTrainingData } from './jobs/record-trainer.ts';
import { JobRepository } from './jobs/repository.ts';
import { JobService } from './jobs/service.ts';
import { localTrainer, simulatorTrainer, type Trainer } from './jobs/trainers.ts';
import { JobWorker } from './jobs/worker.ts';
import { registerFineTuningMetrics } from './metrics.ts';
import { registerModelRoutes } from './model-routes.ts';
import { createHostedProviders, isHosted } from './providers/index.ts';
import { registerFineTuningRoutes } from './routes.ts';
import { TrainerFiles } from './trainers/files.ts';
import { TrainerRepository } from './trainers/repository.ts';
import { registerTrainerAdminRoutes, registerTrainerProtocol } from './trainers/routes.ts';
import { TrainerService } from './trainers/service.ts';

/**
 * Wakes a worker for a new job at once (its polling is the safety net). The job's state and lease live in the
 * database; the queue's depth is counted from there (metrics.ts), not from the queue.
 */
const TRAINING_QUEUE = 'fine-tuning';

export interface FineTuning {
  datasets: DatasetService;
  jobs: JobService;
  worker: JobWorker;
  /** Self-hosted training workers (trainer/) and their protocol. */
  trainers: TrainerService;
  /** Where deployed models are registered and activated. */
  registry: ModelRegistry;
  close(): Promise<void>;
}

/** The dataset service alone (for `crm-ai dataset`), over the jobs repository it asks about usage. */
export function createDatasets(platform: Platform, crm: Crm) {
  const db = platform.database.kysely as Kysely<FineTuningTables>;
  const repository = new JobRepository(db);
  const datasets = new DatasetService(new DatasetRepository(db), crm.records, (workspaceId, datasetId) =>
    repository.usingDataset(workspaceId, datasetId),
  );
  return { repository, datasets };
}

/**
 * `readRecords` gives the local classifier the learned scorers' view of a workspace's records (the composition
 * root passes the agents' reader: one feature pipeline for both); without it record datasets train as text.
 */
export function createFineTuning(
  platform: Platform,
  crm: Crm,
  registry: ModelRegistry,
  readRecords?: RecordTrainingData,
): FineTuning {
  const config = platform.config.fineTuning;
  const { repository, datasets } = createDatasets(platform, crm);
  const hosted = createHostedProviders(config.hosted);
  registerFineTuningMetrics(platform.metrics, repository);
  const artifactDirectory = path.join(platform.config.dataDir, 'models');
  const trainerFiles = new TrainerFiles(path.join(platform.config.dataDir, 'checkpoints'), artifactDirectory);
  const { selfHosted } = config;
  const jobs = new JobService(
    repository,
    datasets,
    { gpuHourUsd: config.gpuHourUsd, perMillionTokensUsd: config.perMillionTokensUsd },
    { unavailable: (provider) => (isHosted(provider) ? hosted.unavailable[provider] : undefined) },
    new JobDeployer(
      repository,
      (provider) => (isHosted(provider) ? hosted.providers[provider] : undefined),
      registry,
      {
        server: selfHosted.inferenceUrl
          ? {
              baseUrl: selfHosted.inferenceUrl,
              apiKey: selfHosted.inferenceApiKey,
              timeoutMs: config.hosted.timeoutMs,
            }
          : undefined,
        adapterPath: (jobId) =>
          selfHosted.adapterPath
            ? path.posix.join(selfHosted.adapterPath, jobId)
            : trainerFiles.artifactDirectory(jobId),
      },
    ),
    (jobId) => {
      platform.queue
        .add(TRAINING_QUEUE, 'run', { jobId })
        .catch((error) =>
          platform.log.warn({ err: error, jobId }, 'could not queue a training job; workers will poll'),
        );
    },
  );
  const trainers: Partial<Record<ProviderName, Trainer>> = {
    local: localTrainer(readRecords),
    simulator: simulatorTrainer(config.simulatorStepMs),
  };
  for (const provider of Object.values(hosted.providers))
    trainers[provider.name] = hostedTrainer(provider, config.hosted.pollMs);
  const worker = new JobWorker(jobs, repository, datasets, trainers, platform.log, {
    pollMs: config.pollMs,
    leaseMs: config.leaseMs,
    artifactDirectory,
    onRetry: () => platform.metrics.queueRetries.inc({ queue: 'fine-tuning' }),
  });
  if (config.worker) {
    worker.start();
    platform.queue.process<{ jobId: string }>(TRAINING_QUEUE, (job) => worker.runJob(job.data.jobId), 1);
  }
  const db = platform.database.kysely as Kysely<FineTuningTables>;
  const selfHostedTrainers = new TrainerService(
    new TrainerRepository(db),
    repository,
    jobs,
    datasets,
    trainerFiles,
    {
      leaseMs: selfHosted.leaseMs,
      pollMs: selfHosted.pollMs,
    },
  );
  return {
    datasets,
    jobs,
    worker,
    trainers: selfHostedTrainers,
    registry,
    close: () => worker.stop(),
  };
}

export function registerFineTuningModule(
  app: FastifyInstance,
  fineTuning: FineTuning,
  streamPollMs: number,
): void {
  mountRoutes(app, '/api/ai/fine-tuning', (routes) => {
    registerFineTuningRoutes(routes, fineTuning.datasets);
    registerJobRoutes(routes, fineTuning.jobs, streamPollMs);
    registerTrainerAdminRoutes(routes, fineTuning.trainers);
    registerModelRoutes(routes, fineTuning.registry, fineTuning.jobs);
  });
  mountRoutes(app, '/api/trainer/v1', (routes) => registerTrainerProtocol(routes, fineTuning.trainers));
}

import type { FineTuningTables } from './tables.ts';
