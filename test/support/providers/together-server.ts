// A local server that follows Together AI's fine-tuning contract (provider-contracts.md §1): ErrorData errors,
// the SDK's upload flow (POST /files → 302 to an upload URL → PUT the bytes), FileResponse,
// POST /fine-tunes with its truncated object, the full object with events and total_steps, /metrics with
// `train/*` keys and a global_step_from filter (query or body), cancel via cancel_requested, the charge in
// nanodollars, dedicated endpoints, and chat completions for a deployed endpoint. The official `together-ai`
// SDK is run against it in the tests, so it cannot drift from what the SDK sends and reads.
import { randomUUID } from 'node:crypto';
import {
  type ContractReply,
  type ContractRequest,
  type ContractServer,
  startContractServer,
} from '../contract-server.ts';
import { bearer, chatCompletionReply, FakeRun, jsonlProblem, type RunScript } from './fake-training.ts';

export const TOGETHER_MODELS = [
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
  'meta-llama/Meta-Llama-3-8B-Instruct',
  'mistralai/Mistral-7B-Instruct-v0.2',
  'Qwen/Qwen3-8B',
];

interface StoredFile {
  id: string;
  filename: string;
  bytes: number;
  content: string;
  purpose: string;
  createdAt: number;
}

export interface TogetherServer extends ContractServer {
  baseUrl: string;
  runs: Map<string, FakeRun>;
  files: Map<string, StoredFile>;
  script: RunScript;
}

const NANODOLLARS_PER_TOKEN = 480; // $0.48 per 1M tokens

function errorData(status: number, message: string, type = 'invalid_request_error'): ContractReply {
  return { status, body: { error: { message, type, param: null, code: null } } };
}

export async function startTogetherServer(options: { apiKey: string }): Promise<TogetherServer> {
  const runs = new Map<string, FakeRun>();
  const files = new Map<string, StoredFile>();
  const endpoints = new Map<string, Record<string, unknown>>();
  const pendingUploads = new Map<string, { filename: string; purpose: string }>();
  const script: RunScript = { totalSteps: 6, stepsPerPoll: 2 };
  let server!: ContractServer;

  const fileResponse = (file: StoredFile) => ({
    id: file.id,
    object: 'file',
    created_at: file.createdAt,
    filename: file.filename,
    bytes: file.bytes,
    purpose: file.purpose,
    FileType: 'jsonl',
    Processed: true,
    processing_status: 'COMPLETED',
  });

  const storeFile = (filename: string, purpose: string, content: string): ContractReply => {
    const problem = jsonlProblem(content, 'any');
    if (problem) return errorData(400, `Invalid file format: ${problem}`);
    const file: StoredFile = {
      id: `file-${randomUUID()}`,
      filename,
      bytes: Buffer.byteLength(content),
      content,
      purpose,
      createdAt: Math.floor(Date.now() / 1000),
    };
    files.set(file.id, file);
    return { status: 200, body: fileResponse(file) };
  };

  const tokensOf = (run: FakeRun) => {
    const file = files.get(String(run.request.training_file));
    return Math.ceil((file?.bytes ?? 0) / 4) * Number(run.request.n_epochs ?? 1);
  };

  const job = (run: FakeRun, full: boolean) => {
    const status = {
      pending: 'pending',
      queued: 'queued',
      running: 'running',
      finishing: 'uploading',
      succeeded: 'completed',
      failed: 'error',
      cancelling: 'cancel_requested',
      cancelled: 'cancelled',
    }[run.phase];
    const done = run.phase === 'succeeded';
    const events = [
      {
        object: 'fine-tune-event',
        created_at: run.createdAt.toISOString(),
        level: 'info',
        message: 'Fine tune request created',
        type: 'job_pending',
      },
      ...(run.step > 0 || run.phase === 'running'
        ? [
            {
              object: 'fine-tune-event',
              created_at: new Date().toISOString(),
              level: 'info',
              message: 'Training started',
              type: 'training_start',
              total_steps: script.totalSteps,
              step: run.step,
            },
          ]
        : []),
      ...(run.phase === 'failed'
        ? [
            {
              object: 'fine-tune-event',
              created_at: new Date().toISOString(),
              level: 'error',
              message: run.error,
              type: 'job_error',
            },
          ]
        : []),
    ];
    return {
      id: run.id,
      status,
      created_at: run.createdAt.toISOString(),
      updated_at: new Date().toISOString(),
      model: run.request.model,
      training_file: run.request.training_file,
      validation_file: run.request.validation_file ?? '',
      n_epochs: run.request.n_epochs ?? 1,
      batch_size: run.request.batch_size ?? 'max',
      learning_rate: run.request.learning_rate ?? 0.00001,
      suffix: run.request.suffix,
      training_type: run.request.training_type ?? { type: 'Lora', lora_r: 8, lora_alpha: 8 },
      token_count: tokensOf(run),
      total_price: done || run.phase === 'cancelled' ? tokensOf(run) * NANODOLLARS_PER_TOKEN : 0,
      ...(done
        ? { model_output_name: `crm-test/${run.request.model}-${run.request.suffix}-${run.id.slice(3, 11)}` }
        : {}),
      events: full ? events : [],
      ...(full
        ? { epochs_completed: Math.floor((run.step / script.totalSteps) * Number(run.request.n_epochs ?? 1)) }
        : {}),
    };
  };

  const handle = async (request: ContractRequest): Promise<ContractReply> => {
    const { method, path } = request;
    // The presigned upload URL needs no API key, like the real one.
    const upload = /^\/upload\/(file-[\w-]+)$/.exec(path);
    if (method === 'PUT' && upload) {
      const pending = pendingUploads.get(upload[1]!);
      if (!pending) return { status: 404, raw: 'NoSuchUpload' };
      const reply = storeFile(pending.filename, pending.purpose, request.raw.toString('utf8'));
      if (reply.status !== 200) return reply;
      // Keep the id the 302 promised.
      const stored = files.get((reply.body as { id: string }).id)!;
      files.delete(stored.id);
      files.set(upload[1]!, { ...stored, id: upload[1]! });
      pendingUploads.delete(upload[1]!);
      return { status: 200, raw: '' };
    }
    if (bearer(request.headers) !== options.apiKey)
      return errorData(401, 'Invalid API key provided', 'invalid_api_key');

    if (method === 'POST' && path === '/v1/files') {
      const params = request.form ?? new FormData();
      const id = `file-${randomUUID()}`;
      pendingUploads.set(id, {
        filename: String(request.query.get('file_name') ?? params.get('file_name')),
        purpose: String(request.query.get('purpose') ?? params.get('purpose')),
      });
      return {
        status: 302,
        raw: '',
        headers: { location: `${server.url}/upload/${id}`, 'x-together-file-id': id },
      };
    }
    const fileMatch = /^\/v1\/files\/(file-[\w-]+)$/.exec(path);
    if (method === 'GET' && fileMatch) {
      const file = files.get(fileMatch[1]!);
      return file
        ? { status: 200, body: fileResponse(file) }
        : errorData(404, `File ${fileMatch[1]} not found`);
    }

    if (method === 'POST' && path === '/v1/fine-tunes') {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (typeof body.model !== 'string' || typeof body.training_file !== 'string')
        return errorData(400, 'model and training_file are required');
      if (!TOGETHER_MODELS.includes(body.model))
        return errorData(400, `Model ${body.model} is not supported for fine-tuning`);
      if (!files.has(body.training_file))
        return errorData(400, `Training file ${body.training_file} not found`);
      const type = body.training_type as { type?: string; lora_r?: number; lora_alpha?: number } | undefined;
      if (type?.type === 'Lora' && (typeof type.lora_r !== 'number' || typeof type.lora_alpha !== 'number'))
        return errorData(400, 'training_type Lora requires lora_r and lora_alpha');
      const run = new FakeRun(`ft-${randomUUID()}`, body, { ...script });
      runs.set(run.id, run);
      return { status: 200, body: job(run, false) };
    }
    if (method === 'GET' && path === '/v1/fine-tunes')
      return { status: 200, body: { data: [...runs.values()].map((run) => job(run, false)) } };
    const fineTune = /^\/v1\/fine-tunes\/(ft-[\w-]+)(\/\w+)?$/.exec(path);
    if (fineTune) {
      const run = runs.get(fineTune[1]!);
      if (!run) return errorData(404, `Fine-tune job ${fineTune[1]} not found`);
      const action = fineTune[2];
      if (method === 'GET' && !action) {
        run.advance();
        return { status: 200, body: job(run, true) };
      }
      if (method === 'GET' && action === '/metrics') {
        const from = Number(
          request.query.get('global_step_from') ??
            (request.body as { global_step_from?: number })?.global_step_from ??
            0,
        );
        return {
          status: 200,
          body: {
            metrics: run.logged
              .filter((entry) => entry.step >= from)
              .map((entry) => ({
                'train/loss': entry.loss,
                'train/learning_rate': entry.learningRate,
                'train/global_step': entry.step,
                ...(entry.evalLoss !== undefined ? { 'eval/loss': entry.evalLoss } : {}),
              })),
          },
        };
      }
      if (method === 'GET' && action === '/events')
        return { status: 200, body: { data: job(run, true).events } };
      if (method === 'POST' && action === '/cancel') {
        if (run.terminal) return errorData(400, `Job ${run.id} is already ${job(run, false).status}`);
        run.cancel();
        return { status: 200, body: job(run, false) };
      }
    }

    if (method === 'POST' && path === '/v1/endpoints') {
      const body = request.body as {
        model?: string;
        hardware?: string;
        autoscaling?: unknown;
        display_name?: string;
      };
      const trained = [...runs.values()].some((run) => job(run, false).model_output_name === body.model);
      if (!trained) return errorData(404, `Model ${body.model} not found`);
      const endpoint = {
        id: `endpoint-${randomUUID()}`,
        object: 'endpoint',
        name: `crm-test/${body.model}-${randomUUID().slice(0, 8)}`,
        model: body.model,
        type: 'dedicated',
        owner: 'crm-test',
        state: 'PENDING',
        hardware: body.hardware,
        autoscaling: body.autoscaling,
        display_name: body.display_name,
        created_at: new Date().toISOString(),
      };
      endpoints.set(endpoint.id, endpoint);
      return { status: 200, body: endpoint };
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      const body = request.body as { model: string; messages: { role: string; content: string }[] };
      if (![...endpoints.values()].some((endpoint) => endpoint.name === body.model))
        return errorData(404, `Unable to access model ${body.model}`);
      return chatCompletionReply(body);
    }
    return errorData(404, `Unknown route ${method} ${path}`);
  };

  server = await startContractServer(handle);
  return Object.assign(server, { baseUrl: `${server.url}/v1`, runs, files, script });
}
