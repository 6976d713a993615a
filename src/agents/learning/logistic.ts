// Logistic regression for the agents' scoring models: standardised features, L2-regularised, fitted by
// batch gradient descent (the data sets are a workspace's leads or deals: thousands of rows, tens of
// features). Each prediction can be explained as per-feature contributions to the log-odds.

export interface FeatureRow {
  readonly [feature: string]: number;
}

export interface Contribution {
  feature: string;
  /** Change in log-odds this feature brings against an average record. */
  effect: number;
}

export class LogisticModel {
  private constructor(
    readonly features: readonly string[],
    private readonly means: Float64Array,
    private readonly scales: Float64Array,
    private readonly weights: Float64Array,
    private readonly intercept: number,
    /** Rows it was fitted on. */
    readonly trainedOn: number,
  ) {}

  static fit(
    rows: readonly FeatureRow[],
    labels: readonly number[],
    options: { l2?: number; iterations?: number; learningRate?: number } = {},
  ): LogisticModel {
    if (rows.length === 0) throw new Error('no rows to fit');
    const features = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
    const n = rows.length;
    const d = features.length;
    const x = rows.map((row) => Float64Array.from(features, (feature) => row[feature] ?? 0));
    const means = new Float64Array(d);
    const scales = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (const row of x) sum += row[j]!;
      means[j] = sum / n;
      let variance = 0;
      for (const row of x) variance += (row[j]! - means[j]!) ** 2;
      scales[j] = Math.sqrt(variance / n) || 1;
    }
    for (const row of x) for (let j = 0; j < d; j++) row[j] = (row[j]! - means[j]!) / scales[j]!;

    const l2 = options.l2 ?? 1e-3;
    const rate = options.learningRate ?? 0.5;
    const weights = new Float64Array(d);
    const positives = labels.reduce((sum, label) => sum + label, 0);
    // Start at the base rate: gradient descent then only has to learn the features.
    let intercept = Math.log((positives + 0.5) / (n - positives + 0.5));
    const gradient = new Float64Array(d);
    for (let iteration = 0; iteration < (options.iterations ?? 300); iteration++) {
      gradient.fill(0);
      let interceptGradient = 0;
      for (let i = 0; i < n; i++) {
        const row = x[i]!;
        let z = intercept;
        for (let j = 0; j < d; j++) z += weights[j]! * row[j]!;
        const error = sigmoid(z) - labels[i]!;
        interceptGradient += error;
        for (let j = 0; j < d; j++) gradient[j]! += error * row[j]!;
      }
      intercept -= (rate * interceptGradient) / n;
      for (let j = 0; j < d; j++) weights[j]! -= rate * (gradient[j]! / n + l2 * weights[j]!);
    }
    return new LogisticModel(features, means, scales, weights, intercept, n);
  }

  /** A model with stated weights on raw feature values: the prior used before there is history. */
  static prior(intercept: number, weights: Record<string, number>): LogisticModel {
    const features = Object.keys(weights).sort();
    return new LogisticModel(
      features,
      new Float64Array(features.length),
      new Float64Array(features.length).fill(1),
      Float64Array.from(features, (feature) => weights[feature]!),
      intercept,
      0,
    );
  }

  probability(row: FeatureRow): number {
    let z = this.intercept;
    for (const { effect } of this.contributions(row)) z += effect;
    return sigmoid(z);
  }

  /** Every feature's effect on the log-odds for this row, largest magnitude first. */
  contributions(row: FeatureRow): Contribution[] {
    return this.features
      .map((feature, j) => ({
        feature,
        effect: (this.weights[j]! * ((row[feature] ?? 0) - this.means[j]!)) / this.scales[j]!,
      }))
      .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect));
  }
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Area under the ROC curve: the chance a random positive scores above a random negative (ties count half). */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((score, i) => ({ score, label: labels[i]! })).sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.score === order[i]!.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]!.label === 1) {
        rankSum += averageRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
