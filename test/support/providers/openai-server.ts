// A local server that follows OpenAI's fine-tuning contract (provider-contracts.md §2): multipart POST /files
// with purpose fine-tune (JSONL only), FileObject, POST /fine_tuning/jobs with method.supervised, the job's
// states validating_files → queued → running → succeeded | failed | cancelled, a training file checked
// while validating (a bad one fails the job with `invalid_training_file`), cursor pages of events newest
// first with `metrics` events, `ft:` model names, and chat completions for a fine-tuned model. The official
// `openai` SDK is run against it in the tests.
import { randomUUID } from 'node:crypto';
import {
  type ContractReply,
  type ContractRequest,
  type ContractServer,
  startContractServer,
} from '../contract-server.ts';
import { bearer, chatCompletionReply, FakeRun, jsonlProblem, type RunScript } from './fake-training.ts';

export const OPENAI_MODELS = ['gpt-4o-mini-2024-07-18', 'gpt-4.1-mini-2025-04-14'];

export interface OpenAiServer extends ContractServer {
  baseUrl: string;
  runs: Map<string, FakeRun>;
  files: Map<string, { id: string; filename: string; bytes: number; content: string; createdAt: number }>;
  script: RunScript;
}

function openAiError(
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
): ContractReply {
  return { status, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

export async function startOpenAiServer(options: { apiKey: string }): Promise<OpenAiServer> {
  const runs = new Map<string, FakeRun>();
  const files: OpenAiServer['files'] = new Map();
  const script: RunScript = { totalSteps: 6, stepsPerPoll: 2 };
  const problems = new Map<string, string>();

  const fileObject = (file: { id: string; filename: string; bytes: number; createdAt: number }) => ({
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: 'fine-tune',
    status: 'processed',
  });

  const job = (run: FakeRun) => {
    const problem = problems.get(run.id);
    const status = {
      pending: 'validating_files',
      queued: 'queued',
      running: 'running',
      finishing: 'running',
      succeeded: 'succeeded',
      failed: 'failed',
      cancelling: 'cancelled',
      cancelled: 'cancelled',
    }[run.phase];
    const epochs = Number(
      (run.request.method as { supervised?: { hyperparameters?: { n_epochs?: number } } })?.supervised
        ?.hyperparameters?.n_epochs ?? 3,
    );
    const trainedTokens = Math.ceil((files.get(String(run.request.training_file))?.bytes ?? 0) / 4) * epochs;
    return {
      object: 'fine_tuning.job',
      id: run.id,
      model: run.request.model,
      created_at: Math.floor(run.createdAt.getTime() / 1000),
      finished_at: run.terminal ? Math.floor(Date.now() / 1000) : null,
      fine_tuned_model:
        run.phase === 'succeeded'
          ? `ft:${run.request.model}:crm-test:${run.request.suffix}:${run.id.slice(6, 14)}`
          : null,
      organization_id: 'org-crm-test',
      result_files: [],
      status,
      validation_file: run.request.validation_file ?? null,
      training_file: run.request.training_file,
      hyperparameters: { n_epochs: epochs, batch_size: 'auto', learning_rate_multiplier: 'auto' },
      method: run.request.method ?? {
        type: 'supervised',
        supervised: { hyperparameters: { n_epochs: epochs } },
      },
      trained_tokens: run.phase === 'succeeded' ? trainedTokens : null,
      error:
        run.phase === 'failed'
          ? {
              code: problem ? 'invalid_training_file' : 'server_error',
              message: problem ?? run.error,
              param: problem ? 'training_file' : null,
            }
          : null,
      seed: 42,
    };
  };

  const events = (run: FakeRun) =>
    [
      {
        id: `ftevent-${run.id}-created`,
        object: 'fine_tuning.job.event',
        created_at: Math.floor(run.createdAt.getTime() / 1000),
        level: 'info',
        message: `Created fine-tuning job: ${run.id}`,
        type: 'message',
      },
      ...run.logged.map((entry) => ({
        id: `ftevent-${run.id}-${entry.step}`,
        object: 'fine_tuning.job.event',
        created_at: Math.floor(Date.now() / 1000),
        level: 'info',
        message: `Step ${entry.step}/${script.totalSteps}: training loss=${entry.loss.toFixed(2)}`,
        data: {
          step: entry.step,
          train_loss: entry.loss,
          total_steps: script.totalSteps,
          ...(entry.evalLoss !== undefined ? { valid_loss: entry.evalLoss } : {}),
        },
        type: 'metrics',
      })),
    ].reverse();

  const page = <T extends { id: string }>(items: T[], query: URLSearchParams) => {
    const limit = Number(query.get('limit') ?? 20);
    const after = query.get('after');
    const start = after ? items.findIndex((item) => item.id === after) + 1 : 0;
    const data = items.slice(start, start + limit);
    return { object: 'list', data, has_more: start + limit < items.length };
  };

  const handle = async (request: ContractRequest): Promise<ContractReply> => {
    const { method, path } = request;
    if (bearer(request.headers) !== options.apiKey)
      return openAiError(401, 'Incorrect API key provided', 'invalid_api_key');

    if (method === 'POST' && path === '/v1/files') {
      const file = request.form?.get('file');
      if (!(file instanceof File) || request.form?.get('purpose') !== 'fine-tune')
        return openAiError(400, "'file' and purpose 'fine-tune' are required", null, 'file');
      if (!file.name.endsWith('.jsonl'))
        return openAiError(
          400,
          'The Fine-tuning API only supports .jsonl files',
          'invalid_file_format',
          'file',
        );
      const content = await file.text();
      const stored = {
        id: `file-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
        filename: file.name,
        bytes: Buffer.byteLength(content),
        content,
        createdAt: Math.floor(Date.now() / 1000),
      };
      files.set(stored.id, stored);
      return { status: 200, body: fileObject(stored) };
    }
    if (method === 'POST' && path === '/v1/fine_tuning/jobs') {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (typeof body.model !== 'string' || !OPENAI_MODELS.includes(body.model))
        return openAiError(
          400,
          `Model ${String(body.model)} is not available for fine-tuning or does not exist.`,
          'model_not_available',
          'model',
        );
      const file = files.get(String(body.training_file));
      if (!file)
        return openAiError(
          400,
          `invalid training_file: ${String(body.training_file)}`,
          null,
          'training_file',
        );
      const run = new FakeRun(`ftjob-${randomUUID().replaceAll('-', '').slice(0, 24)}`, body, { ...script });
      // The file is checked while the job is validating, as OpenAI does.
      const problem = jsonlProblem(file.content, 'messages');
      if (problem) problems.set(run.id, `The job failed due to an invalid training file. ${problem}`);
      runs.set(run.id, run);
      return { status: 200, body: job(run) };
    }
    if (method === 'GET' && path === '/v1/fine_tuning/jobs')
      return { status: 200, body: page([...runs.values()].reverse().map(job), request.query) };
    const jobMatch = /^\/v1\/fine_tuning\/jobs\/(ftjob-\w+)(\/\w+)?$/.exec(path);
    if (jobMatch) {
      const run = runs.get(jobMatch[1]!);
      if (!run)
        return openAiError(404, `Could not find fine tune job: ${jobMatch[1]}`, 'fine_tune_not_found');
      const action = jobMatch[2];
      if (method === 'GET' && !action) {
        if (run.phase === 'pending' && problems.has(run.id)) run.phase = 'failed';
        else run.advance();
        return { status: 200, body: job(run) };
      }
      if (method === 'GET' && action === '/events')
        return { status: 200, body: page(events(run), request.query) };
      if (method === 'POST' && action === '/cancel') {
        if (run.terminal) return openAiError(400, `Job ${run.id} has already ${job(run).status}`);
        run.phase = 'cancelled';
        return { status: 200, body: job(run) };
      }
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      const body = request.body as { model: string; messages: { role: string; content: string }[] };
      if (
        !body.model.startsWith('ft:') ||
        ![...runs.values()].some((run) => job(run).fine_tuned_model === body.model)
      )
        return openAiError(
          404,
          `The model \`${body.model}\` does not exist or you do not have access to it.`,
          'model_not_found',
        );
      return chatCompletionReply(body);
    }
    return openAiError(404, `Invalid URL (${method} ${path})`);
  };

  const server = await startContractServer(handle);
  return Object.assign(server, { baseUrl: `${server.url}/v1`, runs, files, script });
}
