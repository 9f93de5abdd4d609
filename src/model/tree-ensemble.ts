/** Comparison a branch node makes between the row's value and its threshold (ONNX nodes_modes). */
export type BranchMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT' | 'BRANCH_EQ' | 'BRANCH_NEQ';

/** Branch modes in the order of their codes in `Tree.mode`. */
export const BRANCH_MODES: readonly BranchMode[] = [
  'BRANCH_LEQ',
  'BRANCH_LT',
  'BRANCH_GTE',
  'BRANCH_GT',
  'BRANCH_EQ',
  'BRANCH_NEQ',
];

/**
 * One tree in flat arrays indexed by node (the root is node 0). `feature` is -1 on leaves. A row
 * takes `yes` when the comparison holds or when its value is NaN and `missingYes` is 1, as
 * onnxruntime does; `yesFraction` is the share of the node's cover that went to `yes` (0.5 each way
 * when the model stores no covers).
 */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly mode: Uint8Array;
  readonly yes: Int32Array;
  readonly no: Int32Array;
  readonly missingYes: Uint8Array;
  readonly yesFraction: Float64Array;
  /** Leaf value in the margin being explained (0 on branch nodes). */
  readonly value: Float64Array;
  /** Edges on the longest root-to-leaf path. */
  readonly depth: number;
}

/**
 * A tree ensemble read from an ONNX graph, reduced to the one raw score (margin) the served
 * probability is a monotone function of: margin = base + sum of each tree's leaf value.
 */
export interface TreeEnsemble {
  /** Width of the input row the trees read (the manifest's feature count). */
  readonly width: number;
  readonly trees: readonly Tree[];
  readonly base: number;
  /** How the margin becomes the served score, e.g. 'sigmoid' (log-odds margin) or 'identity'. */
  readonly link: 'identity' | 'sigmoid' | 'probit';
  /** Where the split fractions come from: covers stored with the model, or an even split. */
  readonly covers: 'stored' | 'uniform';
}

/** Whether a row with value `x` at a node takes its `yes` branch, exactly as onnxruntime routes it. */
export function takesYes(tree: Tree, node: number, x: number): boolean {
  const t = tree.threshold[node] as number;
  let hit: boolean;
  switch (tree.mode[node]) {
    case 0:
      hit = x <= t;
      break;
    case 1:
      hit = x < t;
      break;
    case 2:
      hit = x >= t;
      break;
    case 3:
      hit = x > t;
      break;
    case 4:
      hit = x === t;
      break;
    default:
      hit = x !== t;
  }
  return hit || (tree.missingYes[node] === 1 && Number.isNaN(x));
}

/** The ensemble's margin for one model row (the value of its raw score before the link). */
export function ensembleMargin(ensemble: TreeEnsemble, row: ArrayLike<number>): number {
  let m = ensemble.base;
  for (const tree of ensemble.trees) {
    let n = 0;
    while (tree.feature[n] !== -1) {
      n = takesYes(tree, n, row[tree.feature[n] as number] as number)
        ? (tree.yes[n] as number)
        : (tree.no[n] as number);
    }
    m += tree.value[n] as number;
  }
  return m;
}
