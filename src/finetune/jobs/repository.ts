// SQL on the jobs table and its metrics (ft_jobs, ft_job_metrics), including the lease queue: workers claim
// a job with a conditional update, so one worker in the cluster runs it, and a job whose worker died is
// claimed again once its lease runs out. The lease is the job's durable state; queue messages only wake
// workers up.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import type { DatasetUsage } from '../datasets/service.ts';
import type { FineTuningTables } from '../tables.ts';
import type { DeployStatus, Job, JobStatus, Metric } from './job.ts';

type JobRow = Selectable<FineTuningTables['ftJobs']>;

/** Which jobs a worker may claim: one job, one workspace's, or those of some providers, methods and models. */
export interface ClaimFilter {
  id?: string;
  workspaceId?: string;
  providers?: readonly string[];
  exceptProviders?: readonly string[];
  methods?: readonly string[];
  baseModels?: readonly string[];
}

export class JobRepository {
  constructor(private readonly db: Kysely<FineTuningTables>) {}

  async insert(job: Job): Promise<void> {
    await this.db
      .insertInto('ftJobs')
      .values({ ...toRow(job), leaseOwner: null, leaseExpiresAt: null } as Insertable<
        FineTuningTables['ftJobs']
      >)
      .execute();
  }

  async list(workspaceId: string, filter: { status?: JobStatus } = {}): Promise<Job[]> {
    let query = this.db.selectFrom('ftJobs').selectAll().where('workspaceId', '=', workspaceId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return (await query.orderBy('createdAt', 'desc').limit(500).execute()).map(fromRow);
  }

  async find(workspaceId: string, id: string): Promise<Job | undefined> {
    const row = await this.db
      .selectFrom('ftJobs')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** The jobs that trained, or are training, on a dataset. */
  async usingDataset(workspaceId: string, datasetId: string): Promise<DatasetUsage[]> {
    const rows = await this.db
      .selectFrom('ftJobs')
      .select(['id as jobId', 'name', 'status', 'createdAt'])
      .where('workspaceId', '=', workspaceId)
      .where('datasetId', '=', datasetId)
      .orderBy('createdAt', 'desc')
      .execute();
    return rows;
  }

  /** Jobs per status and provider, over every workspace (for the metrics). */
  countsByStatus() {
    return this.db
      .selectFrom('ftJobs')
      .select(['status', 'provider', (eb) => eb.fn.countAll<number>().as('jobs')])
      .groupBy(['status', 'provider'])
      .execute();
  }

  async metrics(jobId: string, afterStep = -1): Promise<Metric[]> {
    const rows = await this.db
      .selectFrom('ftJobMetrics')
      .selectAll()
      .where('jobId', '=', jobId)
      .where('step', '>', afterStep)
      .orderBy('step')
      .execute();
    return rows.map((row) => ({
      step: Number(row.step),
      epoch: Number(row.epoch),
      loss: row.loss === null ? null : Number(row.loss),
      evalLoss: row.evalLoss === null ? null : Number(row.evalLoss),
      learningRate: row.learningRate === null ? null : Number(row.learningRate),
      accuracy: row.accuracy === null ? null : Number(row.accuracy),
      tokensPerSec: row.tokensPerSec === null ? null : Number(row.tokensPerSec),
      gpuMemoryGib: row.gpuMemoryGib === null ? null : Number(row.gpuMemoryGib),
      at: String(row.at),
    }));
  }

  async recordMetric(jobId: string, metric: Metric): Promise<void> {
    await this.db
      .insertInto('ftJobMetrics')
      .values({ jobId, ...metric })
      .onConflict((oc) => oc.columns(['jobId', 'step']).doUpdateSet({ ...metric }))
      .execute();
  }

  /** A waiting job is cancelled at once; a running one is flagged and its worker ends it at the next step. */
  async cancel(id: string, waiting: boolean): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .updateTable('ftJobs')
      .set(
        waiting
          ? { status: 'cancelled', finishedAt: now, updatedAt: now }
          : { cancelRequested: 1, updatedAt: now },
      )
      .where('id', '=', id)
      .execute();
  }

  async setDeployment(
    workspaceId: string,
    id: string,
    deployStatus: DeployStatus,
    deployment: Record<string, unknown> | null,
  ): Promise<void> {
    await this.db
      .updateTable('ftJobs')
      .set({ deployStatus, deployment: writeJson(deployment), updatedAt: new Date().toISOString() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }

  // --- the lease queue, used by the workers ---

  /**
   * Claims one job that needs work (this one, when `onlyId` is given): waiting, or left behind by a worker
   * whose lease ran out. The conditional update makes the claim exclusive across the cluster.
   */
  async claim(owner: string, leaseMs: number, filter: ClaimFilter = {}): Promise<Job | undefined> {
    const now = new Date().toISOString();
    let query = this.db
      .selectFrom('ftJobs')
      .select(['id', 'status', 'leaseExpiresAt'])
      .where((eb) =>
        eb.or([
          eb('status', 'in', ['created', 'queued']),
          eb.and([eb('status', 'in', ['validating', 'running']), eb('leaseExpiresAt', '<', now)]),
        ]),
      );
    if (filter.id) query = query.where('id', '=', filter.id);
    if (filter.workspaceId) query = query.where('workspaceId', '=', filter.workspaceId);
    if (filter.providers) query = query.where('provider', 'in', filter.providers);
    if (filter.exceptProviders) query = query.where('provider', 'not in', filter.exceptProviders);
    if (filter.methods) query = query.where('method', 'in', filter.methods);
    if (filter.baseModels) query = query.where('baseModel', 'in', filter.baseModels);
    const candidates = await query.orderBy('createdAt').limit(5).execute();
    for (const candidate of candidates) {
      const claimed = await this.db
        .updateTable('ftJobs')
        .set({
          leaseOwner: owner,
          leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
          updatedAt: now,
        })
        .where('id', '=', candidate.id)
        .where('status', '=', candidate.status)
        .where((eb) =>
          candidate.leaseExpiresAt === null
            ? eb('leaseExpiresAt', 'is', null)
            : eb('leaseExpiresAt', '=', candidate.leaseExpiresAt),
        )
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) {
        const row = await this.db
          .selectFrom('ftJobs')
          .selectAll()
          .where('id', '=', candidate.id)
          .executeTakeFirstOrThrow();
        return fromRow(row);
      }
    }
    return undefined;
  }

  /** Writes the worker's view of a job; `held` is false when the lease was lost (another worker took over). */
  async update(
    id: string,
    owner: string,
    leaseMs: number,
    patch: Partial<Job>,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    const now = new Date().toISOString();
    // One statement per training step: the write, and whether a cancel arrived, come back together.
    const row = await this.db
      .updateTable('ftJobs')
      .set({
        ...toRow(patch, true),
        leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
        updatedAt: now,
      })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .returning('cancelRequested')
      .executeTakeFirst();
    return { held: row !== undefined, cancelRequested: Number(row?.cancelRequested ?? 0) === 1 };
  }

  /** The job if `owner` holds its lease now (a remote worker may touch only the jobs it claimed). */
  async findLeased(id: string, owner: string): Promise<Job | undefined> {
    const row = await this.db
      .selectFrom('ftJobs')
      .selectAll()
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** Gives a job back at shutdown, so another worker resumes it at once instead of after the lease. */
  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('ftJobs')
      .set({ leaseExpiresAt: new Date(0).toISOString() })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .execute();
  }
}

const JSON_FIELDS = [
  'trainingData',
  'hyperparameters',
  'estimate',
  'result',
  'deployment',
  'providerRun',
] as const;

/** A job (or part of one, for an update) as column values: JSON as text, flags as 0/1. */
function toRow(job: Partial<Job>, partial = false) {
  const row: Record<string, unknown> = { ...job };
  for (const field of JSON_FIELDS) if (field in job || !partial) row[field] = writeJson(job[field]);
  if ('simulated' in job) row.simulated = job.simulated ? 1 : 0;
  if ('cancelRequested' in job) row.cancelRequested = job.cancelRequested ? 1 : 0;
  return row as Partial<Insertable<FineTuningTables['ftJobs']>>;
}

function fromRow(row: JobRow): Job {
  const { leaseOwner: _owner, leaseExpiresAt: _expires, ...columns } = row;
  const job = { ...columns } as Record<string, unknown>;
  for (const field of JSON_FIELDS) job[field] = readJson(row[field], null);
  return {
    ...(job as unknown as Job),
    simulated: Number(row.simulated) === 1,
    cancelRequested: Number(row.cancelRequested) === 1,
    progress: Number(row.progress),
    step: Number(row.step),
    totalSteps: Number(row.totalSteps),
  };
}
