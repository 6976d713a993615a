// Row shapes of the tables the agents own (migrations 003 and 011).
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
    /** The record the run was about, when it was about one (migration 014). */
    subjectType: string | null;
    subjectId: string | null;
  };
  scoringModels: {
    workspaceId: string;
    kind: 'lead' | 'deal';
    version: number;
    status: 'active' | 'retired' | 'rejected';
    /** Why a version was rejected or retired. */
    reason: string | null;
    quality: JsonColumn;
    artifact: JsonColumn;
    trainedAt: string;
  };
  recordScores: {
    workspaceId: string;
    entityType: 'lead' | 'deal';
    recordId: string;
    /** 0–100: the calibrated probability in percent. */
    score: number;
    probability: number;
    band: 'hot' | 'warm' | 'cold';
    confidence: 'low' | 'medium' | 'high';
    /** The top factors, as the agents word them. */
    factors: JsonColumn;
    /** 0 for the prior. */
    modelVersion: number;
    scoredAt: string;
  };
}
