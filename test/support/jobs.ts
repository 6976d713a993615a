// Waiting on a fine-tuning job over HTTP, as a client of the API would.
import type { Tenant } from './app.ts';

export type JobBody = any;

export async function waitForJob(
  api: Tenant['api'],
  workspaceId: string,
  jobId: string,
  done: (job: JobBody) => boolean,
  timeoutMs = 20_000,
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api.get(`/api/ai/fine-tuning/${workspaceId}/jobs/${jobId}`)).body;
    if (done(job)) return job;
    if (Date.now() > deadline)
      throw new Error(`job ${jobId} is still ${job.status} (${job.error ?? 'no error'})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A completion dataset of `examples` uploaded question/answer lines, for jobs that only need some data. */
export async function uploadCompletionDataset(
  api: Tenant['api'],
  workspaceId: string,
  examples: number,
  name = 'Upload',
) {
  const created = await api.post(`/api/ai/fine-tuning/${workspaceId}/datasets`, {
    name,
    type: 'completion',
    trainingData: {
      source: 'upload',
      jsonl: Array.from({ length: examples }, (_, i) =>
        JSON.stringify({ prompt: `Q${i}?`, completion: `Answer number ${i}.` }),
      ).join('\n'),
    },
  });
  if (created.status !== 201) throw new Error(`dataset upload refused: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/** Creates a local `crm-classifier` job on a dataset and waits for it to finish; throws unless it succeeded. */
export async function trainLocalClassifier(
  api: Tenant['api'],
  workspaceId: string,
  datasetId: string,
  name: string,
  hyperparameters = { epochs: 2, batchSize: 32, learningRate: 0.5 },
): Promise<JobBody> {
  const created = await api.post(`/api/ai/fine-tuning/${workspaceId}/jobs`, {
    name,
    baseModel: 'crm-classifier',
    method: 'full',
    provider: 'local',
    datasetId,
    hyperparameters,
  });
  if (created.status !== 201) throw new Error(`job refused: ${JSON.stringify(created.body)}`);
  if (created.body.simulated !== false) throw new Error('a local job must not be simulated');
  const job = await waitForJob(api, workspaceId, created.body.id, (j) =>
    ['succeeded', 'failed'].includes(j.status),
  );
  if (job.status !== 'succeeded') throw new Error(`job ${job.id} ${job.status}: ${job.error}`);
  return job;
}
