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
};

export interface HistoryQuery {
  agent?: string;
  kind?: 'task' | 'workflow';
  status?: AgentRun['status'];
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

const SORT = { field: 'createdAt', direction: 'desc' } as const;

export class AgentHistory {
  constructor(private readonly db: Kysely<AgentTables>) {}

  async record(run: Omit<AgentRun, 'id' | 'createdAt'>): Promise<AgentRun> {
    const stored: AgentRun = { ...run, id: randomUUID(), createdAt: new Date().toISOString() };
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
