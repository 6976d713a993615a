// Row shapes of the tables fine-tuning owns (migrations 004-006). Flags are 0/1 integers on both engines.
import type { JsonColumn } from '../platform/db/column-types.ts';

export interface FineTuningTables {
  ftDatasets: {
    id: string;
    workspaceId: string;
    name: string;
    description: string | null;
    type: string;
    source: string;
    filters: JsonColumn;
    baseModel: string;
    validationSplit: number;
    exampleCount: number;
    trainCount: number;
    validationCount: number;
    tokenCount: number;
    quality: JsonColumn;
    providerChecks: JsonColumn;
    createdBy: string | null;
    createdAt: string;
    updatedAt: string;
  };
  ftExamples: {
    datasetId: string;
    position: number;
    split: string;
    example: JsonColumn;
    tokens: number;
    source: string | null;
  };
  ftJobs: {
    id: string;
    workspaceId: string;
    name: string;
    baseModel: string;
    method: string;
    provider: string;
    datasetId: string | null;
    trainingData: JsonColumn;
    hyperparameters: JsonColumn;
    status: string;
    deployStatus: string;
    simulated: number;
    progress: number;
    step: number;
    totalSteps: number;
    estimate: JsonColumn;
    result: JsonColumn;
    deployment: JsonColumn;
    providerRun: JsonColumn;
    error: string | null;
    cancelRequested: number;
    leaseOwner: string | null;
    leaseExpiresAt: string | null;
    createdBy: string | null;
    createdAt: string;
    updatedAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
  ftJobMetrics: {
    jobId: string;
    step: number;
    epoch: number;
    loss: number | null;
    evalLoss: number | null;
    learningRate: number | null;
    accuracy: number | null;
    tokensPerSec: number | null;
    gpuMemoryGib: number | null;
    at: string;
  };
  ftTrainers: {
    id: string;
    workspaceId: string;
    name: string;
    tokenHash: string;
    tokenPrefix: string;
    hardware: JsonColumn;
    methods: JsonColumn;
    currentJobId: string | null;
    lastSeenAt: string | null;
    createdBy: string | null;
    createdAt: string;
    revokedAt: string | null;
  };
}
