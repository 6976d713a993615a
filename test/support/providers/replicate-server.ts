// A local server that follows Replicate's training contract (provider-contracts.md §3): Bearer or Token auth,
// RFC 7807 errors, multipart POST /files answering `urls.get`, models with `latest_version`, creating a
// destination model, POST …/versions/{id}/trainings, trainings starting → processing → succeeded | failed |
// canceled with loss only in the free-text logs (tqdm bars and Hugging Face Trainer dicts), the new version
// in `output.version`, `metrics.predict_time`, and predictions against a trained version. The official
// `replicate` SDK is run against it in the tests.
import { createHash, randomUUID } from 'node:crypto';
import {
  type ContractReply,
  type ContractRequest,
  type ContractServer,
  startContractServer,
} from '../contract-server.ts';
import { bearer, FakeRun, findingsOf, jsonlProblem, type RunScript } from './fake-training.ts';

export const REPLICATE_TRAINERS: Record<string, string> = {
  'meta/meta-llama-3-8b-instruct': 'a'.repeat(64),
  'mistralai/mistral-7b-instruct-v0.2': 'b'.repeat(64),
};

export interface ReplicateServer extends ContractServer {
  baseUrl: string;
  runs: Map<string, FakeRun>;
  models: Map<string, { owner: string; name: string; versions: string[] }>;
  script: RunScript;
}

function problem(status: number, detail: string): ContractReply {
  return { status, body: { title: status === 404 ? 'Not found' : 'Invalid request', status, detail } };
}

export async function startReplicateServer(options: { apiKey: string }): Promise<ReplicateServer> {
  const runs = new Map<string, FakeRun>();
  const files = new Map<string, string>();
  const models: ReplicateServer['models'] = new Map();
  const trainedVersions = new Map<string, string>();
  const fileProblems = new Map<string, string>();
  const script: RunScript = { totalSteps: 6, stepsPerPoll: 2 };
  let server!: ContractServer;

  const logs = (run: FakeRun) =>
    run.logged
      .flatMap((entry) => [
        `${Math.floor((entry.step / script.totalSteps) * 100)}%|${'█'.repeat(entry.step)}| ${entry.step}/${script.totalSteps} [00:0${entry.step}<00:10, 1.00it/s]`,
        `{'loss': ${entry.loss}, 'grad_norm': 1.2, 'learning_rate': ${entry.learningRate}, 'epoch': ${(entry.step / script.totalSteps).toFixed(2)}}`,
      ])
      .join('\n');

  const training = (run: FakeRun) => {
    const status = {
      pending: 'starting',
      queued: 'starting',
      running: 'processing',
      finishing: 'processing',
      succeeded: 'succeeded',
      failed: 'failed',
      cancelling: 'canceled',
      cancelled: 'canceled',
    }[run.phase];
    const destination = String(run.request.destination);
    return {
      id: run.id,
      model: run.request.trainer,
      version: run.request.version,
      input: run.request.input,
      logs: logs(run),
      error: run.phase === 'failed' ? (fileProblems.get(run.id) ?? run.error) : null,
      status,
      source: 'api',
      created_at: run.createdAt.toISOString(),
      started_at: run.phase === 'pending' ? null : run.createdAt.toISOString(),
      completed_at: run.terminal ? new Date().toISOString() : null,
      output:
        run.phase === 'succeeded'
          ? { version: trainedVersions.get(run.id), weights: `${server.url}/weights/${run.id}.tar` }
          : null,
      metrics: run.terminal ? { predict_time: 1800, total_time: 1830 } : {},
      urls: {
        get: `${server.url}/v1/trainings/${run.id}`,
        cancel: `${server.url}/v1/trainings/${run.id}/cancel`,
        web: `https://replicate.com/${destination}`,
      },
    };
  };

  const handle = async (request: ContractRequest): Promise<ContractReply> => {
    const { method, path } = request;
    if (bearer(request.headers) !== options.apiKey) return problem(401, 'Invalid token.');

    if (method === 'POST' && path === '/v1/files') {
      const content = request.form?.get('content');
      if (!(content instanceof Blob)) return problem(400, 'a content part is required');
      const id = randomUUID().replaceAll('-', '');
      const text = await content.text();
      files.set(id, text);
      return {
        status: 201,
        body: {
          id,
          checksums: { sha256: createHash('sha256').update(text).digest('hex') },
          content_type: String(request.form?.get('type') ?? 'application/octet-stream'),
          created_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 86_400_000).toISOString(),
          metadata: {},
          size: Buffer.byteLength(text),
          urls: { get: `${server.url}/v1/files/${id}` },
        },
      };
    }
    const modelMatch = /^\/v1\/models\/([\w.-]+)\/([\w.-]+)$/.exec(path);
    if (method === 'GET' && modelMatch) {
      const slug = `${modelMatch[1]}/${modelMatch[2]}`;
      const trainer = REPLICATE_TRAINERS[slug];
      const model = models.get(slug);
      if (!trainer && !model) return problem(404, 'Not found.');
      const latest = trainer ?? model!.versions.at(-1);
      return {
        status: 200,
        body: {
          url: `https://replicate.com/${slug}`,
          owner: modelMatch[1],
          name: modelMatch[2],
          visibility: trainer ? 'public' : 'private',
          latest_version: latest ? { id: latest } : null,
        },
      };
    }
    if (method === 'POST' && path === '/v1/models') {
      const body = request.body as { owner?: string; name?: string; visibility?: string; hardware?: string };
      if (!body.owner || !body.name || !body.visibility || !body.hardware)
        return problem(422, 'owner, name, visibility and hardware are required');
      const slug = `${body.owner}/${body.name}`;
      if (models.has(slug)) return problem(409, 'A model with that name already exists.');
      models.set(slug, { owner: body.owner, name: body.name, versions: [] });
      return {
        status: 201,
        body: { owner: body.owner, name: body.name, visibility: body.visibility, latest_version: null },
      };
    }
    const create = /^\/v1\/models\/([\w.-]+\/[\w.-]+)\/versions\/(\w+)\/trainings$/.exec(path);
    if (method === 'POST' && create) {
      const [, trainer, version] = create;
      if (REPLICATE_TRAINERS[trainer!] !== version)
        return problem(404, `Version ${version} of ${trainer} not found.`);
      const body = request.body as { destination?: string; input?: { train_data?: string } };
      if (!body.destination || !models.has(body.destination))
        return problem(404, `The destination model ${body.destination} does not exist.`);
      const fileId = body.input?.train_data?.split('/').at(-1) ?? '';
      if (!files.has(fileId)) return problem(422, 'input.train_data: a URL to a JSONL file is required');
      const run = new FakeRun(
        randomUUID().replaceAll('-', '').slice(0, 26),
        { ...body, trainer, version },
        { ...script },
      );
      const fileProblem = jsonlProblem(files.get(fileId)!, 'prompt-completion');
      if (fileProblem) {
        run.phase = 'queued';
        fileProblems.set(run.id, `Training failed: train_data is not valid JSONL: ${fileProblem}`);
      }
      trainedVersions.set(run.id, createHash('sha256').update(run.id).digest('hex'));
      runs.set(run.id, run);
      return { status: 201, body: training(run) };
    }
    const trainingMatch = /^\/v1\/trainings\/(\w+)(\/cancel)?$/.exec(path);
    if (trainingMatch) {
      const run = runs.get(trainingMatch[1]!);
      if (!run) return problem(404, 'Not found.');
      if (method === 'GET' && !trainingMatch[2]) {
        if (run.phase === 'queued' && fileProblems.has(run.id)) run.phase = 'failed';
        else run.advance();
        if (run.phase === 'succeeded')
          models.get(String(run.request.destination))?.versions.push(trainedVersions.get(run.id)!);
        return { status: 200, body: training(run) };
      }
      if (method === 'POST' && trainingMatch[2]) {
        if (!run.terminal) run.phase = 'cancelled';
        return { status: 200, body: training(run) };
      }
    }
    if (method === 'GET' && path === '/v1/trainings')
      return {
        status: 200,
        body: { next: null, previous: null, results: [...runs.values()].reverse().map(training) },
      };
    if (method === 'POST' && path === '/v1/predictions') {
      const body = request.body as { version?: string; input?: { prompt?: string } };
      const trained = [...models.values()].some((model) => model.versions.includes(String(body.version)));
      if (!trained) return problem(422, `Invalid version or not permitted: ${body.version}`);
      const prompt = body.input?.prompt ?? '';
      const user = /User: ([\s\S]*?)\n\nAssistant:/.exec(prompt)?.[1] ?? '{}';
      const content = findingsOf([{ role: 'user', content: user }]);
      return {
        status: 201,
        body: {
          id: randomUUID().replaceAll('-', '').slice(0, 26),
          version: body.version,
          status: 'succeeded',
          output: content.match(/.{1,16}/gs),
          error: null,
          metrics: {
            input_token_count: Math.ceil(prompt.length / 4),
            output_token_count: Math.ceil(content.length / 4),
            predict_time: 0.4,
          },
          urls: { get: `${server.url}/v1/predictions/x` },
        },
      };
    }
    return problem(404, `No route for ${method} ${path}`);
  };

  server = await startContractServer(handle);
  return Object.assign(server, { baseUrl: `${server.url}/v1`, runs, models, script });
}
