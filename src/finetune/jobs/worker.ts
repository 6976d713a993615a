// Runs fine-tuning jobs: polls the database for work, claims one job at a time under a lease (renewed with
// every progress report), builds its dataset if the job asked for one, and hands it to the provider's
// trainer. A job whose worker died is claimed again when its lease runs out, and resumes after its last
// recorded step. Any API instance can run a worker; they coordinate through the leases.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger.ts';
import type { ProviderName } from '../catalog.ts';
import type { DatasetService } from '../datasets/service.ts';
import type { Job, Metric } from './job.ts';
import { prepareJobDataset } from './prepare.ts';
import type { JobRepository } from './repository.ts';
import type { JobService } from './service.ts';
import { StopTraining, type Trainer } from './trainers.ts';

export interface WorkerOptions {
  pollMs: number;
  leaseMs: number;
  artifactDirectory: string;
  /** Told when a job left by another worker is taken over. */
  onRetry?: () => void;
}

export class JobWorker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly jobs: JobService,
    /** The lease queue and the metrics table. */
    private readonly queue: JobRepository,
    private readonly datasets: DatasetService,
    private readonly trainers: Partial<Record<ProviderName, Trainer>>,
    private readonly log: Logger,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current;
  }

  /** Runs this job now if no worker holds it (a queued job's message); the lease decides who runs it. */
  async runJob(jobId: string): Promise<void> {
    await this.current;
    return this.tick(jobId);
  }

  /** Claims and runs one job if there is one; resolves when it is done (tests call this directly). */
  async tick(onlyId?: string): Promise<void> {
    if (this.current || this.stopping) return this.current;
    this.current = (async () => {
      try {
        // Self-hosted jobs belong to the Python workers, which claim them over the trainer protocol.
        const job = await this.queue.claim(this.id, this.options.leaseMs, {
          id: onlyId,
          exceptProviders: ['self-hosted'],
        });
        // A claimed job already past queued was left by a worker that stopped or died.
        if (job && (job.status === 'running' || job.status === 'validating')) this.options.onRetry?.();
        if (job) await this.process(job);
      } catch (error) {
        this.log.error({ err: error }, 'fine-tuning worker failed to claim a job');
      } finally {
        this.current = undefined;
      }
    })();
    return this.current;
  }

  private async write(job: Job, patch: Partial<Job>) {
    return this.queue.update(job.id, this.id, this.options.leaseMs, patch);
  }

  private async process(claimed: Job): Promise<void> {
    let job = claimed;
    try {
      if (job.status === 'created' || job.status === 'validating' || !job.datasetId) {
        await this.write(job, { status: 'validating' });
        job = await prepareJobDataset(job, this.datasets, this.jobs, (patch) => this.write(job, patch));
      }
      const trainer = this.trainers[job.provider];
      if (!trainer) throw new Error(`no trainer for provider ${job.provider} on this worker`);
      await this.write(job, { status: 'running', startedAt: job.startedAt ?? new Date().toISOString() });
      const dataset = await this.datasets.get(job.workspaceId, job.datasetId!);
      const examples = await this.datasets.examples(job.workspaceId, job.datasetId!);
      const recorded = await this.queue.metrics(job.id);
      const result = await trainer.run({
        job,
        type: dataset.type,
        train: examples.filter((row) => row.split === 'train').map((row) => row.example),
        validation: examples.filter((row) => row.split === 'validation').map((row) => row.example),
        resumeAfterStep: recorded.at(-1)?.step ?? 0,
        artifactDirectory: this.options.artifactDirectory,
        report: async (step, totalSteps, metric) => {
          if (metric)
            await this.queue.recordMetric(job.id, { ...metric, at: new Date().toISOString() } as Metric);
          const { held, cancelRequested } = await this.write(job, {
            step,
            totalSteps,
            progress: totalSteps ? step / totalSteps : 0,
          });
          return held && !cancelRequested && !this.stopping;
        },
        cancelRequested: async () => (await this.jobs.get(job.workspaceId, job.id)).cancelRequested,
        saveProviderRun: async (providerRun) => {
          await this.write(job, { providerRun });
        },
      });
      await this.write(job, {
        status: 'succeeded',
        progress: 1,
        result: { ...(await this.lastLosses(job.id)), ...result },
        finishedAt: new Date().toISOString(),
      });
      this.log.info({ jobId: job.id, provider: job.provider }, 'fine-tuning job succeeded');
    } catch (error) {
      if (error instanceof StopTraining) {
        const latest = await this.jobs.get(job.workspaceId, job.id);
        // Stopping for shutdown leaves the job to the next worker; a cancel ends it.
        if (latest.cancelRequested)
          await this.write(job, { status: 'cancelled', finishedAt: new Date().toISOString() });
        else await this.queue.release(job.id, this.id);
        return;
      }
      this.log.warn({ jobId: job.id, err: error }, 'fine-tuning job failed');
      await this.write(job, {
        status: 'failed',
        error: (error as Error).message,
        finishedAt: new Date().toISOString(),
      });
    }
  }

  /** The run's last training and evaluation loss, from its recorded metrics, for comparing trained models. */
  private async lastLosses(jobId: string) {
    const metrics = (await this.queue.metrics(jobId)).reverse();
    return {
      finalLoss: metrics.find((metric) => metric.loss !== null)?.loss ?? null,
      evalLoss: metrics.find((metric) => metric.evalLoss !== null)?.evalLoss ?? null,
    };
  }
}
