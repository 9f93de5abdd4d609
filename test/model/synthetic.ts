/** Seeded synthetic fraud-like dataset shared by the model tests. */
import type { DenseMatrix } from '../../src/model/train/index.js';

/** Seeded uniform PRNG in [0, 1) (mulberry32), independent of the trainer's own PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Labelled dataset in row-major layout. */
export interface Dataset {
  x: DenseMatrix;
  labels: Uint8Array;
}

/**
 * Label = (x0 > 0.5) XOR (x1 > 0.3), flipped with probability `noise`. x2..x(nFeatures-1) are distractors.
 * NaNs: x0 is missing for 5% of rows (label still uses the hidden value, so missingness is uninformative),
 * x2 is missing for 10%.
 */
export function xorDataset(nRows: number, seed: number, nFeatures = 6, noise = 0.05): Dataset {
  const rand = seededRandom(seed);
  const data = new Float32Array(nRows * nFeatures);
  const labels = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) data[r * nFeatures + f] = rand();
    const x0 = data[r * nFeatures] as number;
    const x1 = data[r * nFeatures + 1] as number;
    let y = x0 > 0.5 !== x1 > 0.3 ? 1 : 0;
    if (rand() < noise) y = 1 - y;
    labels[r] = y;
    if (rand() < 0.05) data[r * nFeatures] = Number.NaN;
    if (nFeatures > 2 && rand() < 0.1) data[r * nFeatures + 2] = Number.NaN;
  }
  return { x: { data, nRows, nFeatures }, labels };
}

/** Row `r` of a dense matrix as a view. */
export function rowOf(x: DenseMatrix, r: number): Float32Array {
  return x.data.subarray(r * x.nFeatures, (r + 1) * x.nFeatures);
}
