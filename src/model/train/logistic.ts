/**
 * Logistic-regression baseline for the trainer's report. Numeric columns are standardised on the
 * training rows, a missing value reads as the mean (0) plus a per-column missing indicator; categorical
 * columns are one-hot encoded inside the model (one weight per code, one for missing). Trained with
 * mini-batch Adam over a seeded shuffle and L2, so the same data and seed give the same weights.
 */
import { mulberry32 } from './mulberry32.js';

/** A feature column as the baseline sees it: float32 values, or float32 codes of `nCategories` categories. */
export interface LogisticColumn {
  readonly kind: 'numeric' | 'categorical';
  readonly values: Float32Array;
  /** Number of categories (categorical columns only). */
  readonly nCategories?: number;
}

/** Baseline options; every field has a default. */
export interface LogisticOptions {
  /** Passes over the training rows. Default 8. */
  readonly epochs?: number;
  /** Adam step size. Default 0.01. */
  readonly learningRate?: number;
  /** L2 penalty on the weights (not the bias), per row. Default 1e-4. */
  readonly l2?: number;
  /** Rows per Adam step. Default 512. */
  readonly batchSize?: number;
  /** Shuffle seed. Default 1. */
  readonly seed?: number;
  /** Weights of class 0 and class 1. Default [1, 1]. */
  readonly classWeight?: readonly [number, number];
}

/** A trained baseline: per-column encoding and the weights over the encoded inputs. */
export interface LogisticModel {
  /** Per column: mean and standard deviation (numeric) used to standardise. */
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** Per column: where its weights start in `weights`. */
  readonly offset: Int32Array;
  readonly kind: readonly ('numeric' | 'categorical')[];
  /** Per column: number of categories (0 for numeric). */
  readonly nCategories: Int32Array;
  readonly weights: Float64Array;
  readonly bias: number;
}

/** Trains the baseline on `rows` (indices into the columns). */
export function trainLogistic(
  columns: readonly LogisticColumn[],
  labels: Uint8Array,
  rows: Uint32Array,
  options: LogisticOptions = {},
): LogisticModel {
  const epochs = options.epochs ?? 8;
  const lr = options.learningRate ?? 0.01;
  const l2 = options.l2 ?? 1e-4;
  const batch = options.batchSize ?? 512;
  const [w0, w1] = options.classWeight ?? [1, 1];
  const nc = columns.length;
  const mean = new Float64Array(nc);
  const std = new Float64Array(nc).fill(1);
  const offset = new Int32Array(nc);
  const nCategories = new Int32Array(nc);
  let width = 0;
  columns.forEach((c, j) => {
    offset[j] = width;
    if (c.kind === 'categorical') {
      const k = c.nCategories ?? 0;
      nCategories[j] = k;
      width += k + 1; // + missing
      return;
    }
    let s = 0;
    let s2 = 0;
    let m = 0;
    for (let i = 0; i < rows.length; i++) {
      const v = c.values[rows[i] as number] as number;
      if (Number.isNaN(v)) continue;
      s += v;
      s2 += v * v;
      m++;
    }
    const mu = m > 0 ? s / m : 0;
    mean[j] = mu;
    std[j] = m > 1 ? Math.sqrt(Math.max(s2 / m - mu * mu, 0)) || 1 : 1;
    width += 2; // value + missing indicator
  });
  const model: LogisticModel = {
    mean,
    std,
    offset,
    kind: columns.map((c) => c.kind),
    nCategories,
    weights: new Float64Array(width),
    bias: 0,
  };
  const w = model.weights;
  const gw = new Float64Array(width);
  const mw = new Float64Array(width);
  const vw = new Float64Array(width);
  let bias = 0;
  let mb = 0;
  let vb = 0;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  // A row-major copy of the training rows: shuffled reads then touch one row's bytes, not one cache
  // line in each of the column arrays (3x faster at a million rows).
  const x = new Float32Array(rows.length * nc);
  columns.forEach((c, j) => {
    for (let i = 0; i < rows.length; i++) x[i * nc + j] = c.values[rows[i] as number] as number;
  });
  const y = Uint8Array.from(rows, (r) => labels[r] as number);
  const order = Uint32Array.from({ length: rows.length }, (_, i) => i);
  const rand = mulberry32(options.seed ?? 1);
  const idx = new Int32Array(nc);
  const xv = new Float64Array(nc);
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(order.length, start + batch);
      gw.fill(0);
      let gb = 0;
      let wsum = 0;
      for (let b = start; b < end; b++) {
        const i = order[b] as number;
        const z = encode(model, (j) => x[i * nc + j] as number, idx, xv, w, bias);
        const label = y[i] as number;
        const cw = label === 1 ? w1 : w0;
        const g = cw * (1 / (1 + Math.exp(-z)) - label);
        for (let j = 0; j < nc; j++) {
          const k = idx[j] as number;
          gw[k] = (gw[k] as number) + g * (xv[j] as number);
        }
        gb += g;
        wsum += cw;
      }
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (let k = 0; k < width; k++) {
        const g = (gw[k] as number) / wsum + l2 * (w[k] as number);
        mw[k] = beta1 * (mw[k] as number) + (1 - beta1) * g;
        vw[k] = beta2 * (vw[k] as number) + (1 - beta2) * g * g;
        w[k] = (w[k] as number) - (lr * ((mw[k] as number) / c1)) / (Math.sqrt((vw[k] as number) / c2) + eps);
      }
      const g = gb / wsum;
      mb = beta1 * mb + (1 - beta1) * g;
      vb = beta2 * vb + (1 - beta2) * g * g;
      bias -= (lr * (mb / c1)) / (Math.sqrt(vb / c2) + eps);
    }
  }
  return { ...model, bias };
}

/** Probability of class 1 for row `r` of the columns. */
export function predictLogistic(model: LogisticModel, columns: readonly LogisticColumn[], r: number): number {
  const nc = columns.length;
  const value = (j: number) => (columns[j] as LogisticColumn).values[r] as number;
  const z = encode(model, value, new Int32Array(nc), new Float64Array(nc), model.weights, model.bias);
  return 1 / (1 + Math.exp(-z));
}

/**
 * Importance per column: the spread its weights give the logit on the training encoding, |w| for a
 * standardised numeric column (plus the indicator's share), the weights' spread for a categorical one.
 */
export function logisticImportance(model: LogisticModel): Float64Array {
  const out = new Float64Array(model.kind.length);
  model.kind.forEach((k, j) => {
    const o = model.offset[j] as number;
    if (k === 'numeric') {
      out[j] = Math.abs(model.weights[o] as number);
      return;
    }
    const n = (model.nCategories[j] as number) + 1;
    let s = 0;
    for (let i = 0; i < n; i++) s += model.weights[o + i] as number;
    const mu = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((model.weights[o + i] as number) - mu) ** 2;
    out[j] = Math.sqrt(v / n);
  });
  return out;
}

/** The logit of one row (`value(j)` reads column j); fills, per column, the weight index and input. */
function encode(
  model: LogisticModel,
  value: (j: number) => number,
  idx: Int32Array,
  xv: Float64Array,
  w: Float64Array,
  bias: number,
): number {
  let z = bias;
  for (let j = 0; j < idx.length; j++) {
    const v = value(j);
    const o = model.offset[j] as number;
    let k: number;
    let x: number;
    if (model.kind[j] === 'categorical') {
      const n = model.nCategories[j] as number;
      k = o + (Number.isNaN(v) || v >= n ? n : v);
      x = 1;
    } else if (Number.isNaN(v)) {
      k = o + 1;
      x = 1;
    } else {
      k = o;
      x = (v - (model.mean[j] as number)) / (model.std[j] as number);
    }
    idx[j] = k;
    xv[j] = x;
    z += (w[k] as number) * x;
  }
  return z;
}
