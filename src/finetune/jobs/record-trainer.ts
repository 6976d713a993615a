// The local classifier for datasets built from the workspace's leads or deals: it trains the learned scorers'
// own model (gradient-boosted trees over every field of the records, calibrated, explained by TreeSHAP) on the
// dataset's training records and measures it on its validation records. So a deployed classifier and the
// analytic scorer read the same features and explain themselves the same way; they differ only in the records
// they learnt from. Progress: one step per cross-validation fold, then one for the final model.
import { logLoss, rocAuc } from '../../ai/scoring/calibration.ts';
import {
  type OutcomeRecordType,
  RECORD_CLASSIFIER_FORMAT,
  type RecordClassifierArtifact,
} from '../../ai/scoring/record-classifier.ts';
import { round4, TabularScorer, type TrainingSet } from '../../ai/scoring/tabular-scorer.ts';
import type { AnyExample } from '../datasets/examples.ts';
import { StopTraining, saveArtifact, type TrainingContext } from './trainers.ts';

/** The labelled feature rows of a workspace's records, as the learned scorers see them. */
export type RecordTrainingData = (
  workspaceId: string,
  type: OutcomeRecordType,
  ids: { train: readonly string[]; validation: readonly string[] },
) => Promise<{ train: TrainingSet; validation: TrainingSet }>;

const POSITIVE_LABEL: Record<OutcomeRecordType, string> = { lead: 'converted', deal: 'won' };

type RecordExample = { label: string; record?: { type: OutcomeRecordType; id: string } };

/** The record type every example was built from, or undefined when any example is plain text. */
export function recordTypeOf(examples: readonly AnyExample[]): OutcomeRecordType | undefined {
  const types = new Set((examples as readonly RecordExample[]).map((example) => example.record?.type));
  const [only] = types;
  return types.size === 1 && only !== undefined ? only : undefined;
}

export async function trainRecordClassifier(
  context: TrainingContext,
  type: OutcomeRecordType,
  readData: RecordTrainingData,
): Promise<Record<string, unknown>> {
  const idsOf = (examples: AnyExample[]) =>
    (examples as RecordExample[]).map((example) => example.record!.id);
  const data = await readData(context.job.workspaceId, type, {
    train: idsOf(context.train),
    validation: idsOf(context.validation),
  });
  let folds = 0;
  const report = async (
    step: number,
    total: number,
    metric: { loss: number | null; evalLoss: number; accuracy: number | null },
  ) => {
    if (step <= context.resumeAfterStep) return;
    const keepGoing = await context.report(step, total, {
      step,
      epoch: step,
      ...metric,
      learningRate: null,
    });
    if (!keepGoing) throw new StopTraining();
  };
  const scorer = await TabularScorer.train(data.train, {
    onFold: async ({ fold, folds: all, heldOutLoss }) => {
      folds = all;
      await report(fold, all + 1, { loss: null, evalLoss: round4(heldOutLoss), accuracy: null });
    },
  });
  const train = measure(scorer, data.train);
  // Without validation records the cross-validated measures stand in (they are held out too).
  const held = data.validation.rows.length > 0 ? measure(scorer, data.validation) : undefined;
  const validation = {
    examples: held ? data.validation.rows.length : data.train.rows.length,
    accuracy: held?.accuracy ?? train.accuracy,
    auc: held ? held.auc : scorer.quality.auc,
    logLoss: held?.logLoss ?? train.logLoss,
    majorityBaseline: majorityOf(held ? data.validation.labels : data.train.labels),
  };
  await report(folds + 1, folds + 1, {
    loss: train.logLoss,
    evalLoss: validation.logLoss,
    accuracy: validation.accuracy,
  });
  const positiveLabel = POSITIVE_LABEL[type];
  const labels = [...new Set((context.train as RecordExample[]).map((example) => example.label))].sort();
  const artifact: RecordClassifierArtifact = {
    format: RECORD_CLASSIFIER_FORMAT,
    entityType: type,
    labels,
    positiveLabel,
    scorer: scorer.artifact,
    trainedAt: new Date().toISOString(),
    validation,
  };
  const file = saveArtifact(context, artifact);
  return {
    artifact: file,
    model: 'gradient-boosted trees over the records’ fields (the learned scorers’ model)',
    labels,
    valAccuracy: validation.accuracy,
    valAuc: validation.auc,
    majorityBaseline: validation.majorityBaseline,
    validationExamples: validation.examples,
    crossValidatedAuc: scorer.quality.auc,
    trainingRecords: data.train.rows.length,
    modelName: `local/${context.job.id.slice(0, 8)}`,
  };
}

/** Log loss, accuracy at 0.5 and ROC AUC of the calibrated probabilities on a labelled set. */
function measure(scorer: TabularScorer, set: TrainingSet) {
  const probabilities = set.rows.map((row, i) => scorer.probability(row, set.asOf[i]!));
  const margins = probabilities.map((p) => Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p)));
  const correct = probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === set.labels[i]).length;
  const bothClasses = new Set(set.labels).size === 2;
  return {
    logLoss: round4(logLoss(margins, set.labels)),
    accuracy: round4(correct / Math.max(1, set.rows.length)),
    auc: bothClasses ? round4(rocAuc(margins, set.labels)) : null,
  };
}

function majorityOf(labels: readonly number[]): number {
  const positives = labels.filter((label) => label === 1).length;
  return round4(Math.max(positives, labels.length - positives) / Math.max(1, labels.length));
}
