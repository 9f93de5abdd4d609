import { describe, expect, it } from 'vitest';
import {
  featureImportance,
  type GbdtModel,
  predictGbdt,
  predictGbdtLogit,
  rocAuc,
  trainGbdt,
} from '../../src/model/train/index.js';
import { rowOf, xorDataset } from './synthetic.js';

const train = xorDataset(6000, 11);
const holdout = xorDataset(3000, 12);

function scoreAll(model: GbdtModel, ds = holdout): Float64Array {
  return Float64Array.from({ length: ds.x.nRows }, (_, r) => predictGbdt(model, rowOf(ds.x, r)));
}

describe('trainGbdt', () => {
  const model = trainGbdt(train.x, train.labels, { seed: 7, subsample: 0.8 });

  it('learns a nonlinear XOR signal with missing values (held-out AUC > 0.9)', () => {
    const auc = rocAuc(scoreAll(model), holdout.labels);
    expect(auc).toBeGreaterThan(0.9);
  });

  it('produces the requested shape and float32-exact parameters', () => {
    expect(model.trees).toHaveLength(100);
    expect(model.nFeatures).toBe(6);
    expect(Math.fround(model.baseScore)).toBe(model.baseScore);
    for (const tree of model.trees) {
      expect(tree.nodes.length).toBeLessThanOrEqual(2 ** 5 - 1);
      for (const node of tree.nodes) {
        if (node.kind === 'split') {
          expect(Math.fround(node.threshold)).toBe(node.threshold);
          expect(node.left).toBeGreaterThan(0);
          expect(node.right).toBeGreaterThan(0);
        } else {
          expect(Math.fround(node.value)).toBe(node.value);
        }
      }
    }
  });

  it('round-trips through JSON without changing predictions', () => {
    const copy = JSON.parse(JSON.stringify(model)) as GbdtModel;
    for (let r = 0; r < 200; r++) {
      expect(predictGbdt(copy, rowOf(holdout.x, r))).toBe(predictGbdt(model, rowOf(holdout.x, r)));
    }
  });

  it('is deterministic: same data and seed give byte-identical models', () => {
    const opts = { seed: 3, subsample: 0.7, colsampleByTree: 0.8, nTrees: 30 };
    const a = trainGbdt(train.x, train.labels, opts);
    const b = trainGbdt(train.x, train.labels, opts);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = trainGbdt(train.x, train.labels, { ...opts, seed: 4 });
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('accepts an array of rows identically to a dense matrix', () => {
    const rows = Array.from({ length: 1000 }, (_, r) => rowOf(train.x, r).slice());
    const dense = { data: train.x.data.slice(0, 1000 * 6), nRows: 1000, nFeatures: 6 };
    const labels = train.labels.subarray(0, 1000);
    const opts = { nTrees: 10, seed: 5 };
    expect(JSON.stringify(trainGbdt(rows, labels, opts))).toBe(
      JSON.stringify(trainGbdt(dense, labels, opts)),
    );
  });

  it('ranks the signal features first by gain importance', () => {
    const gain = featureImportance(model);
    const ranked = Array.from(gain.keys()).sort((a, b) => (gain[b] as number) - (gain[a] as number));
    expect(new Set(ranked.slice(0, 2))).toEqual(new Set([0, 1]));
    expect(featureImportance(model, 'split').reduce((s, v) => s + v, 0)).toBeGreaterThan(0);
  });

  it('learns the direction of informative missingness', () => {
    // Missing x0 means fraud here, so NaN should route towards the high-score side.
    const n = 4000;
    const data = new Float32Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = i % 4 === 0;
      data[i] = missing ? Number.NaN : (i % 97) / 97;
      labels[i] = missing ? (i % 20 === 0 ? 0 : 1) : i % 10 === 0 ? 1 : 0;
    }
    const m = trainGbdt({ data, nRows: n, nFeatures: 1 }, labels, { nTrees: 20, seed: 1 });
    expect(predictGbdt(m, [Number.NaN])).toBeGreaterThan(0.6);
    expect(predictGbdt(m, [0.5])).toBeLessThan(0.2);
  });

  it('handles a constant label and a constant feature (single-leaf trees)', () => {
    const data = new Float32Array(50).fill(1);
    const m = trainGbdt({ data, nRows: 50, nFeatures: 1 }, new Uint8Array(50), { nTrees: 3 });
    expect(m.trees.every((t) => t.nodes.length === 1)).toBe(true);
    expect(predictGbdt(m, [1])).toBeLessThan(1e-3);
  });

  it('returns the float32 logit that predictGbdt squashes', () => {
    const row = rowOf(holdout.x, 0);
    const z = predictGbdtLogit(model, row);
    expect(Math.fround(z)).toBe(z);
    expect(predictGbdt(model, row)).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
  });

  it('rejects invalid input', () => {
    const x = { data: new Float32Array(4), nRows: 2, nFeatures: 2 };
    expect(() => trainGbdt(x, new Uint8Array(3))).toThrow(RangeError);
    expect(() => trainGbdt(x, [0, 2])).toThrow(RangeError);
    expect(() => trainGbdt(x, [0, 1], { maxBins: 256 })).toThrow(RangeError);
    expect(() => trainGbdt(x, [0, 1], { subsample: 0 })).toThrow(RangeError);
    expect(() => trainGbdt(x, [0, 1], { featureNames: ['a'] })).toThrow(RangeError);
    expect(() => trainGbdt([], [])).toThrow(RangeError);
    expect(() => predictGbdt(model, [1, 2])).toThrow(RangeError);
  });
});
