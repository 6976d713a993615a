// Row shapes of the tables automation owns (migration 013). Flags are 0/1 integers on both engines.
import type { JsonColumn } from '../platform/db/column-types.ts';

export interface AutomationTables {
  automationRules: {
    id: string;
    workspaceId: string;
    name: string;
    enabled: number;
    definition: JsonColumn;
    webhookSecret: string;
    consecutiveFailures: number;
    disabledReason: string | null;
    createdBy: string | null;
    createdAt: string;
    updatedAt: string;
  };
  automationRuns: {
    id: string;
    workspaceId: string;
    ruleId: string;
    eventKey: string;
    trigger: JsonColumn;
    status: string;
    answers: JsonColumn;
    actions: JsonColumn;
    error: string | null;
    decidedBy: string | null;
    decidedAt: string | null;
    createdAt: string;
    finishedAt: string | null;
  };
  automationDeliveries: {
    id: string;
    workspaceId: string;
    runId: string;
    url: string;
    attempt: number;
    status: string;
    responseStatus: number | null;
    error: string | null;
    durationMs: number;
    at: string;
  };
  automationScoreSides: {
    ruleId: string;
    recordId: string;
    crossed: number;
  };
}
