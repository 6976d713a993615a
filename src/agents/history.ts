// The agent run history: one row per task or workflow run, scoped to its workspace, listed newest first with
// filters and keyset pagination (the records' cursor format, sorted by creation time).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from '../crm/records/cursor.ts';
import { readJson, writeJson } from '../platform/db/json-column.ts';
import type { AgentTables } from './tables.ts';

export type AgentRunStatus = 'succeeded' | 'failed' | 'partial';

export type AgentRun = {
  id: string;
  workspaceId: string;
  kind: 'task' | 'workflow';
  agent: string;
  status: AgentRunStatus;
  engine: string;
  input: unknown;
  output: unknown;
  error: string | null;
  warnings: string[];
  durationMs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  createdBy: string | null;
  createdAt: string;
  /** The record the run was about, when it was about one: a record page lists its runs. */
  subjectType: string | null;
  subjectId: string | null;
};

export interface HistoryQuery {
  agent?: string;
  kind?: 'task' | 'workflow';
  status?: AgentRun['status'];
  since?: string;
  until?: string;
  /** Runs about one record. */
  entityType?: string;
  entityId?: string;
  limit: number;
  cursor?: string;
}

const SORT = { field: 'createdAt', direction: 'desc' } as const;

export class AgentHistory {
  constructor(private readonly db: Kysely<AgentTables>) {}

  async record(run: Omit<AgentRun, 'id' | 'createdAt' | 'subjectType' | 'subjectId'>): Promise<AgentRun> {
    const subject = subjectOf(run.input, run.output);
    const stored: AgentRun = {
      ...run,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      subjectType: subject?.entityType ?? null,
      subjectId: subject?.entityId ?? null,
    };
    await this.db
      .insertInto('agentRuns')
      .values({
        ...stored,
        input: writeJson(stored.input),
        output: writeJson(stored.output),
        warnings: writeJson(stored.warnings),
      })
      .execute();
    return stored;
  }

  async list(
    workspaceId: string,
    query: HistoryQuery,
  ): Promise<{ data: AgentRun[]; nextCursor: string | null }> {
    let select = this.db.selectFrom('agentRuns').selectAll().where('workspaceId', '=', workspaceId);
    if (query.agent) select = select.where('agent', '=', query.agent);
    if (query.kind) select = select.where('kind', '=', query.kind);
    if (query.status) select = select.where('status', '=', query.status);
    if (query.since) select = select.where('createdAt', '>=', query.since);
    if (query.until) select = select.where('createdAt', '<', query.until);
    if (query.entityType) select = select.where('subjectType', '=', query.entityType);
    if (query.entityId) select = select.where('subjectId', '=', query.entityId);
    if (query.cursor) {
      const after = decodeCursor(query.cursor, SORT);
      select = select.where((eb) =>
        eb.or([
          eb('createdAt', '<', after.value as string),
          eb.and([eb('createdAt', '=', after.value as string), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const data = rows.slice(0, query.limit).map(fromRow);
    const last = data.at(-1);
    return {
      data,
      nextCursor: rows.length > query.limit && last ? encodeCursor(SORT, last.createdAt, last.id) : null,
    };
  }

  async get(workspaceId: string, id: string): Promise<AgentRun | undefined> {
    const row = await this.db
      .selectFrom('agentRuns')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }
}

/** Where an agent's input names the record it looks at, and the type that id is when evidence does not say. */
const SUBJECT_FIELDS: Record<string, string> = { leadId: 'lead', dealId: 'deal', customerId: 'contact' };

/**
 * The record a task was about: the input's entityType/entityId, or its one record id (typed by the evidence
 * when it names that id: a customer may be a contact or a lead).
 */
function subjectOf(input: unknown, output: unknown): { entityType: string; entityId: string } | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const fields = input as Record<string, unknown>;
  if (typeof fields.entityType === 'string' && typeof fields.entityId === 'string')
    return { entityType: fields.entityType, entityId: fields.entityId };
  const evidence = ((output as { evidence?: unknown } | null)?.evidence ?? []) as {
    entityType: string;
    entityId: string;
  }[];
  for (const [field, type] of Object.entries(SUBJECT_FIELDS)) {
    const id = fields[field];
    if (typeof id !== 'string') continue;
    const seen = Array.isArray(evidence) ? evidence.find((item) => item.entityId === id) : undefined;
    return { entityType: seen?.entityType ?? type, entityId: id };
  }
  return undefined;
}

function fromRow(row: Record<string, unknown>): AgentRun {
  return {
    ...(row as unknown as AgentRun),
    input: readJson(row.input, null),
    output: readJson(row.output, null),
    warnings: readJson<string[]>(row.warnings, []),
    durationMs: Number(row.durationMs),
    promptTokens: Number(row.promptTokens),
    completionTokens: Number(row.completionTokens),
    costUsd: Number(row.costUsd),
  };
}
