/**
 * Gradient-boosted decision trees for binary classification (logistic loss), histogram based.
 *
 * Every threshold, leaf value and the base score is a float32 value, and splits are `x <= threshold`
 * (ONNX BRANCH_LEQ), so the exported TreeEnsembleRegressor in onnxruntime (which compares and sums in
 * float32) routes every row exactly as training and `predictGbdt` do.
 *
 * Categorical features (integer codes) split natively, as in LightGBM and scikit-learn: per node the
 * categories are sorted by gradient / (hessian + smoothing) and the best prefix of that order becomes
 * the left set. The split is stored as the set of codes that go left.
 */

import { type BinnedData, binColumns, binWithLayout } from './binning.js';
import { mulberry32 } from './mulberry32.js';

/** Row-major dense float32 feature matrix (`data[row * nFeatures + feature]`). */
export interface DenseMatrix {
  readonly data: Float32Array;
  readonly nRows: number;
  readonly nFeatures: number;
}

/** Column-major feature matrix: one float32 column per feature, each `nRows` long. */
export interface ColumnarMatrix {
  readonly columns: readonly Float32Array[];
  readonly nRows: number;
}

/** Training input: rows, a row-major dense matrix or columns; NaN marks a missing value. */
export type GbdtInput = readonly Float32Array[] | DenseMatrix | ColumnarMatrix;

/** Held-out rows for early stopping: training stops when their log-loss stops improving. */
export interface GbdtValidation {
  readonly input: GbdtInput;
  readonly labels: ArrayLike<number>;
}

/** Training hyper-parameters; every field is optional and has a conservative default. */
export interface GbdtOptions {
  /** Number of boosting rounds (trees). Default 100. */
  nTrees?: number;
  /** Maximum tree depth (a depth-d tree has at most 2^d leaves). Default 4. */
  maxDepth?: number;
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Minimum number of training rows in each child of a split. Default 20. */
  minSamplesLeaf?: number;
  /** Minimum hessian sum in each child of a split; guards against near-pure, over-confident leaves. Default 1e-3. */
  minChildWeight?: number;
  /** L2 regularisation on leaf values (lambda). Default 1. */
  l2?: number;
  /** Minimum loss reduction needed to keep a split (gamma). Default 0. */
  minSplitGain?: number;
  /** Fraction of rows sampled (without replacement, Bernoulli) for each tree. Default 1. */
  subsample?: number;
  /** Fraction of features sampled for each tree. Default 1. */
  colsampleByTree?: number;
  /** Histogram bins per feature for non-missing values, 2..255 (one more bin holds NaN). Default 64. */
  maxBins?: number;
  /** PRNG seed for row/feature sampling; same input + seed gives an identical model. Default 1. */
  seed?: number;
  /** Optional feature names, copied into the model (must match the feature count). */
  featureNames?: readonly string[];
  /** Indices of categorical features; their values are integer codes in [0, maxBins - 2] or NaN. */
  categorical?: readonly number[];
  /** Weights of class 0 and class 1 (multiply gradients and hessians). Default [1, 1]. */
  classWeight?: readonly [number, number];
  /** Rows for early stopping; without them all `nTrees` rounds run. */
  validation?: GbdtValidation;
  /** Stop after this many rounds without a validation log-loss improvement above `tol`. Default 10. */
  earlyStoppingRounds?: number;
  /** Minimum validation log-loss improvement that counts. Default 1e-7. */
  tol?: number;
}

/** Resolved hyper-parameters as recorded in the model (feature names live on the model itself). */
export type GbdtParams = Required<
  Omit<
    GbdtOptions,
    'featureNames' | 'categorical' | 'classWeight' | 'validation' | 'earlyStoppingRounds' | 'tol'
  >
>;

/** What early stopping saw: validation log-loss per round and how many trees were kept. */
export interface GbdtEarlyStopping {
  readonly rounds: number;
  readonly bestIteration: number;
  readonly validationLoss: readonly number[];
}

/**
 * Internal node: rows with `x[feature] <= threshold` go to `left` (or, when `categories` is set, rows whose
 * code is one of `categories`); NaN goes left iff `missingLeft`.
 */
export interface GbdtSplitNode {
  kind: 'split';
  feature: number;
  /** float32-exact threshold (0 and unused for a categorical split). */
  threshold: number;
  /** Categorical split: ascending codes that go left; every other code goes right. */
  categories?: number[];
  /** Index of the child taken when the comparison holds (ONNX "true" branch). */
  left: number;
  /** Index of the child taken otherwise. */
  right: number;
  /** Learned direction for NaN (ONNX `nodes_missing_value_tracks_true`). */
  missingLeft: boolean;
  /** Loss reduction of this split on the training sample (feature importance). */
  gain: number;
  /** Training rows (in the tree's subsample) reaching this node. */
  count: number;
}

/** Leaf node holding a float32 logit contribution (learning rate already applied). */
export interface GbdtLeafNode {
  kind: 'leaf';
  value: number;
  count: number;
}

/** A tree node; `nodes[0]` is the root and node ids are array indices. */
export type GbdtNode = GbdtSplitNode | GbdtLeafNode;

/** One regression tree of the ensemble. */
export interface GbdtTree {
  nodes: GbdtNode[];
}

/** Plain JSON-serialisable boosted-tree model whose raw output is a logit. */
export interface GbdtModel {
  format: 'gbdt-logistic/v1';
  /** Initial logit (float32), i.e. log-odds of the training base rate. */
  baseScore: number;
  nFeatures: number;
  trees: GbdtTree[];
  featureNames?: string[];
  /** Indices of categorical features (absent when there are none). */
  categorical?: number[];
  params: GbdtParams;
  /** Present when training used a validation set. */
  earlyStopping?: GbdtEarlyStopping;
}

const MAX_BINS_LIMIT = 255;
const PROB_CLAMP = 1e-6;
/** A category needs this many rows in a node to be ordered there; it is also the ordering's smoothing. */
const MIN_CAT_SUPPORT = 10;
/** Extra L2 in the gain of categorical splits (LightGBM's cat_l2 default). */
const CAT_L2 = 10;
/** Most categories a split's left set may hold (LightGBM's max_cat_threshold). */
const MAX_CAT_THRESHOLD = 32;

const DEFAULTS: GbdtParams = {
  nTrees: 100,
  maxDepth: 4,
  learningRate: 0.1,
  minSamplesLeaf: 20,
  minChildWeight: 1e-3,
  l2: 1,
  minSplitGain: 0,
  subsample: 1,
  colsampleByTree: 1,
  maxBins: 64,
  seed: 1,
};

/** Trains a logistic-loss GBDT; deterministic for a given input, labels and options. */
export function trainGbdt(input: GbdtInput, labels: ArrayLike<number>, options: GbdtOptions = {}): GbdtModel {
  const params = resolveParams(options);
  const { columns, nRows: n } = toColumns(input);
  const nf = columns.length;
  if (options.featureNames && options.featureNames.length !== nf) {
    throw new RangeError(`featureNames has ${options.featureNames.length} entries, expected ${nf}`);
  }
  const y = checkLabels(labels, n);
  const [w0, w1] = options.classWeight ?? [1, 1];
  if (!(w0 > 0 && w1 > 0 && Number.isFinite(w0) && Number.isFinite(w1))) {
    throw new RangeError(`classWeight must be two positive finite numbers, got ${options.classWeight}`);
  }
  const isCat = new Uint8Array(nf);
  for (const f of options.categorical ?? []) {
    if (!Number.isInteger(f) || f < 0 || f >= nf) throw new RangeError(`categorical index ${f} out of range`);
    isCat[f] = 1;
  }
  const rounds = options.earlyStoppingRounds ?? 10;
  const tol = options.tol ?? 1e-7;
  requireInt('earlyStoppingRounds', rounds, 1, 1e6);
  requireRange('tol', tol, 0, Number.MAX_VALUE);

  const binned = binColumns(columns, n, params.maxBins, isCat);
  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    wPos += y[i] === 1 ? w1 : 0;
    wAll += y[i] === 1 ? w1 : w0;
  }
  const rate = Math.min(1 - PROB_CLAMP, Math.max(PROB_CLAMP, wPos / wAll));
  const baseScore = Math.fround(Math.log(rate / (1 - rate)));

  const valid = options.validation ? prepareValidation(options.validation, binned, nf) : undefined;
  const valRaw = valid ? new Float64Array(valid.binned.nRows).fill(baseScore) : undefined;
  const validationLoss: number[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestIteration = 0;

  const raw = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const rowIdx = new Uint32Array(n);
  const grower = createTreeGrower(binned, grad, hess, params);
  const rand = mulberry32(params.seed);
  const nSelected = Math.max(1, Math.round(params.colsampleByTree * nf));
  const featureOrder = Int32Array.from({ length: nf }, (_, i) => i);
  const trees: GbdtTree[] = [];

  for (let t = 0; t < params.nTrees; t++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(raw[i] as number)));
      const w = y[i] === 1 ? w1 : w0;
      grad[i] = w * (p - (y[i] as number));
      hess[i] = w * Math.max(p * (1 - p), 1e-16);
    }
    let count = 0;
    if (params.subsample < 1) {
      for (let i = 0; i < n; i++) if (rand() < params.subsample) rowIdx[count++] = i;
    }
    if (count === 0) {
      for (let i = 0; i < n; i++) rowIdx[i] = i;
      count = n;
    }
    let features = featureOrder;
    if (nSelected < nf) {
      // Partial Fisher-Yates over a fresh identity keeps the selection independent of earlier trees.
      const perm = Int32Array.from({ length: nf }, (_, i) => i);
      for (let i = 0; i < nSelected; i++) {
        const j = i + Math.floor(rand() * (nf - i));
        const tmp = perm[i] as number;
        perm[i] = perm[j] as number;
        perm[j] = tmp;
      }
      features = perm.subarray(0, nSelected).sort();
    }
    const grown = grower.grow(rowIdx, count, features);
    trees.push({ nodes: grown.nodes });
    applyTree(grown, binned, raw);
    if (valid && valRaw) {
      applyTree(grown, valid.binned, valRaw);
      const loss = logLoss(valRaw, valid.y, w0, w1);
      validationLoss.push(loss);
      if (loss < bestLoss - tol) {
        bestLoss = loss;
        bestIteration = t + 1;
      } else if (t + 1 - bestIteration >= rounds) break;
    }
  }

  const model: GbdtModel = { format: 'gbdt-logistic/v1', baseScore, nFeatures: nf, trees, params };
  if (valid) {
    // Keep the trees up to the best validation round; a model of zero trees cannot be exported.
    model.trees = trees.slice(0, Math.max(1, bestIteration));
    model.earlyStopping = { rounds, bestIteration: model.trees.length, validationLoss };
  }
  if (options.featureNames) model.featureNames = [...options.featureNames];
  if (options.categorical && options.categorical.length > 0) {
    model.categorical = [...new Set(options.categorical)].sort((a, b) => a - b);
  }
  return model;
}

function checkLabels(labels: ArrayLike<number>, n: number): Uint8Array {
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} entries, expected ${n}`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) throw new RangeError(`label at ${i} must be 0 or 1, got ${v}`);
    y[i] = v;
  }
  return y;
}

function prepareValidation(v: GbdtValidation, layout: BinnedData, nf: number) {
  const { columns, nRows } = toColumns(v.input);
  if (columns.length !== nf)
    throw new RangeError(`validation has ${columns.length} features, expected ${nf}`);
  return { binned: binWithLayout(columns, nRows, layout), y: checkLabels(v.labels, nRows) };
}

/** Mean (class-weighted) log-loss of logits. */
function logLoss(raw: Float64Array, y: Uint8Array, w0: number, w1: number): number {
  let sum = 0;
  let wSum = 0;
  for (let i = 0; i < raw.length; i++) {
    const z = raw[i] as number;
    // log(1 + e^-|z|) + max(z, 0) - y z: the stable form of -[y log p + (1 - y) log(1 - p)].
    const l = Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - (y[i] as number) * z;
    const w = y[i] === 1 ? w1 : w0;
    sum += w * l;
    wSum += w;
  }
  return sum / wSum;
}

/** Raw model output (logit) for one row, accumulated in float32 in the same order as onnxruntime. */
export function predictGbdtLogit(model: GbdtModel, row: ArrayLike<number>): number {
  if (row.length < model.nFeatures) {
    throw new RangeError(`row has ${row.length} features, model expects ${model.nFeatures}`);
  }
  let sum = 0;
  for (const tree of model.trees) {
    let node = tree.nodes[0];
    while (node !== undefined && node.kind === 'split') {
      const v = Math.fround(row[node.feature] as number);
      const goLeft = Number.isNaN(v)
        ? node.missingLeft
        : node.categories
          ? node.categories.includes(v)
          : v <= node.threshold;
      node = tree.nodes[goLeft ? node.left : node.right];
    }
    if (node === undefined) throw new RangeError('malformed tree: dangling node reference');
    sum = Math.fround(sum + node.value);
  }
  return Math.fround(sum + model.baseScore);
}

/** Fraud probability for one row (sigmoid of `predictGbdtLogit`). */
export function predictGbdt(model: GbdtModel, row: ArrayLike<number>): number {
  return 1 / (1 + Math.exp(-predictGbdtLogit(model, row)));
}

/** Per-feature importance: total split gain (default) or number of splits using the feature. */
export function featureImportance(model: GbdtModel, type: 'gain' | 'split' = 'gain'): Float64Array {
  const out = new Float64Array(model.nFeatures);
  for (const tree of model.trees) {
    for (const node of tree.nodes) {
      if (node.kind !== 'split') continue;
      out[node.feature] = (out[node.feature] as number) + (type === 'gain' ? node.gain : 1);
    }
  }
  return out;
}

function resolveParams(options: GbdtOptions): GbdtParams {
  const p: GbdtParams = {
    nTrees: options.nTrees ?? DEFAULTS.nTrees,
    maxDepth: options.maxDepth ?? DEFAULTS.maxDepth,
    learningRate: options.learningRate ?? DEFAULTS.learningRate,
    minSamplesLeaf: options.minSamplesLeaf ?? DEFAULTS.minSamplesLeaf,
    minChildWeight: options.minChildWeight ?? DEFAULTS.minChildWeight,
    l2: options.l2 ?? DEFAULTS.l2,
    minSplitGain: options.minSplitGain ?? DEFAULTS.minSplitGain,
    subsample: options.subsample ?? DEFAULTS.subsample,
    colsampleByTree: options.colsampleByTree ?? DEFAULTS.colsampleByTree,
    maxBins: options.maxBins ?? DEFAULTS.maxBins,
    seed: options.seed ?? DEFAULTS.seed,
  };
  requireInt('nTrees', p.nTrees, 1, 1e6);
  requireInt('maxDepth', p.maxDepth, 0, 30);
  requireInt('minSamplesLeaf', p.minSamplesLeaf, 1, Number.MAX_SAFE_INTEGER);
  requireInt('maxBins', p.maxBins, 2, MAX_BINS_LIMIT);
  requireInt('seed', p.seed, -(2 ** 31), 2 ** 32 - 1);
  requireRange('learningRate', p.learningRate, Number.MIN_VALUE, 10);
  requireRange('minChildWeight', p.minChildWeight, 0, Number.MAX_VALUE);
  requireRange('l2', p.l2, 0, Number.MAX_VALUE);
  requireRange('minSplitGain', p.minSplitGain, 0, Number.MAX_VALUE);
  requireRange('subsample', p.subsample, Number.MIN_VALUE, 1);
  requireRange('colsampleByTree', p.colsampleByTree, Number.MIN_VALUE, 1);
  return p;
}

function requireInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

function requireRange(name: string, v: number, min: number, max: number): void {
  if (!(v >= min && v <= max)) throw new RangeError(`${name} must be in [${min}, ${max}], got ${v}`);
}

function toColumns(input: GbdtInput): ColumnarMatrix {
  if ('columns' in input) {
    const m = input as ColumnarMatrix;
    if (!Number.isInteger(m.nRows) || m.nRows < 1 || m.columns.length < 1) {
      throw new RangeError('need at least one row and one column');
    }
    m.columns.forEach((c, f) => {
      if (c.length !== m.nRows) throw new RangeError(`column ${f} has ${c.length} rows, expected ${m.nRows}`);
    });
    return m;
  }
  if (!Array.isArray(input)) {
    const m = input as DenseMatrix;
    if (!Number.isInteger(m.nRows) || !Number.isInteger(m.nFeatures) || m.nRows < 1 || m.nFeatures < 1) {
      throw new RangeError('nRows and nFeatures must be positive integers');
    }
    if (m.data.length !== m.nRows * m.nFeatures) {
      throw new RangeError(`data has ${m.data.length} values, expected ${m.nRows * m.nFeatures}`);
    }
    const columns = Array.from({ length: m.nFeatures }, (_, f) => {
      const c = new Float32Array(m.nRows);
      for (let r = 0; r < m.nRows; r++) c[r] = m.data[r * m.nFeatures + f] as number;
      return c;
    });
    return { columns, nRows: m.nRows };
  }
  const rows = input as readonly Float32Array[];
  const first = rows[0];
  if (first === undefined || first.length < 1) throw new RangeError('need at least one row and one feature');
  const nf = first.length;
  const columns = Array.from({ length: nf }, () => new Float32Array(rows.length));
  rows.forEach((row, i) => {
    if (row.length !== nf) throw new RangeError(`row ${i} has ${row.length} features, expected ${nf}`);
    for (let f = 0; f < nf; f++) (columns[f] as Float32Array)[i] = row[f] as number;
  });
  return { columns, nRows: rows.length };
}

interface GrownTree {
  nodes: GbdtNode[];
  /** Flat routing tables (bin-based, so training never re-compares floats); feature -1 marks a leaf. */
  feature: Int32Array;
  splitBin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  value: Float64Array;
  /** Per categorical split node, 1 for the bins that go left; null for numeric splits and leaves. */
  catMask: (Uint8Array | null)[];
}

interface SplitCandidate {
  feature: number;
  bin: number;
  /** Categorical split: 1 for bins (codes) that go left. */
  catMask?: Uint8Array;
  missingLeft: boolean;
  gain: number;
  gL: number;
  hL: number;
  gR: number;
  hR: number;
}

function createTreeGrower(data: BinnedData, grad: Float64Array, hess: Float64Array, p: GbdtParams) {
  const { bins, edges, missingBin, nFeatures: nf, categorical } = data;
  const slots = missingBin + 1;
  const catOrder = new Int32Array(slots);
  const catValue = new Float64Array(slots);
  const histLen = nf * slots * 3;
  const featureStride = slots * 3;
  const pool: Float64Array[] = [];
  const scratch = new Uint32Array(data.nRows);
  const acquire = (): Float64Array => pool.pop()?.fill(0) ?? new Float64Array(histLen);
  const release = (h: Float64Array): void => {
    pool.push(h);
  };

  function grow(idx: Uint32Array, count: number, features: Int32Array): GrownTree {
    const nodes: GbdtNode[] = [];
    const splitBins = new Map<number, number>();
    const catMasks = new Map<number, Uint8Array>();

    const buildHist = (hist: Float64Array, start: number, end: number): void => {
      const nSel = features.length;
      if (nSel === nf) {
        // Hottest loop of training: without column sampling, skip the feature-index indirection.
        for (let i = start; i < end; i++) {
          const r = idx[i] as number;
          const g = grad[r] as number;
          const h = hess[r] as number;
          const rowBase = r * nf;
          for (let f = 0, fo = 0; f < nf; f++, fo += featureStride) {
            const o = fo + (bins[rowBase + f] as number) * 3;
            hist[o] = (hist[o] as number) + g;
            hist[o + 1] = (hist[o + 1] as number) + h;
            hist[o + 2] = (hist[o + 2] as number) + 1;
          }
        }
        return;
      }
      for (let i = start; i < end; i++) {
        const r = idx[i] as number;
        const g = grad[r] as number;
        const h = hess[r] as number;
        const rowBase = r * nf;
        for (let j = 0; j < nSel; j++) {
          const f = features[j] as number;
          const o = (f * slots + (bins[rowBase + f] as number)) * 3;
          hist[o] = (hist[o] as number) + g;
          hist[o + 1] = (hist[o + 1] as number) + h;
          hist[o + 2] = (hist[o + 2] as number) + 1;
        }
      }
    };

    const findSplit = (
      hist: Float64Array,
      sumG: number,
      sumH: number,
      count: number,
    ): SplitCandidate | null => {
      const lambda = p.l2;
      const parentScore = (sumG * sumG) / (sumH + lambda);
      let best: SplitCandidate | null = null;
      let bestGain = p.minSplitGain;
      for (let j = 0; j < features.length; j++) {
        const f = features[j] as number;
        if (categorical[f] === 1) {
          const c = findCategoricalSplit(hist, f, sumG, sumH, count, bestGain);
          if (c !== null) {
            best = c;
            bestGain = c.gain;
          }
          continue;
        }
        const nEdges = (edges[f] as Float32Array).length;
        if (nEdges === 0) continue;
        const base = f * slots * 3;
        const mo = base + missingBin * 3;
        const gM = hist[mo] as number;
        const hM = hist[mo + 1] as number;
        const cM = hist[mo + 2] as number;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        for (let k = 0; k < nEdges; k++) {
          const o = base + k * 3;
          gl += hist[o] as number;
          hl += hist[o + 1] as number;
          cl += hist[o + 2] as number;
          // Try NaN on each side; with no NaN here, both sides score the same so evaluate once.
          for (let side = 0; side < (cM > 0 ? 2 : 1); side++) {
            const gL = side === 1 ? gl + gM : gl;
            const hL = side === 1 ? hl + hM : hl;
            const cL = side === 1 ? cl + cM : cl;
            const cR = count - cL;
            const hR = sumH - hL;
            if (cL < p.minSamplesLeaf || cR < p.minSamplesLeaf) continue;
            if (hL < p.minChildWeight || hR < p.minChildWeight) continue;
            const gR = sumG - gL;
            const gain = 0.5 * ((gL * gL) / (hL + lambda) + (gR * gR) / (hR + lambda) - parentScore);
            if (gain > bestGain) {
              bestGain = gain;
              // Unseen NaN follows the bigger child: the least surprising default at serving time.
              const missingLeft = cM > 0 ? side === 1 : cL >= cR;
              best = { feature: f, bin: k, missingLeft, gain, gL, hL, gR, hR };
            }
          }
        }
      }
      return best;
    };

    /**
     * Categorical split search (scikit-learn's): categories with at least MIN_CAT_SUPPORT rows here,
     * NaN counted as one more category, sorted by G / (H + MIN_CAT_SUPPORT); the left set is the best
     * prefix of that order read from either end, at most half of them. Rarer categories go right.
     */
    const findCategoricalSplit = (
      hist: Float64Array,
      f: number,
      sumG: number,
      sumH: number,
      count: number,
      minGain: number,
    ): SplitCandidate | null => {
      // LightGBM's cat_l2: a categorical split picks its set from many partitions, so its gain is
      // scored with extra L2 (leaf values are not) to keep it from fitting noise in rare categories.
      const lambda = p.l2 + CAT_L2;
      const parentCat = (sumG * sumG) / (sumH + lambda);
      const base = f * slots * 3;
      let used = 0;
      for (let b = 0; b < slots; b++) {
        const o = base + b * 3;
        if ((hist[o + 2] as number) < MIN_CAT_SUPPORT) continue;
        catOrder[used] = b;
        catValue[b] = (hist[o] as number) / ((hist[o + 1] as number) + MIN_CAT_SUPPORT);
        used++;
      }
      if (used < 2) return null;
      const order = catOrder.subarray(0, used);
      order.sort((a, b) => (catValue[a] as number) - (catValue[b] as number) || a - b);
      const cM = hist[base + missingBin * 3 + 2] as number;
      let best: SplitCandidate | null = null;
      let bestGain = minGain;
      const middle = Math.min(MAX_CAT_THRESHOLD, (used + 1) >> 1);
      for (let dir = 0; dir < 2; dir++) {
        let gL = 0;
        let hL = 0;
        let cL = 0;
        for (let i = 0; i < middle; i++) {
          const b = order[dir === 0 ? i : used - 1 - i] as number;
          const o = base + b * 3;
          gL += hist[o] as number;
          hL += hist[o + 1] as number;
          cL += hist[o + 2] as number;
          const cR = count - cL;
          const hR = sumH - hL;
          if (cL < p.minSamplesLeaf || cR < p.minSamplesLeaf) continue;
          if (hL < p.minChildWeight || hR < p.minChildWeight) continue;
          const gR = sumG - gL;
          const gain = 0.5 * ((gL * gL) / (hL + lambda) + (gR * gR) / (hR + lambda) - parentCat);
          if (!(gain > bestGain)) continue;
          bestGain = gain;
          const mask = new Uint8Array(slots);
          for (let k = 0; k <= i; k++) mask[order[dir === 0 ? k : used - 1 - k] as number] = 1;
          // NaN goes left when it was ordered into the left set; NaN too rare to be ordered goes right
          // (with the other rare categories); with no NaN here, unseen NaN follows the bigger child.
          const missingLeft = mask[missingBin] === 1 || (cM === 0 && cL >= cR);
          mask[missingBin] = 0;
          best = { feature: f, bin: 0, catMask: mask, missingLeft, gain, gL, hL, gR, hR };
        }
      }
      return best;
    };

    const partition = (start: number, end: number, s: SplitCandidate): number => {
      let l = start;
      let r = 0;
      const mask = s.catMask;
      for (let i = start; i < end; i++) {
        const row = idx[i] as number;
        const b = bins[row * nf + s.feature] as number;
        if (b === missingBin ? s.missingLeft : mask ? mask[b] === 1 : b <= s.bin) idx[l++] = row;
        else scratch[r++] = row;
      }
      idx.set(scratch.subarray(0, r), l);
      return l - start;
    };

    const build = (
      start: number,
      end: number,
      depth: number,
      hist: Float64Array | null,
      g: number,
      h: number,
    ) => {
      const id = nodes.length;
      const count = end - start;
      nodes.push({ kind: 'leaf', value: 0, count });
      // A null histogram means the parent already knew this node must be a leaf.
      const canSplit = hist !== null && depth < p.maxDepth && count >= 2 * p.minSamplesLeaf;
      const split = canSplit ? findSplit(hist, g, h, count) : null;
      if (hist === null || split === null) {
        nodes[id] = { kind: 'leaf', value: Math.fround((-p.learningRate * g) / (h + p.l2)), count };
        if (hist !== null) release(hist);
        return id;
      }
      splitBins.set(id, split.bin);
      if (split.catMask) catMasks.set(id, split.catMask);
      const nLeft = partition(start, end, split);
      const mid = start + nLeft;
      const nRight = count - nLeft;
      let leftHist: Float64Array | null = null;
      let rightHist: Float64Array | null = null;
      if (depth + 1 < p.maxDepth && Math.max(nLeft, nRight) >= 2 * p.minSamplesLeaf) {
        const smallIsLeft = nLeft <= nRight;
        const small = acquire();
        buildHist(small, smallIsLeft ? start : mid, smallIsLeft ? mid : end);
        // Sibling histogram by subtraction: the parent buffer becomes the larger child's histogram.
        for (let i = 0; i < histLen; i++) hist[i] = (hist[i] as number) - (small[i] as number);
        leftHist = smallIsLeft ? small : hist;
        rightHist = smallIsLeft ? hist : small;
      } else {
        // Both children must become leaves, whose values need only the split's G/H sums.
        release(hist);
      }
      const left = build(start, mid, depth + 1, leftHist, split.gL, split.hL);
      const right = build(mid, end, depth + 1, rightHist, split.gR, split.hR);
      const node: GbdtSplitNode = {
        kind: 'split',
        feature: split.feature,
        threshold: split.catMask ? 0 : ((edges[split.feature] as Float32Array)[split.bin] as number),
        left,
        right,
        missingLeft: split.missingLeft,
        gain: split.gain,
        count,
      };
      if (split.catMask) {
        node.categories = [];
        for (let b = 0; b < missingBin; b++) if (split.catMask[b] === 1) node.categories.push(b);
      }
      nodes[id] = node;
      return id;
    };

    let g = 0;
    let h = 0;
    for (let i = 0; i < count; i++) {
      const r = idx[i] as number;
      g += grad[r] as number;
      h += hess[r] as number;
    }
    const rootHist = acquire();
    buildHist(rootHist, 0, count);
    build(0, count, 0, rootHist, g, h);
    return flatten(nodes, splitBins, catMasks);
  }

  return { grow };
}

function flatten(
  nodes: GbdtNode[],
  splitBins: Map<number, number>,
  catMasks: Map<number, Uint8Array>,
): GrownTree {
  const n = nodes.length;
  const t: GrownTree = {
    nodes,
    feature: new Int32Array(n).fill(-1),
    splitBin: new Int32Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    missingLeft: new Uint8Array(n),
    value: new Float64Array(n),
    catMask: nodes.map((_, i) => catMasks.get(i) ?? null),
  };
  nodes.forEach((node, i) => {
    if (node.kind === 'leaf') {
      t.value[i] = node.value;
      return;
    }
    t.feature[i] = node.feature;
    t.splitBin[i] = splitBins.get(i) ?? 0;
    t.left[i] = node.left;
    t.right[i] = node.right;
    t.missingLeft[i] = node.missingLeft ? 1 : 0;
  });
  return t;
}

function applyTree(tree: GrownTree, data: BinnedData, raw: Float64Array): void {
  const { bins, missingBin, nFeatures: nf } = data;
  const { feature, splitBin, left, right, missingLeft, value, catMask } = tree;
  for (let r = 0; r < data.nRows; r++) {
    let id = 0;
    let f = feature[0] as number;
    while (f >= 0) {
      const b = bins[r * nf + f] as number;
      const mask = catMask[id];
      const goLeft =
        b === missingBin ? missingLeft[id] === 1 : mask ? mask[b] === 1 : b <= (splitBin[id] as number);
      id = (goLeft ? left[id] : right[id]) as number;
      f = feature[id] as number;
    }
    raw[r] = (raw[r] as number) + (value[id] as number);
  }
}
