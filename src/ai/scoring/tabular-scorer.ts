// A scorer for a yes/no outcome over rows of named values: binned features, boosted trees, Platt calibration,
// quality measured by k-fold cross-validation, and explanations by TreeSHAP that name the row's own values.
// The number of trees is chosen on the folds (the round with the lowest held-out log loss), never on the
// rows a caller later measures on.
import { type BinnedFeature, Binner, type ColumnInfo, type TabularRow } from './binning.ts';
import {
  type BinnedMatrix,
  type BoostedTrees,
  type BoostingParams,
  DEFAULT_BOOSTING,
  fitBoostedTrees,
  predictMargin,
  treeMargin,
} from './boosting.ts';
import {
  brierScore,
  calibrate,
  expectedCalibrationError,
  fitPlatt,
  logLoss,
  type Platt,
  rocAuc,
} from './calibration.ts';
import { expectedMargin, treeShap } from './tree-shap.ts';

export interface TrainingSet {
  columns: readonly ColumnInfo[];
  rows: readonly TabularRow[];
  labels: readonly number[];
  /** When each row was seen (ms): dates are read as "days before" this. */
  asOf: readonly number[];
}

export interface ScorerQuality {
  /** Cross-validated, on rows each fold's model did not see. */
  auc: number;
  brier: number;
  ece: number;
  positives: number;
  negatives: number;
  folds: number;
  trees: number;
  /** Below this held-out AUC a score says the data does not predict the outcome. */
  hasSignal: boolean;
}

export interface ScorerArtifact {
  format: 'crm-ai.tabular-scorer.v1';
  features: BinnedFeature[];
  model: BoostedTrees;
  platt: Platt;
  /** The trees' average margin over training rows: the baseline attributions are measured from. */
  expectedMargin: number;
  baseRate: number;
  quality: ScorerQuality;
}

export interface Factor {
  column: string;
  label: string;
  /** For a text column's word: the word. */
  word?: string;
  /** The bin the row's own value falls in, in words ("30–34", "cellular", "not set"). */
  bin: string;
  /** Change in the calibrated log-odds this feature brings against the workspace baseline. */
  effect: number;
  /** Training rows in the same bin and the share of them with the outcome. */
  evidence: { rows: number; rate: number };
}

export interface Explanation {
  probability: number;
  baseRate: number;
  /** Probability of a row at the workspace baseline (every feature average). */
  baselineProbability: number;
  factors: Factor[];
}

export const MIN_SIGNAL_AUC = 0.6;
export const MIN_ROWS_PER_CLASS = 15;

export interface TrainOptions {
  folds?: number;
  params?: Partial<BoostingParams>;
  /** Rounds without improvement on every fold before the search for the best round stops. */
  patience?: number;
  seed?: number;
  /** Told after each cross-validation fold (progress for a training job; it may throw to stop). */
  onFold?: (progress: { fold: number; folds: number; heldOutLoss: number; rounds: number }) => Promise<void>;
}

export class TabularScorer {
  private readonly binner: Binner;

  private constructor(readonly artifact: ScorerArtifact) {
    this.binner = new Binner(artifact.features);
  }

  static fromArtifact(artifact: ScorerArtifact): TabularScorer {
    if (artifact.format !== 'crm-ai.tabular-scorer.v1')
      throw new Error(`unknown scorer format ${artifact.format}`);
    return new TabularScorer(artifact);
  }

  static async train(data: TrainingSet, options: TrainOptions = {}): Promise<TabularScorer> {
    const n = data.rows.length;
    const positives = data.labels.reduce((sum, label) => sum + label, 0);
    if (positives < MIN_ROWS_PER_CLASS || n - positives < MIN_ROWS_PER_CLASS) {
      throw new Error(`too little history: ${positives} positive and ${n - positives} negative rows`);
    }
    const params: BoostingParams = {
      ...DEFAULT_BOOSTING,
      minLeafRows: Math.min(100, Math.max(20, Math.round(n / 100))),
      ...options.params,
    };
    const folds = options.folds ?? (n > 10_000 ? 3 : 5);
    const fold = assignFolds(data.labels, folds, options.seed ?? 17);
    const patience = options.patience ?? 40;

    // Each fold: binning and trees fitted on the other folds, held-out log loss after every round.
    const runs = [];
    for (let k = 0; k < folds; k++) {
      const trainIndex = indexesWhere(fold, (f) => f !== k);
      const testIndex = indexesWhere(fold, (f) => f === k);
      const part = (index: number[]) => ({
        rows: index.map((i) => data.rows[i]!),
        labels: index.map((i) => data.labels[i]!),
        asOf: index.map((i) => data.asOf[i]!),
      });
      const train = part(trainIndex);
      const test = part(testIndex);
      const binner = Binner.fit(data.columns, train.rows, train.labels, train.asOf);
      const testRows = test.rows.map((row, i) => binner.encodeRow(row, test.asOf[i]!));
      const testMargins = new Float64Array(testRows.length);
      const losses: number[] = [];
      let best = Number.POSITIVE_INFINITY;
      let sinceBest = 0;
      const model = await fitBoostedTrees(
        matrixOf(binner, train.rows, train.asOf),
        train.labels,
        params,
        (trees, round) => {
          const tree = trees.trees[round]!;
          if (round === 0) testMargins.fill(trees.baseMargin);
          for (let i = 0; i < testRows.length; i++) {
            const row = testRows[i]!;
            testMargins[i]! += treeMargin(tree, (f) => row[f]!);
          }
          const loss = logLoss(testMargins, test.labels);
          losses.push(loss);
          if (loss < best - 1e-6) {
            best = loss;
            sinceBest = 0;
          } else if (++sinceBest >= patience) return false;
          return true;
        },
      );
      runs.push({ testIndex, testRows, model, losses });
      await options.onFold?.({ fold: k + 1, folds, heldOutLoss: best, rounds: losses.length });
    }
    const commonRounds = Math.min(...runs.map((run) => run.losses.length));
    let bestRounds = 1;
    let bestLoss = Number.POSITIVE_INFINITY;
    for (let round = 0; round < commonRounds; round++) {
      const loss = runs.reduce((sum, run) => sum + run.losses[round]!, 0);
      if (loss < bestLoss) {
        bestLoss = loss;
        bestRounds = round + 1;
      }
    }
    const outOfFold = new Float64Array(n);
    for (const run of runs) {
      run.testIndex.forEach((row, i) => {
        outOfFold[row] = predictMargin(run.model, run.testRows[i]!, bestRounds);
      });
    }
    const platt = fitPlatt(outOfFold, data.labels);
    const calibrated = Array.from(outOfFold, (margin) => calibrate(platt, margin));
    const auc = rocAuc(outOfFold, data.labels);

    const binner = Binner.fit(data.columns, data.rows, data.labels, data.asOf);
    const model = await fitBoostedTrees(matrixOf(binner, data.rows, data.asOf), data.labels, {
      ...params,
      rounds: bestRounds,
    });
    return new TabularScorer({
      format: 'crm-ai.tabular-scorer.v1',
      features: binner.features,
      model,
      platt,
      expectedMargin: expectedMargin(model),
      baseRate: positives / n,
      quality: {
        auc: round4(auc),
        brier: round4(brierScore(calibrated, data.labels)),
        ece: round4(expectedCalibrationError(calibrated, data.labels)),
        positives,
        negatives: n - positives,
        folds,
        trees: bestRounds,
        hasSignal: auc >= MIN_SIGNAL_AUC,
      },
    });
  }

  get quality(): ScorerQuality {
    return this.artifact.quality;
  }

  probability(row: TabularRow, asOfMs: number): number {
    return calibrate(
      this.artifact.platt,
      predictMargin(this.artifact.model, this.binner.encodeRow(row, asOfMs)),
    );
  }

  /**
   * The calibrated probability and every feature's exact share of it against the baseline, largest first.
   * Effects are TreeSHAP values scaled by the calibration's slope: they add up to the row's calibrated
   * log-odds minus the baseline's.
   */
  explain(row: TabularRow, asOfMs: number): Explanation {
    const { model, platt, features } = this.artifact;
    const bins = this.binner.encodeRow(row, asOfMs);
    const phi = treeShap(model, bins, features.length);
    const factors: Factor[] = features.map((feature, f) => {
      const bin = bins[f]!;
      const rows = feature.counts[bin] ?? 0;
      return {
        column: feature.column,
        label: feature.label,
        ...(feature.word !== undefined ? { word: feature.word } : {}),
        bin: this.binner.describeBin(f, bin),
        effect: phi[f]! * platt.slope,
        evidence: { rows, rate: rows > 0 ? (feature.positives[bin] ?? 0) / rows : 0 },
      };
    });
    factors.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
    return {
      probability: calibrate(platt, predictMargin(model, bins)),
      baseRate: this.artifact.baseRate,
      baselineProbability: calibrate(platt, this.artifact.expectedMargin),
      factors,
    };
  }
}

function matrixOf(binner: Binner, rows: readonly TabularRow[], asOf: readonly number[]): BinnedMatrix {
  return {
    codes: binner.encode(rows, asOf),
    binCounts: binner.features.map((feature) => binner.binCount(feature)),
    categorical: binner.features.map(
      (feature) => feature.kind === 'categorical' || feature.kind === 'boolean',
    ),
    rows: rows.length,
  };
}

/** Stratified folds in a seeded shuffled order: each fold holds its share of both classes. */
function assignFolds(labels: readonly number[], folds: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const fold = new Array<number>(labels.length);
  for (const label of [0, 1]) {
    const members = indexesWhere(labels, (value) => value === label);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    members.forEach((row, i) => {
      fold[row] = i % folds;
    });
  }
  return fold;
}

function indexesWhere<T>(values: readonly T[], test: (value: T) => boolean): number[] {
  const out: number[] = [];
  values.forEach((value, i) => {
    if (test(value)) out.push(i);
  });
  return out;
}

/** Four decimals: what scores and quality measures are reported with. */
export function round4(value: number): number {
  return Number(value.toFixed(4));
}
