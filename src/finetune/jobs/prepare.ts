// The step between a job that asked for workspace data and one that can train: its dataset is built, checked
// against the provider's rules and estimated. Whichever worker claims the job first does it (the in-process
// worker, or the trainer protocol for a self-hosted job).
import type { DatasetService } from '../datasets/service.ts';
import type { Job } from './job.ts';
import type { JobService } from './service.ts';

export async function prepareJobDataset(
  job: Job,
  datasets: DatasetService,
  jobs: Pick<JobService, 'estimate'>,
  write: (patch: Partial<Job>) => Promise<unknown>,
): Promise<Job> {
  if (job.datasetId) return { ...job, status: 'queued' };
  const training = job.trainingData!;
  const type = job.provider === 'local' ? 'classification' : training.type;
  const dataset = await datasets.create(job.workspaceId, {
    name: `${job.name} (data)`,
    type,
    baseModel: job.baseModel,
    validationSplit: 0.1,
    trainingData: { source: 'workspace', filters: training.filters },
  });
  const check = dataset.providerChecks.find((c) => c.provider === job.provider);
  if (check && !check.valid)
    throw new Error(`the dataset does not meet ${job.provider}'s rules: ${check.errors.join('; ')}`);
  const estimate = await jobs.estimate(job.workspaceId, {
    baseModel: job.baseModel,
    method: job.method,
    provider: job.provider,
    datasetId: dataset.id,
    epochs: job.hyperparameters.epochs,
  });
  await write({ datasetId: dataset.id, estimate, status: 'queued' });
  return { ...job, datasetId: dataset.id, estimate, status: 'queued' };
}
