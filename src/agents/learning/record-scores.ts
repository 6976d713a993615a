// Scores on the records, as CRM scoring features show them: each open lead and deal carries its current
// score (0–100), band, confidence, top factors, the model version and when it was scored (table
// record_scores). Rescored in the background: a record when it or its activities change (changes are
// gathered for a moment and queued as one job), every open record after a retraining.
import type { Kysely } from 'kysely';
import { entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import type { ScoredEntityType } from '../../crm/records/features.ts';
import type { RecordsService } from '../../crm/records/service.ts';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import type { EventBus } from '../../platform/events.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { TimeSlicer } from '../../platform/time-slicer.ts';
import type { AgentTables } from '../tables.ts';
import type { ScoreResult } from './scorer.ts';
import type { ScoringModels } from './scoring-models.ts';
import { outcomeOf, type RecordContext, type WorkspaceSnapshot, withTrail } from './workspace-data.ts';

export type Band = 'hot' | 'warm' | 'cold';

export interface RecordScore {
  entityType: ScoredEntityType;
  recordId: string;
  score: number;
  probability: number;
  band: Band;
  confidence: ScoreResult['confidence'];
  factors: { text: string; direction: 'raises' | 'lowers'; field: string }[];
  modelVersion: number;
  scoredAt: string;
}

export interface ScoreListQuery {
  band?: Band;
  minScore?: number;
  maxScore?: number;
  /** Only these records (a list page asking for its rows' scores in one request). */
  ids?: string[];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** Bands as the lead agent's urgency reads probabilities. */
export function bandOf(probability: number): Band {
  return probability >= 0.6 ? 'hot' : probability >= 0.35 ? 'warm' : 'cold';
}

export const RESCORING_QUEUE = 'rescoring';
const WRITE_BATCH = 500;
/** Changes gathered this long before they are queued as one rescoring job. */
const GATHER_MS = 300;
/** More changed records than this in one workspace: rescore all of it instead. */
const FULL_RESCORE_AFTER = 2000;

interface RescoreJob {
  workspaceId: string;
  /** Absent: every open lead and deal. */
  records?: { type: ScoredEntityType; ids: string[] };
}

export class RecordScores {
  private readonly gathered = new Map<string, Map<ScoredEntityType, Set<string>>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<AgentTables>,
    private readonly records: RecordsService,
    private readonly models: ScoringModels,
    private readonly queue: JobQueue | undefined,
    /** Told when gathered changes could not be queued (the queue closed on shutdown, Redis away). */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Rescoring follows record changes and retrainings made on this instance. */
  follow(events: EventBus): void {
    events.on('entity.changed', (event) => {
      if (event.entityType === 'lead' || event.entityType === 'deal') {
        this.gather(event.workspaceId, event.entityType, event.entityId);
      } else if (event.entityType === 'activity') {
        const { relatedType, relatedId } = (event.record ?? {}) as {
          relatedType?: string;
          relatedId?: string;
        };
        if ((relatedType === 'lead' || relatedType === 'deal') && relatedId) {
          this.gather(event.workspaceId, relatedType, relatedId);
        }
      }
    });
    this.models.onRetrained((workspaceId) => void this.enqueue({ workspaceId }).catch(this.onError));
  }

  consume(): void {
    this.queue?.process<RescoreJob>(RESCORING_QUEUE, async (job) => {
      const { workspaceId, records } = job.data;
      return records
        ? { rescored: await this.rescoreRecords(workspaceId, records.type, records.ids) }
        : { rescored: await this.rescoreAll(workspaceId) };
    });
  }

  /** Every open lead and deal of the workspace, scored now; scores of decided records are removed. */
  async rescoreAll(workspaceId: string): Promise<number> {
    this.models.invalidate(workspaceId);
    const models = await this.models.forWorkspace(workspaceId);
    const now = Date.now();
    const slicer = new TimeSlicer(20);
    const scores: RecordScore[] = [];
    for (const type of ['lead', 'deal'] as const) {
      for (const record of type === 'lead' ? models.snapshot.leads : models.snapshot.deals) {
        if (outcomeOf(type, record) !== undefined) continue;
        scores.push(toScore(type, record.id, models[type].score(record, models.snapshot, now, 3), now));
        await slicer.maybeYield();
      }
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recordScores').where('workspaceId', '=', workspaceId).execute();
      await writeScores(trx, workspaceId, scores);
    });
    return scores.length;
  }

  /** Some records, read fresh with their activities. */
  async rescoreRecords(workspaceId: string, type: ScoredEntityType, ids: readonly string[]): Promise<number> {
    const models = await this.models.forWorkspace(workspaceId);
    const found = await this.records.getMany(entityTypes[type], workspaceId, ids);
    const now = Date.now();
    const scores: RecordScore[] = [];
    const decided: string[] = [];
    for (const record of found) {
      if (outcomeOf(type, record) !== undefined) {
        decided.push(record.id);
        continue;
      }
      const context = await this.contextOf(type, workspaceId, record, models.snapshot);
      scores.push(toScore(type, record.id, models[type].score(record, context, now, 3), now));
    }
    const present = new Set(found.map((record) => record.id));
    const gone = ids.filter((id) => !present.has(id));
    await this.db.transaction().execute(async (trx) => {
      const removed = [...decided, ...gone];
      if (removed.length > 0) {
        await trx
          .deleteFrom('recordScores')
          .where('workspaceId', '=', workspaceId)
          .where('entityType', '=', type)
          .where('recordId', 'in', removed)
          .execute();
      }
      await writeScores(trx, workspaceId, scores);
    });
    return scores.length;
  }

  async get(workspaceId: string, type: ScoredEntityType, recordId: string): Promise<RecordScore | undefined> {
    const row = await this.db
      .selectFrom('recordScores')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('entityType', '=', type)
      .where('recordId', '=', recordId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Scored records of a type, by score, with their records. */
  async list(
    workspaceId: string,
    type: ScoredEntityType,
    query: ScoreListQuery,
  ): Promise<{ data: { record: RecordRow; score: RecordScore }[]; nextOffset: number | null }> {
    let select = this.db
      .selectFrom('recordScores')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('entityType', '=', type);
    if (query.band) select = select.where('band', '=', query.band);
    if (query.minScore !== undefined) select = select.where('score', '>=', query.minScore);
    if (query.maxScore !== undefined) select = select.where('score', '<=', query.maxScore);
    if (query.ids) select = select.where('recordId', 'in', query.ids.length ? query.ids : ['']);
    const rows = await select
      .orderBy('score', query.order)
      .orderBy('recordId')
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute();
    const page = rows.slice(0, query.limit).map(fromRow);
    const records = new Map(
      (
        await this.records.getMany(
          entityTypes[type],
          workspaceId,
          page.map((score) => score.recordId),
        )
      ).map((record) => [record.id, record]),
    );
    return {
      data: page.flatMap((score) => {
        const record = records.get(score.recordId);
        return record ? [{ record, score }] : [];
      }),
      nextOffset: rows.length > query.limit ? query.offset + query.limit : null,
    };
  }

  /** Queues a rescoring; a whole workspace's waits once. */
  async enqueue(job: RescoreJob): Promise<void> {
    if (!this.queue) return;
    const dedupeKey = job.records ? undefined : `rescore-all:${job.workspaceId}`;
    await this.queue.add(RESCORING_QUEUE, 'rescore', job, { dedupeKey, attempts: 3 });
  }

  /** Drops what was gathered and not yet queued (shutdown). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.gathered.clear();
  }

  /** Queues what was gathered. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const gathered = [...this.gathered];
    this.gathered.clear();
    for (const [workspaceId, byType] of gathered) {
      const total = [...byType.values()].reduce((sum, ids) => sum + ids.size, 0);
      if (total > FULL_RESCORE_AFTER) {
        await this.enqueue({ workspaceId });
        continue;
      }
      for (const [type, ids] of byType) await this.enqueue({ workspaceId, records: { type, ids: [...ids] } });
    }
  }

  private gather(workspaceId: string, type: ScoredEntityType, id: string): void {
    const byType = this.gathered.get(workspaceId) ?? new Map<ScoredEntityType, Set<string>>();
    const ids = byType.get(type) ?? new Set<string>();
    ids.add(id);
    byType.set(type, ids);
    this.gathered.set(workspaceId, byType);
    // Lost on failure: the next change, retraining or scheduled rescoring scores the record again.
    this.timer ??= setTimeout(() => void this.flush().catch(this.onError), GATHER_MS);
    this.timer.unref?.();
  }

  private async contextOf(
    type: ScoredEntityType,
    workspaceId: string,
    record: RecordRow,
    snapshot: WorkspaceSnapshot,
  ): Promise<RecordContext> {
    const page = await this.records.list(entityTypes.activity, workspaceId, {
      equals: { relatedType: type, relatedId: record.id },
      ranges: {},
      sort: { field: 'occurredAt', direction: 'desc' },
      limit: 500,
    });
    const context = withTrail(snapshot, type, record.id, page.data);
    if (type === 'deal' && record.contactId) {
      const [contact] = await this.records.getMany(entityTypes.contact, workspaceId, [
        record.contactId as string,
      ]);
      if (contact) return { ...context, contacts: new Map([[contact.id, contact]]) };
    }
    return context;
  }
}

function toScore(type: ScoredEntityType, recordId: string, result: ScoreResult, now: number): RecordScore {
  return {
    entityType: type,
    recordId,
    score: Math.round(result.probability * 100),
    probability: result.probability,
    band: bandOf(result.probability),
    confidence: result.confidence,
    factors: result.factors.map(({ text, direction, field }) => ({ text, direction, field })),
    modelVersion: result.model.version,
    scoredAt: new Date(now).toISOString(),
  };
}

async function writeScores(db: Kysely<AgentTables>, workspaceId: string, scores: readonly RecordScore[]) {
  for (let start = 0; start < scores.length; start += WRITE_BATCH) {
    const rows = scores.slice(start, start + WRITE_BATCH).map((score) => ({
      workspaceId,
      ...score,
      factors: writeJson(score.factors)!,
    }));
    await db
      .insertInto('recordScores')
      .values(rows)
      .onConflict((conflict) =>
        conflict.columns(['workspaceId', 'entityType', 'recordId']).doUpdateSet((eb) => ({
          score: eb.ref('excluded.score'),
          probability: eb.ref('excluded.probability'),
          band: eb.ref('excluded.band'),
          confidence: eb.ref('excluded.confidence'),
          factors: eb.ref('excluded.factors'),
          modelVersion: eb.ref('excluded.modelVersion'),
          scoredAt: eb.ref('excluded.scoredAt'),
        })),
      )
      .execute();
  }
}

function fromRow(row: Omit<AgentTables['recordScores'], 'factors'> & { factors: unknown }): RecordScore {
  return {
    entityType: row.entityType,
    recordId: row.recordId,
    score: Number(row.score),
    probability: Number(row.probability),
    band: row.band,
    confidence: row.confidence,
    factors: readJson<RecordScore['factors']>(row.factors, []),
    modelVersion: Number(row.modelVersion),
    scoredAt: new Date(row.scoredAt).toISOString(),
  };
}
