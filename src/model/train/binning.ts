/**
 * Histogram binning for the GBDT trainer. Numeric features get float32 quantile edges (bin k holds values
 * in (edges[k-1], edges[k]]); categorical features are integer codes used as bins directly. The last bin
 * (`missingBin`) holds NaN in both kinds.
 */

const FLT_MAX = 3.4028234663852886e38;

/** Per-feature bin layout learned on training data and reused to bin validation rows identically. */
export interface BinLayout {
  /** Ascending float32 split edges per numeric feature (empty for categorical ones). */
  readonly edges: readonly Float32Array[];
  /** 1 where the feature is categorical. */
  readonly categorical: Uint8Array;
  /** Bin index of NaN (= maxBins). */
  readonly missingBin: number;
}

/** Binned rows: row-major bin index per (row, feature). */
export interface BinnedData extends BinLayout {
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
}

/** Learns the bin layout from training columns and bins them. */
export function binColumns(
  columns: readonly Float32Array[],
  nRows: number,
  maxBins: number,
  categorical: Uint8Array,
): BinnedData {
  const edges: Float32Array[] = [];
  const col = new Float32Array(nRows);
  columns.forEach((c, f) => {
    if (categorical[f] === 1) {
      checkCodes(c, f, maxBins);
      edges.push(new Float32Array(0));
      return;
    }
    let m = 0;
    for (let r = 0; r < nRows; r++) {
      const v = c[r] as number;
      if (!Number.isNaN(v)) col[m++] = v;
    }
    edges.push(quantileEdges(col.slice(0, m).sort(), maxBins));
  });
  const layout: BinLayout = { edges, categorical, missingBin: maxBins };
  return binWithLayout(columns, nRows, layout);
}

/** Bins columns with an existing layout (validation rows route exactly as training rows do). */
export function binWithLayout(
  columns: readonly Float32Array[],
  nRows: number,
  layout: BinLayout,
): BinnedData {
  const nf = columns.length;
  const { edges, categorical, missingBin } = layout;
  const bins = new Uint8Array(nRows * nf);
  columns.forEach((c, f) => {
    const e = edges[f] as Float32Array;
    const cat = categorical[f] === 1;
    for (let r = 0; r < nRows; r++) {
      const v = c[r] as number;
      // Training codes are < maxBins - 1 (checked), so bin maxBins - 1 is empty in training: a larger
      // code seen only in validation lands there, and no split ever sends it left.
      bins[r * nf + f] = Number.isNaN(v) ? missingBin : cat ? Math.min(v, missingBin - 1) : lowerBound(e, v);
    }
  });
  return { ...layout, bins, nRows, nFeatures: nf };
}

function checkCodes(c: Float32Array, f: number, maxBins: number): void {
  for (let r = 0; r < c.length; r++) {
    const v = c[r] as number;
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v) || v < 0 || v >= maxBins - 1) {
      throw new RangeError(
        `categorical feature ${f} row ${r}: code ${v} must be an integer in [0, ${maxBins - 2}] (or NaN)`,
      );
    }
  }
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
