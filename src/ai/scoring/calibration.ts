// Calibration and the quality measures stored with every trained scorer: Platt scaling fitted on
// out-of-fold margins, ROC AUC, Brier score and expected calibration error.

export interface Platt {
  /** Calibrated log-odds = slope × margin + intercept. */
  slope: number;
  intercept: number;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * Platt's method: a one-feature logistic regression from the model's margins to the outcome, fitted by
 * Newton's method, with Platt's smoothed targets so that a perfectly separated fold cannot push it to
 * infinity. Margins that carry no signal get a slope near 0: scores stay at the base rate.
 */
export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const negatives = labels.length - positives;
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const target = (i: number) => (labels[i] === 1 ? high : low);
  // Cross-entropy against the smoothed targets, written to stay finite for large |z|.
  const loss = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < margins.length; i++) {
      const z = a * margins[i]! + b;
      sum += Math.max(z, 0) - z * target(i) + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return sum;
  };
  let slope = 0;
  let intercept = Math.log((positives + 1) / (negatives + 1));
  let current = loss(slope, intercept);
  // Newton's method with backtracking (Lin, Lin and Weng, 2007): plain Newton steps can overshoot.
  for (let iteration = 0; iteration < 100; iteration++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-12;
    let h01 = 0;
    let h11 = 1e-12;
    for (let i = 0; i < margins.length; i++) {
      const x = margins[i]!;
      const p = sigmoid(slope * x + intercept);
      const error = p - target(i);
      const weight = p * (1 - p);
      g0 += error * x;
      g1 += error;
      h00 += weight * x * x;
      h01 += weight * x;
      h11 += weight;
    }
    if (Math.abs(g0) < 1e-7 && Math.abs(g1) < 1e-7) break;
    const determinant = h00 * h11 - h01 * h01;
    if (!(determinant > 0)) break;
    const stepSlope = (h11 * g0 - h01 * g1) / determinant;
    const stepIntercept = (h00 * g1 - h01 * g0) / determinant;
    let size = 1;
    while (size > 1e-8) {
      const next = loss(slope - size * stepSlope, intercept - size * stepIntercept);
      if (next < current + 1e-4 * size * -(g0 * stepSlope + g1 * stepIntercept)) {
        current = next;
        break;
      }
      size /= 2;
    }
    if (size <= 1e-8) break;
    slope -= size * stepSlope;
    intercept -= size * stepIntercept;
  }
  return { slope, intercept };
}

export function calibrate(platt: Platt, margin: number): number {
  return sigmoid(platt.slope * margin + platt.intercept);
}

/** Area under the ROC curve: the chance a random positive scores above a random negative (ties count half). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (labels[order[k]!] === 1) {
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

export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / Math.max(1, probabilities.length);
}

/**
 * Expected calibration error: predictions in ten equal-width bins, the row-weighted mean gap between each
 * bin's average prediction and its observed rate.
 */
export function expectedCalibrationError(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): number {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const bin = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    count[bin]!++;
    predicted[bin]! += probabilities[i]!;
    observed[bin]! += labels[i]!;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) error += Math.abs(predicted[b]! - observed[b]!);
  }
  return error / Math.max(1, probabilities.length);
}

export function logLoss(margins: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < margins.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(margins[i]!)));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / Math.max(1, margins.length);
}
