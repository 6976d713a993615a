// The lead-conversion and deal-win scorers of each workspace. Trained on its own decided leads (converted vs
// unqualified) and closed deals (won vs lost) over every field they have, versioned in the database, and
// retrained in the background (job queue "scoring") on a schedule and when enough new outcomes arrive. A
// workspace's first model is trained on first use; with too little history a stated prior stands in.
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { ActiveRecordClassifier } from '../../ai/registry.ts';
import { MIN_ROWS_PER_CLASS, TabularScorer } from '../../ai/scoring/tabular-scorer.ts';
import { entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import type { ScoredEntityType } from '../../crm/records/features.ts';
import type { RecordsService } from '../../crm/records/service.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { AgentTables } from '../tables.ts';
import { PriorScorer, type RecordScorer, TrainedScorer } from './scorer.ts';
import { ScorerStore, type StoredScorer } from './scorer-store.ts';
import { outcomeOf, readSnapshot, trainingSetOf, type WorkspaceSnapshot } from './workspace-data.ts';

export type { WorkspaceSnapshot } from './workspace-data.ts';

export interface WorkspaceModels {
  lead: RecordScorer;
  deal: RecordScorer;
  snapshot: WorkspaceSnapshot;
}

export interface TrainingReport {
  kind: ScoredEntityType;
  /** Undefined when there was too little history to train. */
  stored?: StoredScorer;
  positives: number;
  negatives: number;
  seconds: number;
}

export const SCORING_QUEUE = 'scoring';
/** How long before its commit a write may have stamped its updatedAt. */
const COMMIT_SLACK_MS = 5_000;
const KINDS: ScoredEntityType[] = ['lead', 'deal'];

export interface ScoringOptions {
  /** A model older than this is retrained in the background on next use. */
  retrainAfterMs: number;
  /** New decided records since training that start a retraining: this share of the trained rows (at least 20). */
  retrainOnNewOutcomes: number;
  /** Told when a due retraining could not be queued. */
  onError?: (error: unknown) => void;
  /** The workspace's deployed record classifier for a type, which scores instead of the learned scorer. */
  deployed?: (workspaceId: string, kind: ScoredEntityType) => Promise<ActiveRecordClassifier | undefined>;
}

export class ScoringModels {
  readonly store: ScorerStore;
  private readonly loaded = new Map<string, { models: Promise<WorkspaceModels>; at: number }>();
  private readonly listeners: ((workspaceId: string) => void)[] = [];
  private readonly deployedScorers = new LRUCache<string, RecordScorer>({ max: 200 });

  constructor(
    private readonly records: RecordsService,
    db: Kysely<AgentTables>,
    private readonly queue: JobQueue | undefined,
    private readonly options: ScoringOptions = { retrainAfterMs: 10 * 60_000, retrainOnNewOutcomes: 0.1 },
  ) {
    this.store = new ScorerStore(db);
  }

  /** Runs queued retrainings in this process, one at a time (training is CPU work). */
  consume(): void {
    this.queue?.process<{ workspaceId: string }>(SCORING_QUEUE, async (job) => {
      const reports = await this.retrain(job.data.workspaceId);
      return reports.map(({ kind, stored, seconds }) => ({
        kind,
        version: stored?.version,
        status: stored?.status,
        seconds,
      }));
    });
  }

  /**
   * The schedule: every retraining interval, the workspaces whose leads or deals changed since the last
   * look are queued for retraining (the queue's dedupe key keeps one waiting per workspace). Idle workspaces cost
   * nothing; a workspace nobody uses still gets fresh scores.
   */
  schedule(): () => void {
    let since = new Date();
    const timer = setInterval(async () => {
      // A write stamps its time before it commits: each look reaches back over that gap, so a change
      // committed just after the last look began is still seen (the dedupe key absorbs the overlap).
      const now = new Date(Date.now() - COMMIT_SLACK_MS);
      try {
        const changed = await this.records.workspacesChangedSince(
          [entityTypes.lead, entityTypes.deal],
          since,
        );
        since = now;
        for (const workspaceId of changed) await this.requestRetrain(workspaceId);
      } catch (error) {
        this.options.onError?.(error);
      }
    }, this.options.retrainAfterMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Told after a retraining or a deployment on this instance changed what serves (rescoring listens). */
  onRetrained(listener: (workspaceId: string) => void): void {
    this.listeners.push(listener);
  }

  /**
   * The workspace's serving scorers and the snapshot they read: a deployed fine-tuned classifier of a type
   * where one is active (one score, one feature pipeline), else the learned scorer.
   */
  async forWorkspace(workspaceId: string): Promise<WorkspaceModels> {
    const learned = await this.learned(workspaceId);
    if (!this.options.deployed) return learned;
    const [lead, deal] = await Promise.all(KINDS.map((kind) => this.deployedScorer(workspaceId, kind)));
    return lead || deal ? { ...learned, lead: lead ?? learned.lead, deal: deal ?? learned.deal } : learned;
  }

  /** Tells the listeners that what scores a workspace changed elsewhere (a classifier deployed or rolled back). */
  servingChanged(workspaceId: string): void {
    for (const listener of this.listeners) listener(workspaceId);
  }

  private async deployedScorer(
    workspaceId: string,
    kind: ScoredEntityType,
  ): Promise<RecordScorer | undefined> {
    const active = await this.options.deployed!(workspaceId, kind);
    if (!active) return undefined;
    let scorer = this.deployedScorers.get(active.registrationId);
    if (!scorer) {
      const { scorer: artifact, trainedAt } = active.artifact;
      scorer = new TrainedScorer(kind, artifact, 0, trainedAt, {
        id: active.registrationId,
        name: active.name,
      });
      this.deployedScorers.set(active.registrationId, scorer);
    }
    return scorer;
  }

  /** The learned scorers and the snapshot they read; loaded once per interval and shared. */
  private learned(workspaceId: string): Promise<WorkspaceModels> {
    const current = this.loaded.get(workspaceId);
    if (current && Date.now() - current.at < this.options.retrainAfterMs) return current.models;
    const models = this.load(workspaceId);
    this.loaded.set(workspaceId, { models, at: Date.now() });
    models.catch(() => this.loaded.delete(workspaceId));
    return models;
  }

  /** Forgets what was loaded: the next call reads the active versions again. */
  invalidate(workspaceId: string): void {
    this.loaded.delete(workspaceId);
  }

  /** Queues a retraining of the workspace's scorers; one waits per workspace. */
  async requestRetrain(workspaceId: string): Promise<void> {
    if (!this.queue) return;
    await this.queue.add(
      SCORING_QUEUE,
      'retrain',
      { workspaceId },
      { dedupeKey: `retrain:${workspaceId}`, attempts: 2 },
    );
  }

  /** Trains both scorers now from the workspace's current records and stores the versions. */
  async retrain(workspaceId: string, snapshot?: WorkspaceSnapshot): Promise<TrainingReport[]> {
    const data = snapshot ?? (await readSnapshot(this.records, workspaceId));
    const reports: TrainingReport[] = [];
    for (const kind of KINDS) reports.push(await this.trainKind(workspaceId, kind, data));
    this.invalidate(workspaceId);
    for (const listener of this.listeners) listener(workspaceId);
    return reports;
  }

  private async trainKind(
    workspaceId: string,
    kind: ScoredEntityType,
    snapshot: WorkspaceSnapshot,
  ): Promise<TrainingReport> {
    const started = performance.now();
    const set = trainingSetOf(kind, snapshot);
    const positives = set.labels.filter((label) => label === 1).length;
    const negatives = set.labels.length - positives;
    if (positives < MIN_ROWS_PER_CLASS || negatives < MIN_ROWS_PER_CLASS) {
      return { kind, positives, negatives, seconds: 0 };
    }
    const scorer = await TabularScorer.train(set);
    const stored = await this.store.add(workspaceId, kind, scorer.artifact, new Date().toISOString());
    return { kind, stored, positives, negatives, seconds: (performance.now() - started) / 1000 };
  }

  private async load(workspaceId: string): Promise<WorkspaceModels> {
    const snapshot = await readSnapshot(this.records, workspaceId);
    let active = await Promise.all(KINDS.map((kind) => this.store.active(workspaceId, kind)));
    const decided = KINDS.map((kind) => decidedCounts(kind, snapshot));
    const trainable = (k: number) =>
      Math.min(decided[k]!.positives, decided[k]!.negatives) >= MIN_ROWS_PER_CLASS;
    if (KINDS.some((_, k) => !active[k] && trainable(k))) {
      // First use with enough history: train now, so the first answer already comes from the workspace's data.
      await this.retrain(workspaceId, snapshot);
      active = await Promise.all(KINDS.map((kind) => this.store.active(workspaceId, kind)));
    } else if (KINDS.some((_, k) => active[k] && this.isStale(active[k]!, decided[k]!, snapshot))) {
      // The current versions keep serving; a retraining that cannot be queued now is asked for again later.
      await this.requestRetrain(workspaceId).catch(this.options.onError ?? (() => {}));
    }
    const scorerOf = (k: number): RecordScorer => {
      const version = active[k];
      return version
        ? new TrainedScorer(KINDS[k]!, version.artifact, version.version, version.trainedAt)
        : new PriorScorer(KINDS[k]!, decided[k]!);
    };
    return { lead: scorerOf(0), deal: scorerOf(1), snapshot };
  }

  /**
   * Due for retraining: enough new outcomes since it was trained, or older than the interval with records
   * changed since (an unchanged history would only train the same model again).
   */
  private isStale(
    active: StoredScorer,
    decided: { positives: number; negatives: number },
    snapshot: WorkspaceSnapshot,
  ): boolean {
    const trainedOn = active.quality.positives + active.quality.negatives;
    const newOutcomes = decided.positives + decided.negatives - trainedOn;
    if (newOutcomes >= Math.max(20, trainedOn * this.options.retrainOnNewOutcomes)) return true;
    if (Date.now() - Date.parse(active.trainedAt) <= this.options.retrainAfterMs) return false;
    const changed = (record: RecordRow) => record.updatedAt > active.trainedAt;
    return (active.kind === 'lead' ? snapshot.leads : snapshot.deals).some(changed);
  }
}

function decidedCounts(kind: ScoredEntityType, snapshot: WorkspaceSnapshot) {
  let positives = 0;
  let negatives = 0;
  for (const record of kind === 'lead' ? snapshot.leads : snapshot.deals) {
    const outcome = outcomeOf(kind, record);
    if (outcome === 1) positives++;
    else if (outcome === 0) negatives++;
  }
  return { positives, negatives };
}
