// Replicate trainings (provider-contracts.md §3): the JSONL goes up through /files and is passed to the
// trainer as a URL; a training runs a trainer version into a destination model we own (created when
// missing); loss and steps exist only in the free-text logs, read here from the tqdm progress bar and the
// Hugging Face Trainer's `{'loss': …}` lines that Replicate's LLM trainers print; the result is a new
// version of the destination, run through predictions.

import { UpstreamError } from '../../platform/json-client.ts';
import type {
  ChatDeployment,
  ProviderConnection,
  RunMetric,
  RunRequest,
  RunState,
  RunStatus,
  TrainingProvider,
} from './provider.ts';
import { jsonlBlob, providerClient, retryIfRefused } from './provider.ts';

interface Training {
  id: string;
  status: string;
  logs?: string | null;
  error?: string | null;
  output?: { version?: string; weights?: string } | null;
  metrics?: { predict_time?: number; total_time?: number } | null;
}

const STATES: Record<string, RunState> = {
  starting: 'queued',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
  aborted: 'cancelled',
};

export interface ReplicateOptions extends ProviderConnection {
  /** `owner/name` of the model each training adds a version to. */
  destination: string;
  /** Hardware for a destination model this adapter creates. */
  destinationHardware: string;
  /** Replicate bills training per second of its hardware. */
  usdPerSecond: number;
}

export function replicateProvider(options: ReplicateOptions): TrainingProvider {
  const request = providerClient(options, 'Replicate');
  const [owner, name] = options.destination.split('/');

  async function trainerVersion(model: string): Promise<{ model: string; version: string }> {
    const [slug, version] = model.split(':');
    if (version) return { model: slug!, version };
    const found = await request<{ latest_version?: { id: string } | null }>('GET', `models/${slug}`);
    if (!found.latest_version) throw new UpstreamError(`Replicate model ${slug} has no version to train`);
    return { model: slug!, version: found.latest_version.id };
  }

  async function ensureDestination(): Promise<void> {
    try {
      await request('GET', `models/${owner}/${name}`);
    } catch (error) {
      if (!(error instanceof UpstreamError) || error.status !== 404) throw error;
      await request(
        'POST',
        'models',
        { owner, name, visibility: 'private', hardware: options.destinationHardware },
        { retryStatus: retryIfRefused },
      );
    }
  }

  return {
    name: 'replicate',
    format: 'prompt-completion',

    async uploadFile(filename, jsonl) {
      const form = new FormData();
      form.set('content', jsonlBlob(jsonl), filename);
      form.set('filename', filename);
      form.set('type', 'application/jsonl');
      form.set('metadata', new Blob(['{}'], { type: 'application/json' }));
      const file = await request<{ urls: { get: string } }>('POST', 'files', form);
      return file.urls.get;
    },

    async startRun(run: RunRequest) {
      const trainer = await trainerVersion(run.model);
      await ensureDestination();
      const h = run.hyperparameters;
      const training = await request<Training>(
        'POST',
        `models/${trainer.model}/versions/${trainer.version}/trainings`,
        {
          destination: options.destination,
          input: {
            train_data: run.trainingFile,
            ...(run.validationFile ? { eval_data: run.validationFile } : {}),
            num_train_epochs: h.epochs,
            train_batch_size: h.batchSize,
            learning_rate: h.learningRate,
            lora_rank: h.loraRank,
            lora_alpha: h.loraAlpha,
            lora_dropout: h.loraDropout,
          },
        },
        { retryStatus: retryIfRefused },
      );
      return training.id;
    },

    async status(runId, afterStep): Promise<RunStatus> {
      const training = await request<Training>('GET', `trainings/${encodeURIComponent(runId)}`);
      const state = STATES[training.status] ?? 'running';
      const { metrics, totalSteps } = parseTrainingLogs(training.logs ?? '');
      const seconds = training.metrics?.predict_time;
      return {
        state,
        providerStatus: training.status,
        totalSteps,
        metrics: metrics.filter((metric) => metric.step > afterStep),
        resultModel: training.output?.version
          ? versionName(options.destination, training.output.version)
          : undefined,
        error: state === 'failed' ? (training.error ?? 'Replicate reported a failure') : undefined,
        costUsd: seconds === undefined ? undefined : seconds * options.usdPerSecond,
      };
    },

    async cancel(runId) {
      await request('POST', `trainings/${encodeURIComponent(runId)}/cancel`);
    },

    async deploy(resultModel): Promise<ChatDeployment> {
      return { protocol: 'replicate-prediction', baseUrl: options.baseUrl, model: resultModel };
    },
  };
}

/** `owner/name:version` whichever form the training's output gives (the contract leaves it open). */
function versionName(destination: string, version: string): string {
  return version.includes(':') ? version : `${destination}:${version}`;
}

const TQDM = /^\s*(\d+)%\s*\|.+?\|\s*(\d+)\/(\d+)/;
const TRAINER_LOG = /^\s*(\{'loss'.*\})\s*$/;

/**
 * Metrics from a training's logs: the Hugging Face Trainer prints a Python dict per logging step; the step is
 * the tqdm counter printed before it (the SDK's own progress regex), or the count of dicts when there is none.
 */
export function parseTrainingLogs(logs: string): { metrics: RunMetric[]; totalSteps?: number } {
  const metrics: RunMetric[] = [];
  let step = 0;
  let totalSteps: number | undefined;
  for (const line of logs.split(/\r?\n|\r/)) {
    const progress = TQDM.exec(line);
    if (progress) {
      step = Number(progress[2]);
      totalSteps = Number(progress[3]);
      continue;
    }
    const logged = TRAINER_LOG.exec(line);
    if (!logged) continue;
    let values: Record<string, number>;
    try {
      values = JSON.parse(logged[1]!.replaceAll("'", '"'));
    } catch {
      continue;
    }
    const at = Math.max(step, (metrics.at(-1)?.step ?? 0) + (step === 0 ? 1 : 0));
    if (metrics.at(-1)?.step === at) continue;
    metrics.push({
      step: at,
      epoch: values.epoch ?? 0,
      loss: values.loss ?? null,
      evalLoss: values.eval_loss ?? null,
      learningRate: values.learning_rate ?? null,
    });
  }
  return { metrics, totalSteps };
}
