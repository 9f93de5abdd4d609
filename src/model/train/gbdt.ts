/**
 * Gradient-boosted decision trees for binary classification (logistic loss), histogram based.
 *
 * Every threshold, leaf value and the base score is a float32 value, and splits are `x <= threshold`
 * (ONNX BRANCH_LEQ), so the exported TreeEnsembleRegressor in onnxruntime (which compares and sums in
 * float32) routes every row exactly as training and `predictGbdt` do.
 */

/** Row-major dense float32 feature matrix (`data[row * nFeatures + feature]`). */
export interface DenseMatrix {
  readonly data: Float32Array;
  readonly nRows: number;
  readonly nFeatures: number;
}

/** Training input: one Float32Array per row, or a row-major dense matrix; NaN marks a missing value. */
export type GbdtInput = readonly Float32Array[] | DenseMatrix;

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
}

/** Resolved hyper-parameters as recorded in the model (feature names live on the model itself). */
export type GbdtParams = Required<Omit<GbdtOptions, 'featureNames'>>;

/** Internal node: rows with `x[feature] <= threshold` go to `left`; NaN goes left iff `missingLeft`. */
export interface GbdtSplitNode {
  kind: 'split';
  feature: number;
  /** float32-exact threshold. */
  threshold: number;
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
  params: GbdtParams;
}

const MAX_BINS_LIMIT = 255;
const FLT_MAX = 3.4028234663852886e38;
const PROB_CLAMP = 1e-6;

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
  const { data: x, nRows: n, nFeatures: nf } = toDense(input);
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} entries, expected ${n}`);
  if (options.featureNames && options.featureNames.length !== nf) {
    throw new RangeError(`featureNames has ${options.featureNames.length} entries, expected ${nf}`);
  }
  const y = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) throw new RangeError(`label at ${i} must be 0 or 1, got ${v}`);
    y[i] = v;
    positives += v;
  }

  const binned = binFeatures(x, n, nf, params.maxBins);
  const rate = Math.min(1 - PROB_CLAMP, Math.max(PROB_CLAMP, positives / n));
  const baseScore = Math.fround(Math.log(rate / (1 - rate)));

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
      grad[i] = p - (y[i] as number);
      hess[i] = Math.max(p * (1 - p), 1e-16);
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
  }

  const model: GbdtModel = { format: 'gbdt-logistic/v1', baseScore, nFeatures: nf, trees, params };
  if (options.featureNames) model.featureNames = [...options.featureNames];
  return model;
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
      const goLeft = Number.isNaN(v) ? node.missingLeft : v <= node.threshold;
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

function toDense(input: GbdtInput): DenseMatrix {
  if (!Array.isArray(input)) {
    const m = input as DenseMatrix;
    if (!Number.isInteger(m.nRows) || !Number.isInteger(m.nFeatures) || m.nRows < 1 || m.nFeatures < 1) {
      throw new RangeError('nRows and nFeatures must be positive integers');
    }
    if (m.data.length !== m.nRows * m.nFeatures) {
      throw new RangeError(`data has ${m.data.length} values, expected ${m.nRows * m.nFeatures}`);
    }
    return m;
  }
  const rows = input as readonly Float32Array[];
  const first = rows[0];
  if (first === undefined || first.length < 1) throw new RangeError('need at least one row and one feature');
  const nf = first.length;
  const data = new Float32Array(rows.length * nf);
  rows.forEach((row, i) => {
    if (row.length !== nf) throw new RangeError(`row ${i} has ${row.length} features, expected ${nf}`);
    data.set(row, i * nf);
  });
  return { data, nRows: rows.length, nFeatures: nf };
}

interface BinnedData {
  /** Row-major bin index per (row, feature); `missingBin` marks NaN. */
  bins: Uint8Array;
  /** Ascending float32 split edges per feature: bin k holds values in (edges[k-1], edges[k]]. */
  edges: Float32Array[];
  missingBin: number;
  nRows: number;
  nFeatures: number;
}

function binFeatures(x: Float32Array, n: number, nf: number, maxBins: number): BinnedData {
  const bins = new Uint8Array(n * nf);
  const edges: Float32Array[] = [];
  const col = new Float32Array(n);
  for (let f = 0; f < nf; f++) {
    let m = 0;
    for (let r = 0; r < n; r++) {
      const v = x[r * nf + f] as number;
      if (!Number.isNaN(v)) col[m++] = v;
    }
    const e = quantileEdges(col.slice(0, m).sort(), maxBins);
    edges.push(e);
    for (let r = 0; r < n; r++) {
      const v = x[r * nf + f] as number;
      bins[r * nf + f] = Number.isNaN(v) ? maxBins : lowerBound(e, v);
    }
  }
  return { bins, edges, missingBin: maxBins, nRows: n, nFeatures: nf };
}

/** First index k with v <= edges[k], or edges.length; this is the bin of v. */
function lowerBound(edges: Float32Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function upperBound(sorted: Float32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function quantileEdges(sorted: Float32Array, maxBins: number): Float32Array {
  const m = sorted.length;
  const out: number[] = [];
  const push = (a: number, b: number): void => {
    const e = edgeBetween(a, b);
    if (out.length === 0 || e > (out[out.length - 1] as number)) out.push(e);
  };
  let distinct = m > 0 ? 1 : 0;
  for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    for (let i = 1; i < m; i++) {
      if (sorted[i] !== sorted[i - 1]) push(sorted[i - 1] as number, sorted[i] as number);
    }
  } else {
    for (let k = 1; k < maxBins; k++) {
      const a = sorted[Math.max(0, Math.floor((k * m) / maxBins) - 1)] as number;
      const j = upperBound(sorted, a);
      if (j < m) push(a, sorted[j] as number);
    }
  }
  return Float32Array.from(out);
}

/** A float32 edge e with a <= e <= b; midpoints generalise better to unseen values than data values. */
function edgeBetween(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return -FLT_MAX;
  if (b === Number.POSITIVE_INFINITY) return a;
  return Math.fround(a + (b - a) / 2);
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
}

interface SplitCandidate {
  feature: number;
  bin: number;
  missingLeft: boolean;
  gain: number;
  gL: number;
  hL: number;
  gR: number;
  hR: number;
}

function createTreeGrower(data: BinnedData, grad: Float64Array, hess: Float64Array, p: GbdtParams) {
  const { bins, edges, missingBin, nFeatures: nf } = data;
  const slots = missingBin + 1;
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

    const partition = (start: number, end: number, s: SplitCandidate): number => {
      let l = start;
      let r = 0;
      for (let i = start; i < end; i++) {
        const row = idx[i] as number;
        const b = bins[row * nf + s.feature] as number;
        if (b === missingBin ? s.missingLeft : b <= s.bin) idx[l++] = row;
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
      nodes[id] = {
        kind: 'split',
        feature: split.feature,
        threshold: (edges[split.feature] as Float32Array)[split.bin] as number,
        left,
        right,
        missingLeft: split.missingLeft,
        gain: split.gain,
        count,
      };
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
    return flatten(nodes, splitBins);
  }

  return { grow };
}

function flatten(nodes: GbdtNode[], splitBins: Map<number, number>): GrownTree {
  const n = nodes.length;
  const t: GrownTree = {
    nodes,
    feature: new Int32Array(n).fill(-1),
    splitBin: new Int32Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    missingLeft: new Uint8Array(n),
    value: new Float64Array(n),
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
  const { feature, splitBin, left, right, missingLeft, value } = tree;
  for (let r = 0; r < data.nRows; r++) {
    let id = 0;
    let f = feature[0] as number;
    while (f >= 0) {
      const b = bins[r * nf + f] as number;
      const goLeft = b === missingBin ? missingLeft[id] === 1 : b <= (splitBin[id] as number);
      id = (goLeft ? left[id] : right[id]) as number;
      f = feature[id] as number;
    }
    raw[r] = (raw[r] as number) + (value[id] as number);
  }
}

/** Small, fast, well-distributed 32-bit PRNG; enough for sampling and fully reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
