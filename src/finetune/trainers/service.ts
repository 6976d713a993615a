// The service's side of the trainer protocol (docs/trainer-protocol.md). A workspace admin registers a
// worker and gets its token once (only a hash is kept). The worker claims the workspace's queued
// `self-hosted` jobs under the same database lease as every other trainer, downloads the dataset, reports each
// step (renewing the lease; the answer says whether to go on), uploads checkpoints and the result. A worker
// sees only the jobs it holds: every job route checks the lease, so a job taken over by another worker after a
// crash is closed to the first.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { displayPrefix, generateToken, hashToken } from '../../crm/identity/tokens.ts';
import { AppError } from '../../platform/errors.ts';
import { findBaseModel } from '../catalog.ts';
import { asMessages } from '../datasets/examples.ts';
import type { DatasetService } from '../datasets/service.ts';
import type { Job, Metric } from '../jobs/job.ts';
import { prepareJobDataset } from '../jobs/prepare.ts';
import type { JobRepository } from '../jobs/repository.ts';
import type { JobService } from '../jobs/service.ts';
import type { TrainerFiles } from './files.ts';
import type { Trainer, TrainerCapabilities, TrainerHardware, TrainerRepository } from './repository.ts';

export interface TrainerOptions {
  /** How long a worker holds a job without a word before another worker may resume it. */
  leaseMs: number;
  /** How often an idle worker asks for work. */
  pollMs: number;
}

export type TrainerHealth = 'training' | 'idle' | 'offline' | 'never-connected' | 'revoked';

export interface ClaimedJob {
  job: {
    id: string;
    name: string;
    baseModel: string;
    huggingFaceModel: string;
    method: string;
    hyperparameters: Job['hyperparameters'];
    datasetType: string;
  };
  resumeFromStep: number | null;
  leaseSeconds: number;
}

const ownerOf = (trainer: Trainer) => `trainer:${trainer.id}`;

export class TrainerService {
  constructor(
    private readonly trainers: TrainerRepository,
    private readonly jobs: JobRepository,
    private readonly jobService: JobService,
    private readonly datasets: DatasetService,
    private readonly files: TrainerFiles,
    private readonly options: TrainerOptions,
  ) {}

  // --- administration (workspace admins) ---

  async create(workspaceId: string, name: string, createdBy?: string) {
    const token = generateToken();
    const trainer: Trainer = {
      id: randomUUID(),
      workspaceId,
      name,
      tokenPrefix: displayPrefix(token),
      hardware: null,
      capabilities: null,
      currentJobId: null,
      lastSeenAt: null,
      createdBy: createdBy ?? null,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    };
    await this.trainers.insert(trainer, hashToken(token));
    return { trainer: this.withHealth(trainer), token };
  }

  async list(workspaceId: string) {
    return (await this.trainers.list(workspaceId)).map((trainer) => this.withHealth(trainer));
  }

  async revoke(workspaceId: string, id: string) {
    const trainer = await this.trainers.find(workspaceId, id);
    if (!trainer) throw new AppError('TRAINER_NOT_FOUND', 404, `trainer ${id} not found`);
    await this.trainers.revoke(workspaceId, id);
  }

  /** A worker is healthy while it has been heard from within a few polls (or a lease, while training). */
  private withHealth(trainer: Trainer): Trainer & { health: TrainerHealth } {
    const silentFor = trainer.lastSeenAt ? Date.now() - Date.parse(trainer.lastSeenAt) : Infinity;
    const health: TrainerHealth = trainer.revokedAt
      ? 'revoked'
      : !trainer.lastSeenAt
        ? 'never-connected'
        : trainer.currentJobId && silentFor < this.options.leaseMs
          ? 'training'
          : silentFor < Math.max(3 * this.options.pollMs, 60_000)
            ? 'idle'
            : 'offline';
    return { ...trainer, health };
  }

  // --- the protocol (workers) ---

  async authenticate(authorization: string | undefined): Promise<Trainer> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    const trainer = token ? await this.trainers.byTokenHash(hashToken(token)) : undefined;
    if (!trainer)
      throw new AppError('TRAINER_TOKEN_INVALID', 401, 'missing, unknown or revoked trainer token');
    return trainer;
  }

  async register(
    trainer: Trainer,
    hardware: TrainerHardware,
    capabilities: TrainerCapabilities,
  ): Promise<{ trainerId: string; pollSeconds: number; leaseSeconds: number }> {
    await this.trainers.seen(trainer.id, { hardware, capabilities });
    return {
      trainerId: trainer.id,
      pollSeconds: this.options.pollMs / 1000,
      leaseSeconds: this.options.leaseMs / 1000,
    };
  }

  /** The oldest job of the worker's workspace it can run (method and model), or undefined. */
  async claim(trainer: Trainer): Promise<ClaimedJob | undefined> {
    const capabilities = trainer.capabilities;
    if (!capabilities) throw new AppError('TRAINER_NOT_REGISTERED', 409, 'register before claiming jobs');
    await this.trainers.seen(trainer.id, {});
    const owner = ownerOf(trainer);
    let job = await this.jobs.claim(owner, this.options.leaseMs, {
      workspaceId: trainer.workspaceId,
      providers: ['self-hosted'],
      methods: capabilities.methods,
      ...(capabilities.hub ? {} : { baseModels: capabilities.models }),
    });
    if (!job) return undefined;
    const write = (patch: Partial<Job>) => this.jobs.update(job!.id, owner, this.options.leaseMs, patch);
    try {
      if (!job.datasetId) {
        await write({ status: 'validating' });
        job = await prepareJobDataset(job, this.datasets, this.jobService, write);
      }
    } catch (error) {
      await write({
        status: 'failed',
        error: (error as Error).message,
        finishedAt: new Date().toISOString(),
      });
      return this.claim(trainer);
    }
    await write({ status: 'running', startedAt: job.startedAt ?? new Date().toISOString() });
    await this.trainers.seen(trainer.id, { currentJobId: job.id });
    const dataset = await this.datasets.get(job.workspaceId, job.datasetId!);
    return {
      job: {
        id: job.id,
        name: job.name,
        baseModel: job.baseModel,
        huggingFaceModel: findBaseModel(job.baseModel)?.providerModels['self-hosted'] ?? job.baseModel,
        method: job.method,
        hyperparameters: job.hyperparameters,
        datasetType: dataset.type,
      },
      resumeFromStep: this.files.checkpoint(job.id)?.step ?? null,
      leaseSeconds: this.options.leaseMs / 1000,
    };
  }

  /** The job if this worker holds it; 409 otherwise (never a job it does not hold, from any workspace). */
  async held(trainer: Trainer, jobId: string): Promise<Job> {
    const job = await this.jobs.findLeased(jobId, ownerOf(trainer));
    if (!job || job.workspaceId !== trainer.workspaceId || job.status !== 'running')
      throw new AppError('JOB_NOT_HELD', 409, `this worker does not hold job ${jobId}`);
    return job;
  }

  /** The dataset as JSONL, one conversation per line: {"split": "train" | "validation", "messages": [...]}. */
  async datasetLines(trainer: Trainer, jobId: string): Promise<string> {
    const job = await this.held(trainer, jobId);
    const dataset = await this.datasets.get(job.workspaceId, job.datasetId!);
    const rows = await this.datasets.examples(job.workspaceId, job.datasetId!);
    return rows
      .map(
        (row) => `${JSON.stringify({ split: row.split, messages: asMessages(dataset.type, row.example) })}\n`,
      )
      .join('');
  }

  /** Records a step's metrics and renews the lease; says whether the worker should go on. */
  async progress(
    trainer: Trainer,
    jobId: string,
    report: { step: number; totalSteps: number; metrics: Omit<Metric, 'at'>[] },
  ): Promise<{ keepGoing: boolean; cancelRequested: boolean }> {
    await this.held(trainer, jobId);
    const at = new Date().toISOString();
    for (const metric of report.metrics) await this.jobs.recordMetric(jobId, { ...metric, at });
    const { held, cancelRequested } = await this.jobs.update(jobId, ownerOf(trainer), this.options.leaseMs, {
      step: report.step,
      totalSteps: report.totalSteps,
      progress: report.totalSteps ? report.step / report.totalSteps : 0,
    });
    await this.trainers.seen(trainer.id, { currentJobId: jobId });
    return { keepGoing: held && !cancelRequested, cancelRequested };
  }

  /** Renews the lease while the worker loads a model or writes files (no step to report). */
  async heartbeat(trainer: Trainer, jobId: string) {
    await this.held(trainer, jobId);
    const { held, cancelRequested } = await this.jobs.update(
      jobId,
      ownerOf(trainer),
      this.options.leaseMs,
      {},
    );
    await this.trainers.seen(trainer.id, { currentJobId: jobId });
    return { keepGoing: held && !cancelRequested, cancelRequested };
  }

  async saveCheckpoint(trainer: Trainer, jobId: string, step: number, body: Readable): Promise<void> {
    await this.held(trainer, jobId);
    await this.files.saveCheckpoint(jobId, step, body);
  }

  async checkpoint(trainer: Trainer, jobId: string): Promise<{ step: number; file: string }> {
    await this.held(trainer, jobId);
    const checkpoint = this.files.checkpoint(jobId);
    if (!checkpoint) throw new AppError('CHECKPOINT_NOT_FOUND', 404, `job ${jobId} has no checkpoint yet`);
    return checkpoint;
  }

  async saveArtifact(trainer: Trainer, jobId: string, body: Readable): Promise<void> {
    await this.held(trainer, jobId);
    try {
      await this.files.saveArtifact(jobId, body);
    } catch (error) {
      throw new AppError(
        'ARTIFACT_UNREADABLE',
        400,
        `the artifact is not a tar archive: ${(error as Error).message}`,
      );
    }
  }

  async complete(trainer: Trainer, jobId: string, result: Record<string, unknown>): Promise<Job> {
    const job = await this.held(trainer, jobId);
    const artifact = this.files.artifactDirectory(job.id);
    if (!this.files.hasArtifact(job.id))
      throw new AppError(
        'ARTIFACT_MISSING',
        409,
        'upload the artifact (PUT …/artifact) before completing the job',
      );
    await this.finish(trainer, job, {
      status: 'succeeded',
      progress: 1,
      result: {
        ...result,
        provider: 'self-hosted',
        artifact,
        modelName: `crm-${job.id.slice(0, 8)}`,
        trainer: { id: trainer.id, name: trainer.name },
      },
    });
    return this.jobService.get(job.workspaceId, job.id);
  }

  async fail(trainer: Trainer, jobId: string, error: string): Promise<void> {
    const job = await this.held(trainer, jobId);
    await this.finish(trainer, job, { status: 'failed', error });
  }

  /** The worker stopped: a cancel ends the job; otherwise (shutdown) it goes back to the queue at once. */
  async stop(trainer: Trainer, jobId: string): Promise<{ status: 'cancelled' | 'released' }> {
    const job = await this.held(trainer, jobId);
    if (job.cancelRequested) {
      await this.finish(trainer, job, { status: 'cancelled' });
      return { status: 'cancelled' };
    }
    await this.jobs.release(job.id, ownerOf(trainer));
    await this.trainers.seen(trainer.id, { currentJobId: null });
    return { status: 'released' };
  }

  private async finish(trainer: Trainer, job: Job, patch: Partial<Job>) {
    await this.jobs.update(job.id, ownerOf(trainer), this.options.leaseMs, {
      ...patch,
      finishedAt: new Date().toISOString(),
    });
    this.files.dropCheckpoint(job.id);
    await this.trainers.seen(trainer.id, { currentJobId: null });
  }
}
