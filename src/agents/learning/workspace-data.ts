// A workspace's records as the scoring models need them, read once per training: every lead and deal, the
// contacts deals point at, and each record's activity times. Labelled rows are seen as of their decision
// (a converted lead as it was when it converted), open ones as of now.
import { type ColumnInfo, inferColumnKind, labelOf } from '../../ai/scoring/binning.ts';
import type { TrainingSet } from '../../ai/scoring/tabular-scorer.ts';
import { entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import {
  type ActivityTrail,
  dealFeatureRow,
  type FeatureRow,
  featureLabel,
  leadFeatureRow,
  type ScoredEntityType,
} from '../../crm/records/features.ts';
import type { RecordsService } from '../../crm/records/service.ts';

export interface WorkspaceSnapshot {
  leads: RecordRow[];
  deals: RecordRow[];
  contacts: Map<string, RecordRow>;
  /** Activity times by "type:id" of the record they are about. */
  trails: Map<string, ActivityTrail>;
  takenAtMs: number;
}

export async function readSnapshot(records: RecordsService, workspaceId: string): Promise<WorkspaceSnapshot> {
  const all = async (type: keyof typeof entityTypes) => {
    const rows: RecordRow[] = [];
    for await (const page of records.pages(entityTypes[type], workspaceId, 1000)) rows.push(...page);
    return rows;
  };
  const [leads, deals, contacts, activities] = await Promise.all([
    all('lead'),
    all('deal'),
    all('contact'),
    all('activity'),
  ]);
  const trails = new Map<string, ActivityTrail>();
  for (const activity of activities) {
    if (!activity.relatedType || !activity.relatedId) continue;
    const key = `${activity.relatedType}:${activity.relatedId}`;
    const trail = trails.get(key) ?? { times: [] };
    trail.times.push(Date.parse((activity.occurredAt as string | null) ?? activity.createdAt));
    trails.set(key, trail);
  }
  for (const trail of trails.values()) trail.times.sort((a, b) => a - b);
  return {
    leads,
    deals,
    contacts: new Map(contacts.map((contact) => [contact.id, contact])),
    trails,
    takenAtMs: Date.now(),
  };
}

/** What scoring one record reads besides the record: the contacts deals point at, activity times. */
export type RecordContext = Pick<WorkspaceSnapshot, 'contacts' | 'trails'>;

/** The outcome a record has reached: 1, 0, or undefined while it is still open. */
export function outcomeOf(type: ScoredEntityType, record: RecordRow): 0 | 1 | undefined {
  if (type === 'lead') {
    return record.status === 'converted' ? 1 : record.status === 'unqualified' ? 0 : undefined;
  }
  return record.status === 'won' ? 1 : record.status === 'lost' ? 0 : undefined;
}

/** When a decided record was decided; open records are seen as of `nowMs`. */
export function asOfTime(type: ScoredEntityType, record: RecordRow, nowMs: number): number {
  if (outcomeOf(type, record) === undefined) return nowMs;
  const decided = type === 'lead' ? record.convertedAt : record.closedAt;
  return Date.parse((decided as string | null) ?? record.updatedAt);
}

export function featureRowOf(
  type: ScoredEntityType,
  record: RecordRow,
  snapshot: RecordContext,
  asOfMs: number,
): FeatureRow {
  const trail = snapshot.trails.get(`${type}:${record.id}`);
  if (type === 'lead') return leadFeatureRow(record, trail, asOfMs);
  const contact = record.contactId ? snapshot.contacts.get(record.contactId as string) : undefined;
  return dealFeatureRow(record, { trail, contact }, asOfMs);
}

/** Decided records (all, or those in `only`) as labelled rows, with the columns their values say they are. */
export function trainingSetOf(
  type: ScoredEntityType,
  snapshot: WorkspaceSnapshot,
  only?: ReadonlySet<string>,
): TrainingSet {
  const rows: FeatureRow[] = [];
  const labels: number[] = [];
  const asOf: number[] = [];
  for (const record of type === 'lead' ? snapshot.leads : snapshot.deals) {
    if (only && !only.has(record.id)) continue;
    const outcome = outcomeOf(type, record);
    if (outcome === undefined) continue;
    const at = asOfTime(type, record, snapshot.takenAtMs);
    rows.push(featureRowOf(type, record, snapshot, at));
    labels.push(outcome);
    asOf.push(at);
  }
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
  const columns: ColumnInfo[] = [];
  for (const name of names) {
    const kind = inferColumnKind(rows.map((row) => row[name]));
    if (kind) columns.push({ name, label: featureLabel(type, name) ?? labelOf(name), kind });
  }
  return { columns, rows, labels, asOf };
}

/** The latest activity about a record ("type:id"), ISO, or undefined when there is none. */
export function lastActivityOf(snapshot: Pick<RecordContext, 'trails'>, key: string): string | undefined {
  const last = snapshot.trails.get(key)?.times.at(-1);
  return last === undefined ? undefined : new Date(last).toISOString();
}

/** The snapshot with one record's activities replaced by those just read. */
export function withTrail(
  snapshot: RecordContext,
  type: ScoredEntityType,
  id: string,
  activities: readonly RecordRow[],
): RecordContext {
  const times = activities
    .map((activity) => Date.parse((activity.occurredAt as string | null) ?? activity.createdAt))
    .sort((a, b) => a - b);
  return { contacts: snapshot.contacts, trails: new Map([[`${type}:${id}`, { times }]]) };
}

/**
 * Labelled feature rows of a workspace's records by id, split as the caller says: what the local fine-tuning
 * classifier trains and validates on, so that it reads records exactly as the learned scorers do.
 */
export function recordTrainingData(records: RecordsService) {
  return async (
    workspaceId: string,
    type: ScoredEntityType,
    ids: { train: readonly string[]; validation: readonly string[] },
  ): Promise<{ train: TrainingSet; validation: TrainingSet }> => {
    const snapshot = await readSnapshot(records, workspaceId);
    return {
      train: trainingSetOf(type, snapshot, new Set(ids.train)),
      validation: trainingSetOf(type, snapshot, new Set(ids.validation)),
    };
  };
}
