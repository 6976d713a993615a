// OpenAI fine-tuning (provider-contracts.md §2): multipart upload to /files, a supervised job on
// /fine_tuning/jobs (the technique is OpenAI's own: no LoRA settings, and a learning-rate multiplier rather
// than a rate, so only epochs and batch size are passed), metrics from `metrics` events, and no deployment
// step: the fine-tuned model is called by name on /chat/completions.
import type {
  ProviderConnection,
  RunMetric,
  RunRequest,
  RunState,
  RunStatus,
  TrainingProvider,
} from './provider.ts';
import { jsonlBlob, providerClient, retryIfRefused } from './provider.ts';

interface FineTuningJob {
  id: string;
  status: string;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  error: { code?: string; message?: string } | null;
  hyperparameters?: { n_epochs?: number | string };
  method?: { supervised?: { hyperparameters?: { n_epochs?: number | string } } };
}

interface JobEvent {
  id: string;
  type?: string;
  data?: { step?: number; total_steps?: number; train_loss?: number; valid_loss?: number };
}

const STATES: Record<string, RunState> = {
  validating_files: 'queued',
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

const EVENTS_PAGE = 100;
/** Enough pages for any run between two polls; older events were read by earlier polls. */
const MAX_EVENT_PAGES = 20;

export interface OpenAiOptions extends ProviderConnection {
  /** OpenAI reports billable tokens, not a price: the configured rate turns them into dollars. */
  pricePerMillionTokensUsd: number;
}

export function openAiProvider(options: OpenAiOptions): TrainingProvider {
  const request = providerClient(options, 'OpenAI');
  return {
    name: 'openai',
    format: 'messages',

    async uploadFile(filename, jsonl) {
      const form = new FormData();
      form.set('purpose', 'fine-tune');
      form.set('file', jsonlBlob(jsonl), filename);
      // A retried upload at worst leaves an unused file behind, so uploads take the full retry policy.
      return (await request<{ id: string }>('POST', 'files', form)).id;
    },

    async startRun(run: RunRequest) {
      const job = await request<FineTuningJob>(
        'POST',
        'fine_tuning/jobs',
        {
          model: run.model,
          training_file: run.trainingFile,
          ...(run.validationFile ? { validation_file: run.validationFile } : {}),
          suffix: run.suffix,
          method: {
            type: 'supervised',
            supervised: {
              hyperparameters: {
                n_epochs: run.hyperparameters.epochs,
                batch_size: run.hyperparameters.batchSize,
              },
            },
          },
        },
        { retryStatus: retryIfRefused },
      );
      return job.id;
    },

    async status(runId, afterStep): Promise<RunStatus> {
      const id = encodeURIComponent(runId);
      const job = await request<FineTuningJob>('GET', `fine_tuning/jobs/${id}`);
      const state = STATES[job.status] ?? 'running';
      const epochs = Number(
        job.method?.supervised?.hyperparameters?.n_epochs ?? job.hyperparameters?.n_epochs,
      );
      // Events come newest first; read back until the steps already recorded.
      const fresh: JobEvent[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_EVENT_PAGES; page++) {
        const events = await request<{ data: JobEvent[]; has_more: boolean }>(
          'GET',
          `fine_tuning/jobs/${id}/events?limit=${EVENTS_PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        );
        let reachedKnown = false;
        for (const event of events.data) {
          if (event.type !== 'metrics' || event.data?.step === undefined) continue;
          if (event.data.step <= afterStep) reachedKnown = true;
          else fresh.push(event);
        }
        if (reachedKnown || !events.has_more || events.data.length === 0) break;
        after = events.data.at(-1)!.id;
      }
      const totalSteps = fresh.find((event) => event.data?.total_steps)?.data?.total_steps;
      const metrics: RunMetric[] = fresh
        .map(({ data }) => ({
          step: data!.step!,
          epoch: totalSteps && Number.isFinite(epochs) ? (data!.step! / totalSteps) * epochs : 0,
          loss: data!.train_loss ?? null,
          evalLoss: data!.valid_loss ?? null,
          learningRate: null,
        }))
        .sort((a, b) => a.step - b.step);
      return {
        state,
        providerStatus: job.status,
        totalSteps,
        metrics,
        resultModel: job.fine_tuned_model ?? undefined,
        error:
          state === 'failed'
            ? `${job.error?.code ? `${job.error.code}: ` : ''}${job.error?.message ?? 'OpenAI reported a failure'}`
            : undefined,
        trainedTokens: job.trained_tokens ?? undefined,
        costUsd:
          job.trained_tokens === null
            ? undefined
            : (job.trained_tokens / 1e6) * options.pricePerMillionTokensUsd,
      };
    },

    async cancel(runId) {
      await request('POST', `fine_tuning/jobs/${encodeURIComponent(runId)}/cancel`);
    },

    async deploy(resultModel) {
      return { protocol: 'openai-chat', baseUrl: options.baseUrl, model: resultModel };
    },
  };
}
