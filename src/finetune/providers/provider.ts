// What a hosted training provider must do for a job, in our terms: upload a JSONL file, start a run, report
// its state and the metrics logged since a step, cancel it, and say how to call the trained model. Each
// adapter maps its provider's HTTP contract (../shared/reference/provider-contracts.md) onto this.
import { requestJson } from '../../platform/json-client.ts';
import { traced } from '../../platform/observability/tracing.ts';
import type { MethodName } from '../catalog.ts';
import type { ExportFormat } from '../datasets/examples.ts';
import type { Hyperparameters } from '../jobs/job.ts';

export type HostedProviderName = 'together' | 'openai' | 'replicate';

/** The provider's status in our vocabulary (provider-contracts.md §4). */
export type RunState = 'queued' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export interface RunMetric {
  step: number;
  epoch: number;
  loss: number | null;
  evalLoss: number | null;
  learningRate: number | null;
}

export interface RunStatus {
  state: RunState;
  /** The provider's own status word, kept for the API and logs. */
  providerStatus: string;
  totalSteps?: number;
  /** Metrics logged after the step the caller already has, in step order. */
  metrics: RunMetric[];
  /** The trained model's name at the provider, once there is one. */
  resultModel?: string;
  error?: string;
  trainedTokens?: number;
  /** What the provider charged, when it says so (Together), or what its configured price makes it. */
  costUsd?: number;
}

export interface RunRequest {
  /** The provider's name for the base model. */
  model: string;
  method: MethodName;
  hyperparameters: Hyperparameters;
  /** A short label the provider puts in the trained model's name. */
  suffix: string;
  trainingFile: string;
  validationFile?: string;
}

/** How a trained model is called once deployed. */
export interface ChatDeployment {
  /** `openai-chat`: an OpenAI-compatible /chat/completions; `replicate-prediction`: Replicate predictions. */
  protocol: 'openai-chat' | 'replicate-prediction';
  baseUrl: string;
  model: string;
  /** Provider-side handles (a dedicated endpoint's id and state), for the record. */
  details?: Record<string, unknown>;
}

/** A hosted run's handles, stored on the job as soon as each exists (see migration 006). */
export type ProviderRun = {
  trainingFile?: string;
  validationFile?: string;
  runId?: string;
  providerStatus?: string;
};

export interface TrainingProvider {
  readonly name: HostedProviderName;
  /** The JSONL shape this provider trains on. */
  readonly format: ExportFormat;
  uploadFile(filename: string, jsonl: string): Promise<string>;
  startRun(request: RunRequest): Promise<string>;
  status(runId: string, afterStep: number): Promise<RunStatus>;
  cancel(runId: string): Promise<void>;
  deploy(resultModel: string, name: string): Promise<ChatDeployment>;
}

export interface ProviderConnection {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  retries: number;
  fetch?: typeof fetch;
}

/** Joins a base URL and a path without losing the base's own path (`/v1`). */
export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Retries for requests that start something billable (a run, an endpoint, a model): only when the provider
 * certainly did nothing, since a 500 may come after the run was created.
 */
export function retryIfRefused(status: number): boolean {
  return status === 429 || status === 408;
}

export type ProviderRequest = <T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  options?: { retryStatus?: (status: number) => boolean },
) => Promise<T>;

/** Authenticated JSON requests to one provider, under the shared retry policy. */
export function providerClient(connection: ProviderConnection, what: string): ProviderRequest {
  return (method, path, body, options) =>
    traced(
      `provider ${method}`,
      'provider',
      () =>
        requestJson(endpoint(connection.baseUrl, path), {
          method,
          body,
          apiKey: connection.apiKey,
          timeoutMs: connection.timeoutMs,
          retries: connection.retries,
          fetch: connection.fetch,
          what,
          ...options,
        }),
      // The path names the resource (file, job); ids in it are the provider's, not secrets.
      { 'provider.name': what, 'url.path': path.split('?')[0] },
    );
}

/** A JSONL file as a multipart part. */
export function jsonlBlob(jsonl: string): Blob {
  return new Blob([jsonl], { type: 'application/jsonl' });
}
