// Row shapes of the table the agents own (migration 003).
import type { JsonColumn } from '../platform/db/column-types.ts';

export interface AgentTables {
  agentRuns: {
    id: string;
    workspaceId: string;
    kind: 'task' | 'workflow';
    agent: string;
    status: 'succeeded' | 'failed' | 'partial';
    engine: string;
    input: JsonColumn;
    output: JsonColumn;
    error: string | null;
    warnings: JsonColumn;
    durationMs: number;
    promptTokens: number;
    completionTokens: number;
    costUsd: number;
    createdBy: string | null;
    createdAt: string;
  };
}
