// Gradient-boosted decision trees for a yes/no outcome (logistic loss) on binned features, grown leaf-wise
// from gradient histograms as LightGBM does. Chosen by measurement on the bank-marketing list (see the
// README's "Scores"): trees find the interactions (month × channel, age × history) that a linear model on the
// same columns misses. Small on purpose: no sampling, no missing-value direction learning (missing is a bin).

import { TimeSlicer } from '../../platform/time-slicer.ts';

export interface BoostingParams {
  rounds: number;
  learningRate: number;
  maxLeaves: number;
  /** A split leaving fewer training rows than this on either side is not made. */
  minLeafRows: number;
  /** L2 penalty on leaf values: shrinks leaves with little evidence towards zero. */
  l2: number;
}

export const DEFAULT_BOOSTING: BoostingParams = {
  rounds: 400,
  learningRate: 0.05,
  maxLeaves: 15,
  minLeafRows: 20,
  l2: 1,
};

/**
 * A tree as flat arrays: node i splits on `feature[i]` or is a leaf (-1). An ordered feature sends bins up to
 * `threshold[i]` left; a categorical one sends the bins listed in `leftBins[i]` left.
 */
export interface Tree {
  feature: number[];
  threshold: number[];
  leftBins: (number[] | null)[];
  left: number[];
  right: number[];
  /** Leaf values in log-odds (learning rate applied); 0 for inner nodes. */
  value: number[];
  /** Training rows that reached the node: the weights TreeSHAP needs. */
  cover: number[];
}

export interface BoostedTrees {
  /** Log-odds of the base rate: where every prediction starts. */
  baseMargin: number;
  trees: Tree[];
}

/** Features as bins, column-major, with each feature's number of bins. */
export interface BinnedMatrix {
  codes: readonly Uint8Array[];
  binCounts: readonly number[];
  /** Features whose bins have no order: their splits group bins by gradient, as LightGBM does. */
  categorical: readonly boolean[];
  rows: number;
}

export function goesLeft(tree: Tree, node: number, bin: number): boolean {
  const leftBins = tree.leftBins[node];
  return leftBins ? leftBins.includes(bin) : bin <= tree.threshold[node]!;
}

export function treeMargin(tree: Tree, bins: (feature: number) => number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = goesLeft(tree, node, bins(tree.feature[node]!)) ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** The log-odds the trees give one row of bins. */
export function predictMargin(model: BoostedTrees, row: Uint8Array, treeLimit = model.trees.length): number {
  let margin = model.baseMargin;
  for (let t = 0; t < treeLimit; t++) margin += treeMargin(model.trees[t]!, (f) => row[f]!);
  return margin;
}

function addTree(tree: Tree, matrix: BinnedMatrix, margins: Float64Array): void {
  for (let i = 0; i < matrix.rows; i++) margins[i]! += treeMargin(tree, (f) => matrix.codes[f]![i]!);
}

/** Added to a category's hessian when ordering levels: a level with few rows cannot lead the order. */
const CATEGORY_SMOOTHING = 10;

interface Split {
  gain: number;
  feature: number;
  threshold: number;
  leftBins: number[] | null;
}

interface Leaf {
  node: number;
  rows: Uint32Array;
  histogram: Float64Array;
  sumGradient: number;
  sumHessian: number;
  split: Split | null;
}

/**
 * Fits `params.rounds` trees, or fewer: `onRound` is told each round's trees so far and may stop early by
 * returning false (cross-validation uses it to find the best number of rounds on held-out rows).
 */
export async function fitBoostedTrees(
  train: BinnedMatrix,
  labels: ArrayLike<number>,
  params: BoostingParams,
  onRound?: (model: BoostedTrees, round: number) => boolean | undefined,
): Promise<BoostedTrees> {
  // A round on 30,000 rows takes a few milliseconds; between rounds other requests get the event loop.
  const slicer = new TimeSlicer(20);
  const n = train.rows;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  const baseMargin = Math.log((positives + 0.5) / (n - positives + 0.5));
  const model: BoostedTrees = { baseMargin, trees: [] };
  const margins = new Float64Array(n).fill(baseMargin);
  const gradients = new Float64Array(n);
  const hessians = new Float64Array(n);
  const offsets: number[] = [];
  let totalBins = 0;
  for (const count of train.binCounts) {
    offsets.push(totalBins);
    totalBins += count;
  }
  const context = { train, gradients, hessians, offsets, totalBins, params };

  for (let round = 0; round < params.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-margins[i]!));
      gradients[i] = p - labels[i]!;
      hessians[i] = Math.max(p * (1 - p), 1e-12);
    }
    const tree = growTree(context);
    addTree(tree, train, margins);
    model.trees.push(tree);
    if (onRound?.(model, round) === false) break;
    await slicer.maybeYield();
  }
  return model;
}

type GrowContext = {
  train: BinnedMatrix;
  gradients: Float64Array;
  hessians: Float64Array;
  offsets: number[];
  totalBins: number;
  params: BoostingParams;
};

function growTree(context: GrowContext): Tree {
  const { train, params } = context;
  const tree: Tree = { feature: [], threshold: [], leftBins: [], left: [], right: [], value: [], cover: [] };
  const addNode = (cover: number) => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.leftBins.push(null);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.cover.push(cover);
    return tree.feature.length - 1;
  };
  const all = new Uint32Array(train.rows);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const root = makeLeaf(context, addNode(all.length), all, histogramOf(context, all));
  const leaves: Leaf[] = [root];
  while (leaves.length < params.maxLeaves) {
    let best = -1;
    for (let l = 0; l < leaves.length; l++) {
      const gain = leaves[l]!.split?.gain ?? 0;
      if (gain > 0 && (best < 0 || gain > leaves[best]!.split!.gain)) best = l;
    }
    if (best < 0) break;
    const parent = leaves[best]!;
    const { feature, threshold, leftBins } = parent.split!;
    const codes = train.codes[feature]!;
    const isLeft = new Uint8Array(256);
    for (let bin = 0; bin < 256; bin++)
      isLeft[bin] = (leftBins ? leftBins.includes(bin) : bin <= threshold) ? 1 : 0;
    let leftCount = 0;
    for (const row of parent.rows) leftCount += isLeft[codes[row]!]!;
    const leftRows = new Uint32Array(leftCount);
    const rightRows = new Uint32Array(parent.rows.length - leftCount);
    let l = 0;
    let r = 0;
    for (const row of parent.rows) {
      if (isLeft[codes[row]!]) leftRows[l++] = row;
      else rightRows[r++] = row;
    }
    // Histogram the smaller child; the larger is the parent's minus it.
    const leftIsSmaller = leftRows.length <= rightRows.length;
    const small = histogramOf(context, leftIsSmaller ? leftRows : rightRows);
    const large = parent.histogram;
    for (let i = 0; i < large.length; i++) large[i]! -= small[i]!;
    const leftNode = addNode(leftRows.length);
    const rightNode = addNode(rightRows.length);
    tree.feature[parent.node] = feature;
    tree.threshold[parent.node] = threshold;
    tree.leftBins[parent.node] = leftBins;
    tree.left[parent.node] = leftNode;
    tree.right[parent.node] = rightNode;
    leaves.splice(
      best,
      1,
      makeLeaf(context, leftNode, leftRows, leftIsSmaller ? small : large),
      makeLeaf(context, rightNode, rightRows, leftIsSmaller ? large : small),
    );
  }
  for (const leaf of leaves) {
    tree.value[leaf.node] = (-leaf.sumGradient / (leaf.sumHessian + params.l2)) * params.learningRate;
  }
  return tree;
}

/** Per feature and bin: sum of gradients, sum of hessians, row count. */
function histogramOf(context: GrowContext, rows: Uint32Array): Float64Array {
  const { train, gradients, hessians, offsets } = context;
  const histogram = new Float64Array(context.totalBins * 3);
  for (let f = 0; f < train.codes.length; f++) {
    const codes = train.codes[f]!;
    const base = offsets[f]! * 3;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const at = base + codes[row]! * 3;
      histogram[at]! += gradients[row]!;
      histogram[at + 1]! += hessians[row]!;
      histogram[at + 2]!++;
    }
  }
  return histogram;
}

function makeLeaf(context: GrowContext, node: number, rows: Uint32Array, histogram: Float64Array): Leaf {
  const { train, offsets, params } = context;
  // Totals from the first feature's bins: every row falls in exactly one bin of each feature.
  let sumGradient = 0;
  let sumHessian = 0;
  for (let b = 0; b < (train.binCounts[0] ?? 0); b++) {
    sumGradient += histogram[b * 3]!;
    sumHessian += histogram[b * 3 + 1]!;
  }
  const parentScore = (sumGradient * sumGradient) / (sumHessian + params.l2);
  let split: Split | null = null;
  if (rows.length >= 2 * params.minLeafRows) {
    for (let f = 0; f < train.codes.length; f++) {
      const base = offsets[f]! * 3;
      const bins = train.binCounts[f]!;
      // Ordered features scan their bins in order; categorical ones in order of gradient per hessian, so
      // one scan finds the best grouping of levels into two sides (Fisher, 1958; LightGBM).
      let order = Array.from({ length: bins }, (_, b) => b);
      if (train.categorical[f]) {
        order = order.filter((b) => histogram[base + b * 3 + 2]! > 0);
        const ratio = (b: number) =>
          histogram[base + b * 3]! / (histogram[base + b * 3 + 1]! + CATEGORY_SMOOTHING);
        order.sort((a, b) => ratio(a) - ratio(b));
      }
      let leftGradient = 0;
      let leftHessian = 0;
      let leftRows = 0;
      for (let k = 0; k < order.length - 1; k++) {
        const b = order[k]!;
        leftGradient += histogram[base + b * 3]!;
        leftHessian += histogram[base + b * 3 + 1]!;
        leftRows += histogram[base + b * 3 + 2]!;
        if (leftRows < params.minLeafRows) continue;
        if (rows.length - leftRows < params.minLeafRows) break;
        const rightGradient = sumGradient - leftGradient;
        const rightHessian = sumHessian - leftHessian;
        const gain =
          (leftGradient * leftGradient) / (leftHessian + params.l2) +
          (rightGradient * rightGradient) / (rightHessian + params.l2) -
          parentScore;
        if (gain > 1e-9 && (!split || gain > split.gain)) {
          split = {
            gain,
            feature: f,
            threshold: b,
            leftBins: train.categorical[f] ? order.slice(0, k + 1).sort((x, y) => x - y) : null,
          };
        }
      }
    }
  }
  return { node, rows, histogram, sumGradient, sumHessian, split };
}
