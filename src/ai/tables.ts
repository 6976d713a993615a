// Row shapes of the tables ai/ owns (migration 010).
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
}
