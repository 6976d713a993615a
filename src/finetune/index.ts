// Wires fine-tuning: the catalogue, datasets, jobs, the worker and their routes.

import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Crm } from '../crm/index.ts';
import type { Platform } from '../platform/index.ts';
import type { ProviderName } from './catalog.ts';
import { DatasetService } from './datasets/service.ts';
import { registerJobRoutes } from './job-routes.ts';
import { JobService } from './jobs/service.ts';
import { localTrainer, simulatorTrainer } from './jobs/trainers.ts';
import { JobWorker } from './jobs/worker.ts';
import { registerFineTuningRoutes } from './routes.ts';
import { DeployedScorers } from './scoring.ts';

export interface FineTuning {
  datasets: DatasetService;
  /** Deployed local classifiers, for the agents. */
  scorers: DeployedScorers;
  jobs: JobService;
  worker: JobWorker;
  close(): Promise<void>;
}

const HOSTED: ProviderName[] = ['together', 'openai', 'replicate'];

export function createFineTuning(platform: Platform, crm: Crm): FineTuning {
  const config = platform.config.fineTuning;
  // biome-ignore lint/suspicious/noExplicitAny: the fine-tuning tables are outside the CRM schema types
  const db = platform.database.kysely as Kysely<any>;
  const datasets = new DatasetService(db, crm.records);
  const jobs = new JobService(
    db,
    datasets,
    { gpuHourUsd: config.gpuHourUsd, perMillionTokensUsd: config.perMillionTokensUsd },
    {
      unavailable: (provider) =>
        HOSTED.includes(provider)
          ? `${provider} training is not available in this version yet: use "local" for classification datasets or "simulator" for generative ones`
          : undefined,
    },
  );
  const worker = new JobWorker(
    jobs,
    datasets,
    { local: localTrainer(), simulator: simulatorTrainer(config.simulatorStepMs) },
    platform.log,
    {
      pollMs: config.pollMs,
      leaseMs: Math.max(30_000, config.pollMs * 10),
      artifactDirectory: path.join(platform.config.dataDir, 'models'),
    },
  );
  if (config.worker) worker.start();
  return { datasets, jobs, worker, scorers: new DeployedScorers(db), close: () => worker.stop() };
}

export function registerFineTuningModule(
  app: FastifyInstance,
  fineTuning: FineTuning,
  streamPollMs: number,
): void {
  registerFineTuningRoutes(app, fineTuning.datasets);
  registerJobRoutes(app, fineTuning.jobs, streamPollMs);
}
