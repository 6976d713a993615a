// Exact per-feature attributions for tree ensembles: path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018,
// "Consistent Individualized Feature Attribution for Tree Ensembles", Algorithm 2), ported from the
// reference implementation in the shap package. For one row the attributions plus the ensemble's expected
// margin add up to the row's margin exactly, so an explanation never claims more or less than the model did.
import { type BoostedTrees, goesLeft, type Tree } from './boosting.ts';

interface Path {
  feature: number[];
  zero: number[];
  one: number[];
  weight: number[];
}

function extendPath(path: Path, depth: number, zero: number, one: number, feature: number): void {
  path.feature[depth] = feature;
  path.zero[depth] = zero;
  path.one[depth] = one;
  path.weight[depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    path.weight[i + 1]! += (one * path.weight[i]! * (i + 1)) / (depth + 1);
    path.weight[i] = (zero * path.weight[i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(path: Path, depth: number, index: number): void {
  const one = path.one[index]!;
  const zero = path.zero[index]!;
  let nextOnePortion = path.weight[depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const previous = path.weight[i]!;
      path.weight[i] = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      nextOnePortion = previous - (path.weight[i]! * zero * (depth - i)) / (depth + 1);
    } else {
      path.weight[i] = (path.weight[i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    path.feature[i] = path.feature[i + 1]!;
    path.zero[i] = path.zero[i + 1]!;
    path.one[i] = path.one[i + 1]!;
  }
}

function unwoundPathSum(path: Path, depth: number, index: number): number {
  const one = path.one[index]!;
  const zero = path.zero[index]!;
  let nextOnePortion = path.weight[depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const part = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      total += part;
      nextOnePortion = path.weight[i]! - part * zero * ((depth - i) / (depth + 1));
    } else {
      total += path.weight[i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function copyPath(path: Path, length: number): Path {
  return {
    feature: path.feature.slice(0, length),
    zero: path.zero.slice(0, length),
    one: path.one.slice(0, length),
    weight: path.weight.slice(0, length),
  };
}

function recurse(
  tree: Tree,
  row: Uint8Array,
  phi: Float64Array,
  node: number,
  parentPath: Path,
  depth: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  const path = copyPath(parentPath, depth);
  extendPath(path, depth, parentZero, parentOne, parentFeature);
  const feature = tree.feature[node]!;
  if (feature < 0) {
    for (let i = 1; i <= depth; i++) {
      const weight = unwoundPathSum(path, depth, i);
      phi[path.feature[i]!]! += weight * (path.one[i]! - path.zero[i]!) * tree.value[node]!;
    }
    return;
  }
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  const hot = goesLeft(tree, node, row[feature]!) ? left : right;
  const cold = hot === left ? right : left;
  const cover = tree.cover[node]!;
  let incomingZero = 1;
  let incomingOne = 1;
  let uniqueDepth = depth;
  // A feature split on again higher up: undo that split so this node redoes it.
  let index = 0;
  while (index <= uniqueDepth && path.feature[index] !== feature) index++;
  if (index !== uniqueDepth + 1) {
    incomingZero = path.zero[index]!;
    incomingOne = path.one[index]!;
    unwindPath(path, uniqueDepth, index);
    uniqueDepth--;
  }
  recurse(
    tree,
    row,
    phi,
    hot,
    path,
    uniqueDepth + 1,
    (tree.cover[hot]! / cover) * incomingZero,
    incomingOne,
    feature,
  );
  recurse(
    tree,
    row,
    phi,
    cold,
    path,
    uniqueDepth + 1,
    (tree.cover[cold]! / cover) * incomingZero,
    0,
    feature,
  );
}

/** The margin a tree gives on average over its training rows. */
export function expectedTreeMargin(tree: Tree, node = 0): number {
  if (tree.feature[node]! < 0) return tree.value[node]!;
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  return (
    (tree.cover[left]! * expectedTreeMargin(tree, left) +
      tree.cover[right]! * expectedTreeMargin(tree, right)) /
    tree.cover[node]!
  );
}

export function expectedMargin(model: BoostedTrees): number {
  return model.trees.reduce((sum, tree) => sum + expectedTreeMargin(tree), model.baseMargin);
}

/** Each feature's share of the row's margin minus the expected margin. */
export function treeShap(model: BoostedTrees, row: Uint8Array, featureCount: number): Float64Array {
  const phi = new Float64Array(featureCount);
  const empty: Path = { feature: [], zero: [], one: [], weight: [] };
  for (const tree of model.trees) recurse(tree, row, phi, 0, empty, 0, 1, 1, -1);
  return phi;
}
