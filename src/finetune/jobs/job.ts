// What a fine-tuning job is: its input (validated by these schemas at the boundary), its stored state and
// its metrics. A state machine: created → validating → queued → running → succeeded | failed | cancelled,
// and for deployment not_deployed → deploying → deployed | failed.
import { z } from 'zod';
import type { MethodName, ProviderName } from '../catalog.ts';
import { workspaceFiltersSchema } from '../datasets/builders.ts';
import { datasetTypes } from '../datasets/examples.ts';
import type { ProviderRun } from '../providers/provider.ts';
import type { Estimate } from './estimate.ts';

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
    /** Prefix- and p-tuning: how many virtual tokens are learnt. */
    virtualTokens: z.number().int().min(1).max(512).optional(),
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
  /** Training throughput and peak GPU memory, from trainers that measure them (the self-hosted worker). */
  tokensPerSec?: number | null;
  gpuMemoryGib?: number | null;
  at: string;
};
