// The artifact a local fine-tuning job saves for a dataset built from the workspace's own leads or deals: the
// same gradient-boosted scorer, over the same features, that the learned scorers use (tabular-scorer.ts),
// with the held-out measures of the job's validation split. The model registry loads it and, once it is the
// active classifier of its task, it scores those records everywhere the learned scorer would.
import type { ScorerArtifact } from './tabular-scorer.ts';

/** The record types with an outcome to predict. */
export type OutcomeRecordType = 'lead' | 'deal';

export const RECORD_CLASSIFIER_FORMAT = 'crm-ai.record-classifier.v1';

/** The classifier task each record type's outcome is: the registry slot is `classifier:<task>`. */
export const TASK_OF: Record<OutcomeRecordType, string> = {
  lead: 'lead-conversion',
  deal: 'deal-outcome',
};

export interface RecordClassifierArtifact {
  format: typeof RECORD_CLASSIFIER_FORMAT;
  entityType: OutcomeRecordType;
  /** The dataset's labels; `positiveLabel` is the outcome the probability is of. */
  labels: string[];
  positiveLabel: string;
  scorer: ScorerArtifact;
  trainedAt: string;
  /** Measured on the job's validation split (records the model never saw). */
  validation: {
    examples: number;
    accuracy: number;
    auc: number | null;
    logLoss: number;
    majorityBaseline: number;
  };
}

export function isRecordClassifier(artifact: unknown): artifact is RecordClassifierArtifact {
  return (
    typeof artifact === 'object' &&
    artifact !== null &&
    (artifact as { format?: unknown }).format === RECORD_CLASSIFIER_FORMAT
  );
}
