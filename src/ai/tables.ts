// Row shapes of the tables ai/ owns (migrations 010 and 014).
import type { JsonColumn } from '../platform/db/column-types.ts';

export interface AiTables {
  aiModels: {
    workspaceId: string;
    /** The registration's id: the fine-tuning job that produced the model. */
    id: string;
    kind: 'chat' | 'classifier';
    /** What a classifier predicts, e.g. `lead-conversion`. */
    task: string | null;
    name: string;
    source: string;
    /** JSON: a chat model's endpoint (never its key) or a classifier's artifact and labels. */
    spec: JsonColumn;
    registeredAt: string;
  };
  aiActiveModels: {
    workspaceId: string;
    /** `chat`, or `classifier:<task>`. */
    slot: string;
    modelId: string;
    /** What served before, for a rollback. */
    previousModelId: string | null;
    activatedAt: string;
  };
}
