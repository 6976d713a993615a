// Reads an agent needs, always inside one workspace: a record (404 when absent), its activities, the deals
// and documents around it. Lists are bounded: an agent looks at the recent history, not all of it.
import { type EntityTypeName, entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import type { AgentContext } from '../agent.ts';

const RECENT = 200;

export function getRecord(context: AgentContext, type: EntityTypeName, id: string): Promise<RecordRow> {
  return context.records.get(entityTypes[type], context.workspaceId, id);
}

export async function listWhere(
  context: AgentContext,
  type: EntityTypeName,
  equals: Record<string, string>,
  sortField = 'createdAt',
  limit = RECENT,
): Promise<RecordRow[]> {
  const page = await context.records.list(entityTypes[type], context.workspaceId, {
    equals,
    ranges: {},
    sort: { field: sortField, direction: 'desc' },
    limit,
  });
  return page.data;
}

/** Activities logged against a record, newest first. */
export function activitiesOf(context: AgentContext, type: EntityTypeName, id: string): Promise<RecordRow[]> {
  return listWhere(context, 'activity', { relatedType: type, relatedId: id }, 'occurredAt');
}

export function documentsOf(context: AgentContext, type: EntityTypeName, id: string): Promise<RecordRow[]> {
  return listWhere(context, 'document', { relatedType: type, relatedId: id });
}

export const DAY_MS = 86_400_000;

export function daysSince(iso: unknown, nowMs = Date.now()): number | null {
  if (typeof iso !== 'string') return null;
  return Math.max(0, Math.round((nowMs - Date.parse(iso)) / DAY_MS));
}

export function formatMoney(amount: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
    amount,
  );
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Text fields of a record joined, each ended as a sentence once (never ".."), for sentence ranking. */
export function textOf(record: RecordRow, fields: readonly string[]): string {
  return fields
    .map((field) => record[field])
    .filter((value): value is string => typeof value === 'string' && value.trim().length > 0)
    .map((value) => {
      const text = value.trim();
      return /[.!?]["')\]]?$/.test(text) ? text : `${text}.`;
    })
    .join(' ');
}
