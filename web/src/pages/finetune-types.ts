// The fine-tuning API's shapes, as the panel reads them.
export interface BaseModel {
  id: string;
  name: string;
  parametersB: number;
  contextTokens: number;
  gpu: string;
  gpuCount: number;
  typicalTime: string;
  typicalCost: string;
  providers: string[];
}

export interface Method {
  id: string;
  name: string;
  description: string;
  recommended: boolean;
  providers: string[];
}

export interface Dataset {
  id: string;
  name: string;
  type: string;
  baseModel: string;
  source: string;
  exampleCount: number;
  trainCount: number;
  validationCount: number;
  tokenCount: number;
  quality: {
    score: number;
    issues: { code: string; message: string; count: number; examples: number[] }[];
    tokens: { total: number; mean: number; p95: number; max: number };
    labels?: Record<string, number>;
  };
  providerChecks: { provider: string; valid: boolean; format: string; errors: string[] }[];
  createdAt: string;
}

export interface Range {
  low: number;
  expected: number;
  high: number;
}

export interface Estimate {
  trainingTokens: number;
  hours: Range;
  costUsd: Range;
  basis: string;
}

export interface Metric {
  step: number;
  epoch: number;
  loss: number | null;
  evalLoss: number | null;
  learningRate: number | null;
  accuracy: number | null;
}

export interface Job {
  id: string;
  name: string;
  baseModel: string;
  method: string;
  provider: string;
  datasetId: string | null;
  status: string;
  deployStatus: string;
  simulated: boolean;
  progress: number;
  step: number;
  totalSteps: number;
  estimate: Estimate | null;
  result: Record<string, unknown> | null;
  deployment: Record<string, unknown> | null;
  error: string | null;
  hyperparameters: Record<string, number>;
  createdAt: string;
  finishedAt: string | null;
  metrics?: Metric[];
}

export const DATASET_TYPES = ['instruction', 'chat', 'completion', 'classification', 'qa', 'summarization'];
export const TERMINAL = ['succeeded', 'failed', 'cancelled'];
