import { type Tree, type TreeEnsemble, takesYes } from './tree-ensemble.js';

/** Exact Shapley values of a tree ensemble's margin for one row. */
export interface TreeShap {
  /** The margin with no feature known: base plus each tree's cover-weighted mean leaf value. */
  readonly expectedValue: number;
  /**
   * Adds each column's contribution for `row` to `phi` (length: the row width, zeroed by the
   * caller) and returns the margin; expectedValue + sum(phi) equals it up to float rounding.
   */
  contributions(row: ArrayLike<number>, phi: Float64Array): number;
}

/**
 * Path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, "Consistent individualized feature
 * attribution for tree ensembles", Algorithm 2), following the reference implementation in shap
 * (tree_shap_recursive): O(T L D^2) for T trees of L leaves and depth D. The value of a feature set
 * S is E[f(x) | x_S]: a node splitting on a feature in S sends the row where it goes (NaN as the
 * node routes missing values); any other node sends it both ways, weighted by `yesFraction`. Paths
 * are kept in preallocated typed arrays: no allocation per row.
 */
export function createTreeShap(ensemble: TreeEnsemble): TreeShap {
  const maxDepth = ensemble.trees.reduce((d, t) => Math.max(d, t.depth), 0);
  // Path element slots for every recursion level: (D + 2)(D + 3) / 2.
  const slots = ((maxDepth + 2) * (maxDepth + 3)) / 2;
  const pFeature = new Int32Array(slots);
  const pZero = new Float64Array(slots);
  const pOne = new Float64Array(slots);
  const pWeight = new Float64Array(slots);
  let expectedValue = ensemble.base;
  for (const t of ensemble.trees) expectedValue += meanValue(t, 0);

  let tree: Tree = ensemble.trees[0] as Tree;
  let x: ArrayLike<number> = [];
  let phi: Float64Array = new Float64Array(0);
  let margin = 0;

  const extend = (at: number, depth: number, zero: number, one: number, feature: number) => {
    pFeature[at + depth] = feature;
    pZero[at + depth] = zero;
    pOne[at + depth] = one;
    pWeight[at + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      pWeight[at + i + 1] =
        (pWeight[at + i + 1] as number) + (one * (pWeight[at + i] as number) * (i + 1)) / (depth + 1);
      pWeight[at + i] = (zero * (pWeight[at + i] as number) * (depth - i)) / (depth + 1);
    }
  };

  const unwind = (at: number, depth: number, index: number) => {
    const one = pOne[at + index] as number;
    const zero = pZero[at + index] as number;
    let next = pWeight[at + depth] as number;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pWeight[at + i] as number;
        pWeight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - ((pWeight[at + i] as number) * zero * (depth - i)) / (depth + 1);
      } else {
        pWeight[at + i] = ((pWeight[at + i] as number) * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      pFeature[at + i] = pFeature[at + i + 1] as number;
      pZero[at + i] = pZero[at + i + 1] as number;
      pOne[at + i] = pOne[at + i + 1] as number;
    }
  };

  const unwoundSum = (at: number, depth: number, index: number): number => {
    const one = pOne[at + index] as number;
    const zero = pZero[at + index] as number;
    let next = pWeight[at + depth] as number;
    let total = 0;
    if (one !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = next / ((i + 1) * one);
        total += tmp;
        next = (pWeight[at + i] as number) - tmp * zero * (depth - i);
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += (pWeight[at + i] as number) / (zero * (depth - i));
    }
    return total * (depth + 1);
  };

  /** One node of the recursion; the parent's path starts at `parentAt` and has `depth` + 1 elements. */
  const recurse = (
    node: number,
    depth: number,
    parentAt: number,
    zero: number,
    one: number,
    feature: number,
  ) => {
    const at = parentAt + depth + 1;
    // Paths are a few elements long: a plain loop beats four copyWithin calls.
    for (let i = 0; i <= depth; i++) {
      pFeature[at + i] = pFeature[parentAt + i] as number;
      pZero[at + i] = pZero[parentAt + i] as number;
      pOne[at + i] = pOne[parentAt + i] as number;
      pWeight[at + i] = pWeight[parentAt + i] as number;
    }
    extend(at, depth, zero, one, feature);
    const split = tree.feature[node] as number;
    if (split === -1) {
      const v = tree.value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(at, depth, i);
        const f = pFeature[at + i] as number;
        phi[f] = (phi[f] as number) + w * ((pOne[at + i] as number) - (pZero[at + i] as number)) * v;
      }
      return;
    }
    const goesYes = takesYes(tree, node, x[split] as number);
    const yf = tree.yesFraction[node] as number;
    const hot = goesYes ? (tree.yes[node] as number) : (tree.no[node] as number);
    const cold = goesYes ? (tree.no[node] as number) : (tree.yes[node] as number);
    const hotFraction = goesYes ? yf : 1 - yf;
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let k = 0;
    while (k <= d && pFeature[at + k] !== split) k++;
    if (k <= d) {
      // Split on this feature before: undo it so this node redoes it.
      inZero = pZero[at + k] as number;
      inOne = pOne[at + k] as number;
      unwind(at, d, k);
      d -= 1;
    }
    recurse(hot, d + 1, at, hotFraction * inZero, inOne, split);
    recurse(cold, d + 1, at, (1 - hotFraction) * inZero, 0, split);
  };

  return {
    expectedValue,
    contributions(row, out) {
      x = row;
      phi = out;
      margin = ensemble.base;
      for (const t of ensemble.trees) {
        tree = t;
        margin += leafOf(t, row);
        if (t.feature[0] === -1) continue; // a stump adds its value to the expectation alone
        recurse(0, 0, 0, 1, 1, -1);
      }
      return margin;
    },
  };
}

/** The mean leaf value below `node`, children weighted by their cover fractions. */
function meanValue(t: Tree, node: number): number {
  if (t.feature[node] === -1) return t.value[node] as number;
  const yf = t.yesFraction[node] as number;
  return yf * meanValue(t, t.yes[node] as number) + (1 - yf) * meanValue(t, t.no[node] as number);
}

function leafOf(t: Tree, row: ArrayLike<number>): number {
  let n = 0;
  while (t.feature[n] !== -1) {
    n = takesYes(t, n, row[t.feature[n] as number] as number) ? (t.yes[n] as number) : (t.no[n] as number);
  }
  return t.value[n] as number;
}
