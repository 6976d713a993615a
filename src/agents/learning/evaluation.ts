// How well a workspace's history predicts its outcomes: the scorer's cross-validated ROC AUC beside a naive
// baseline that ranks by engagement (activity count) alone. For benchmarks and the CLI, not for requests.
import { rocAuc } from '../../ai/scoring/calibration.ts';
import { MIN_ROWS_PER_CLASS, round4, TabularScorer } from '../../ai/scoring/tabular-scorer.ts';
import type { ScoredEntityType } from '../../crm/records/features.ts';
import type { RecordsService } from '../../crm/records/service.ts';
import { readSnapshot, trainingSetOf } from './workspace-data.ts';

export interface OutcomeEvaluation {
  auc: number | null;
  activityBaselineAuc: number | null;
  positives: number;
  negatives: number;
}

export async function evaluateWorkspace(
  records: RecordsService,
  workspaceId: string,
): Promise<Record<ScoredEntityType, OutcomeEvaluation>> {
  const snapshot = await readSnapshot(records, workspaceId);
  const evaluate = async (kind: ScoredEntityType): Promise<OutcomeEvaluation> => {
    const set = trainingSetOf(kind, snapshot);
    const positives = set.labels.filter((label) => label === 1).length;
    const negatives = set.labels.length - positives;
    if (Math.min(positives, negatives) < MIN_ROWS_PER_CLASS) {
      return { auc: null, activityBaselineAuc: null, positives, negatives };
    }
    const scorer = await TabularScorer.train(set);
    const activities = set.rows.map((row) => Number(row['engagement.activities'] ?? 0));
    return {
      auc: scorer.quality.auc,
      activityBaselineAuc: round4(rocAuc(activities, set.labels)),
      positives,
      negatives,
    };
  };
  return { lead: await evaluate('lead'), deal: await evaluate('deal') };
}
