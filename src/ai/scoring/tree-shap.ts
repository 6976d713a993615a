// Exact per-feature attributions for tree ensembles: path-dependent TreeSHAP (Lundberg, Erion and Lee, 2018,
// "Consistent Individualized Feature Attribution for Tree Ensembles", Algorithm 2), ported from the
// reference implementation in the shap package. For one row the attributions plus the ensemble's expected
// margin add up to the row's margin exactly, so an explanation never claims more or less than the model did.
import { type BoostedTrees, goesLeft, type Tree } from './boosting.ts';

/**
 * The unique paths of every recursion level in one preallocated pool (as the reference implementation does):
 * level k's path starts where its parent's ends, so a visit allocates nothing.
 */
interface PathPool {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
}

function poolFor(maxDepth: number): PathPool {
  const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
  return {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };
}

function extendPath(
  path: PathPool,
  at: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  path.feature[at + depth] = feature;
  path.zero[at + depth] = zero;
  path.one[at + depth] = one;
  path.weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    path.weight[at + i + 1]! += (one * path.weight[at + i]! * (i + 1)) / (depth + 1);
    path.weight[at + i] = (zero * path.weight[at + i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(path: PathPool, at: number, depth: number, index: number): void {
  const one = path.one[at + index]!;
  const zero = path.zero[at + index]!;
  let nextOnePortion = path.weight[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const previous = path.weight[at + i]!;
      path.weight[at + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      nextOnePortion = previous - (path.weight[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      path.weight[at + i] = (path.weight[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    path.feature[at + i] = path.feature[at + i + 1]!;
    path.zero[at + i] = path.zero[at + i + 1]!;
    path.one[at + i] = path.one[at + i + 1]!;
  }
}

function unwoundPathSum(path: PathPool, at: number, depth: number, index: number): number {
  const one = path.one[at + index]!;
  const zero = path.zero[at + index]!;
  let nextOnePortion = path.weight[at + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const part = (nextOnePortion * (depth + 1)) / ((i + 1) * one);
      total += part;
      nextOnePortion = path.weight[at + i]! - part * zero * ((depth - i) / (depth + 1));
    } else {
      total += path.weight[at + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  tree: Tree,
  row: Uint8Array,
  phi: Float64Array,
  pool: PathPool,
  node: number,
  parentAt: number,
  depth: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  // This level's path: a copy of the parent's, one longer.
  const at = parentAt + depth;
  pool.feature.copyWithin(at, parentAt, parentAt + depth);
  pool.zero.copyWithin(at, parentAt, parentAt + depth);
  pool.one.copyWithin(at, parentAt, parentAt + depth);
  pool.weight.copyWithin(at, parentAt, parentAt + depth);
  extendPath(pool, at, depth, parentZero, parentOne, parentFeature);
  const feature = tree.feature[node]!;
  if (feature < 0) {
    for (let i = 1; i <= depth; i++) {
      const weight = unwoundPathSum(pool, at, depth, i);
      phi[pool.feature[at + i]!]! += weight * (pool.one[at + i]! - pool.zero[at + i]!) * tree.value[node]!;
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
  while (index <= uniqueDepth && pool.feature[at + index] !== feature) index++;
  if (index !== uniqueDepth + 1) {
    incomingZero = pool.zero[at + index]!;
    incomingOne = pool.one[at + index]!;
    unwindPath(pool, at, uniqueDepth, index);
    uniqueDepth--;
  }
  recurse(
    tree,
    row,
    phi,
    pool,
    hot,
    at,
    uniqueDepth + 1,
    (tree.cover[hot]! / cover) * incomingZero,
    incomingOne,
    feature,
  );
  recurse(
    tree,
    row,
    phi,
    pool,
    cold,
    at,
    uniqueDepth + 1,
    (tree.cover[cold]! / cover) * incomingZero,
    0,
    feature,
  );
}

function treeDepth(tree: Tree, node = 0): number {
  if (tree.feature[node]! < 0) return 0;
  return 1 + Math.max(treeDepth(tree, tree.left[node]!), treeDepth(tree, tree.right[node]!));
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
  const maxDepth = model.trees.reduce((deepest, tree) => Math.max(deepest, treeDepth(tree)), 0);
  const pool = poolFor(maxDepth + 1);
  for (const tree of model.trees) recurse(tree, row, phi, pool, 0, 0, 0, 1, 1, -1);
  return phi;
}
