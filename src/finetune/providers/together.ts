// Together AI fine-tuning (provider-contracts.md §1): the upload-URL flow of its SDK, POST /fine-tunes
// with a LoRA or Full training_type, status from the job, loss and learning rate from /metrics, the step
// count from the job's events, the charge in nanodollars, and a dedicated endpoint to serve the result.
import { request as httpRequest } from '../../platform/json-client.ts';
import type {
  ChatDeployment,
  ProviderConnection,
  RunMetric,
  RunRequest,
  RunState,
  RunStatus,
  TrainingProvider,
} from './provider.ts';
import { endpoint, providerClient, retryIfRefused } from './provider.ts';

interface FineTune {
  id: string;
  status: string;
  n_epochs?: number;
  epochs_completed?: number;
  model_output_name?: string;
  x_model_output_name?: string;
  total_price?: number;
  token_count?: number;
  events?: { type?: string; message?: string; level?: string | null; total_steps?: number | null }[];
}

const STATES: Record<string, RunState> = {
  pending: 'queued',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'cancelling',
  cancelled: 'cancelled',
  error: 'failed',
  completed: 'succeeded',
};

const NANODOLLARS_PER_DOLLAR = 1e9;

export interface TogetherOptions extends ProviderConnection {
  /** Hardware for the dedicated endpoint a deployment creates. */
  endpointHardware: string;
}

export function togetherProvider(options: TogetherOptions): TrainingProvider {
  const request = providerClient(options, 'Together AI');
  return {
    name: 'together',
    format: 'messages',

    // The SDK's flow (provider-contracts.md §1.3): ask for an upload URL, PUT the bytes there, then read the
    // file back. The test server's side of it is checked with the SDK itself.
    // The SDK's flow (provider-contracts.md §1.3): ask for an upload URL (a 302 naming the file id), PUT the
    // bytes there, then read the file back. The test server's side of it is checked with the SDK itself.
    async uploadFile(filename, jsonl) {
      const params = new URLSearchParams({ file_name: filename, file_type: 'jsonl', purpose: 'fine-tune' });
      const connection = { timeoutMs: options.timeoutMs, fetch: options.fetch };
      const started = await httpRequest(endpoint(options.baseUrl, `files?${params}`), {
        ...connection,
        method: 'POST',
        body: params,
        apiKey: options.apiKey,
        retries: options.retries,
        redirect: 'manual',
        accept: (response) =>
          response.status === 302 &&
          response.headers.has('location') &&
          response.headers.has('x-together-file-id'),
        what: 'Together AI upload',
      });
      const id = started.headers.get('x-together-file-id')!;
      // The upload URL is presigned: no API key goes with the bytes.
      await httpRequest(started.headers.get('location')!, {
        ...connection,
        method: 'PUT',
        body: new Blob([jsonl], { type: 'application/octet-stream' }),
        retries: 0,
        accept: (response) => response.status === 200,
        what: 'Together AI file upload',
      });
      await request('GET', `files/${encodeURIComponent(id)}`);
      return id;
    },

    async startRun(run: RunRequest) {
      const { hyperparameters: h } = run;
      const job = await request<FineTune>(
        'POST',
        'fine-tunes',
        {
          model: run.model,
          training_file: run.trainingFile,
          ...(run.validationFile ? { validation_file: run.validationFile, n_evals: h.epochs } : {}),
          n_epochs: h.epochs,
          batch_size: h.batchSize,
          learning_rate: h.learningRate,
          suffix: run.suffix,
          training_type:
            run.method === 'full'
              ? { type: 'Full' }
              : {
                  type: 'Lora',
                  lora_r: h.loraRank,
                  lora_alpha: h.loraAlpha,
                  lora_dropout: h.loraDropout ?? 0,
                },
        },
        { retryStatus: retryIfRefused },
      );
      return job.id;
    },

    async status(runId, afterStep): Promise<RunStatus> {
      const job = await request<FineTune>('GET', `fine-tunes/${encodeURIComponent(runId)}`);
      const state = STATES[job.status] ?? 'running';
      let metrics: RunMetric[] = [];
      let totalSteps: number | undefined;
      if (state !== 'queued') {
        // The full job object carries its events; training events say how many steps the run has.
        totalSteps = job.events?.findLast((event) => event.total_steps)?.total_steps ?? undefined;
        const logged = await request<{ metrics: Record<string, number>[] }>(
          'GET',
          `fine-tunes/${encodeURIComponent(runId)}/metrics?global_step_from=${afterStep + 1}`,
        );
        metrics = logged.metrics
          .map((row) => {
            const step = row['train/global_step'] ?? 0;
            return {
              step,
              epoch: totalSteps ? (step / totalSteps) * (job.n_epochs ?? 1) : (job.epochs_completed ?? 0),
              loss: row['train/loss'] ?? null,
              evalLoss: row['eval/loss'] ?? null,
              learningRate: row['train/learning_rate'] ?? null,
            };
          })
          .filter((metric) => metric.step > afterStep)
          .sort((a, b) => a.step - b.step);
      }
      const failure = job.events?.findLast((event) => event.level === 'error' || event.type === 'job_error');
      return {
        state,
        providerStatus: job.status,
        totalSteps,
        metrics,
        resultModel: job.x_model_output_name ?? job.model_output_name,
        error: state === 'failed' ? (failure?.message ?? 'Together AI reported an error') : undefined,
        trainedTokens: job.token_count,
        costUsd: job.total_price === undefined ? undefined : job.total_price / NANODOLLARS_PER_DOLLAR,
      };
    },

    async cancel(runId) {
      await request('POST', `fine-tunes/${encodeURIComponent(runId)}/cancel`);
    },

    // Fine-tuned models are served from a dedicated endpoint, called by the endpoint's name.
    async deploy(resultModel, name): Promise<ChatDeployment> {
      const created = await request<{ id: string; name: string; state: string }>(
        'POST',
        'endpoints',
        {
          model: resultModel,
          hardware: options.endpointHardware,
          autoscaling: { min_replicas: 1, max_replicas: 1 },
          display_name: name.slice(0, 100),
        },
        { retryStatus: retryIfRefused },
      );
      return {
        protocol: 'openai-chat',
        baseUrl: options.baseUrl,
        model: created.name,
        details: { endpointId: created.id, endpointState: created.state, hardware: options.endpointHardware },
      };
    },
  };
}
