import { describe, expect, it } from 'vitest';
import { ort } from '../../src/model/index.js';
import {
  exportGbdtToOnnx,
  type GbdtModel,
  predictGbdt,
  rocAuc,
  trainGbdt,
} from '../../src/model/train/index.js';
import { seededRandom } from './synthetic.js';

const RISKY = new Set([2, 5, 7, 11, 13, 17]);

/** Column 0: a category code 0..19 (NaN for 5 %), fraud when it is in RISKY; column 1: noise. */
function categoricalDataset(n: number, seed: number) {
  const rand = seededRandom(seed);
  const cat = new Float32Array(n);
  const noise = new Float32Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const code = Math.floor(rand() * 20);
    const missing = rand() < 0.05;
    cat[i] = missing ? Number.NaN : code;
    noise[i] = rand();
    // Missing codes are risky too, so NaN must learn to go with the risky set.
    const risky = missing || RISKY.has(code);
    labels[i] = rand() < (risky ? 0.9 : 0.05) ? 1 : 0;
  }
  return { x: { columns: [cat, noise], nRows: n }, labels };
}

async function runOrt(bytes: Uint8Array, data: Float32Array, nRows: number, nFeatures: number) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ features: new ort.Tensor('float32', data, [nRows, nFeatures]) });
    return out.score?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('categorical splits', () => {
  const train = categoricalDataset(8000, 1);
  const test = categoricalDataset(4000, 2);
  const model = trainGbdt(train.x, train.labels, { categorical: [0], nTrees: 30, maxDepth: 3, seed: 4 });
  const score = (m: GbdtModel, cat: number, noise = 0.5) => predictGbdt(m, [cat, noise]);

  it('learns a pure categorical signal that no single threshold separates', () => {
    const scores = Float64Array.from({ length: test.x.nRows }, (_, r) =>
      score(model, test.x.columns[0]?.[r] as number, test.x.columns[1]?.[r] as number),
    );
    expect(rocAuc(scores, test.labels)).toBeGreaterThan(0.9);
    for (let c = 0; c < 20; c++) {
      if (RISKY.has(c)) expect(score(model, c)).toBeGreaterThan(0.7);
      else expect(score(model, c)).toBeLessThan(0.2);
    }
    expect(score(model, Number.NaN)).toBeGreaterThan(0.7);
    // The root split is one categorical split holding one side of the risky/safe partition.
    const root = model.trees[0]?.nodes[0];
    expect(root?.kind === 'split' && root.categories !== undefined).toBe(true);
    expect(model.categorical).toEqual([0]);
  });

  it('scores identically in onnxruntime (BRANCH_EQ chains), with NaN and unseen codes', async () => {
    const rows: number[][] = [];
    for (let c = 0; c < 25; c++) rows.push([c, 0.25], [c, 0.75]);
    rows.push([Number.NaN, 0.1], [Number.NaN, Number.NaN], [3, Number.NaN]);
    for (let r = 0; r < 500; r++)
      rows.push([test.x.columns[0]?.[r] as number, test.x.columns[1]?.[r] as number]);
    const data = Float32Array.from(rows.flat());
    const onnxScores = await runOrt(exportGbdtToOnnx(model), data, rows.length, 2);
    let maxDiff = 0;
    rows.forEach((row, r) => {
      maxDiff = Math.max(maxDiff, Math.abs(predictGbdt(model, row) - (onnxScores[r] as number)));
    });
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('rejects codes that are not small non-negative integers', () => {
    const bad = { columns: [Float32Array.from([0, 1.5, 2])], nRows: 3 };
    expect(() => trainGbdt(bad, [0, 1, 0], { categorical: [0] })).toThrow(/code 1.5/);
    expect(() => trainGbdt(train.x, train.labels, { categorical: [2] })).toThrow(RangeError);
  });
});

describe('early stopping and class weights', () => {
  it('stops when validation log-loss stops improving and keeps the best round', () => {
    const train = categoricalDataset(6000, 3);
    const valid = categoricalDataset(2000, 4);
    const m = trainGbdt(train.x, train.labels, {
      categorical: [0],
      nTrees: 500,
      learningRate: 0.3,
      validation: { input: valid.x, labels: valid.labels },
      earlyStoppingRounds: 5,
    });
    const es = m.earlyStopping;
    expect(es).toBeDefined();
    expect(m.trees.length).toBe(es?.bestIteration);
    expect(es?.validationLoss.length).toBeLessThan(500);
    expect(es?.validationLoss.length).toBe((es?.bestIteration ?? 0) + 5);
    const losses = es?.validationLoss ?? [];
    expect(Math.min(...losses)).toBe(losses[(es?.bestIteration ?? 0) - 1]);
  });

  it('class weights raise the scores of the up-weighted class', () => {
    const train = categoricalDataset(4000, 5);
    const plain = trainGbdt(train.x, train.labels, { categorical: [0], nTrees: 20 });
    const weighted = trainGbdt(train.x, train.labels, { categorical: [0], nTrees: 20, classWeight: [1, 5] });
    expect(predictGbdt(weighted, [0, 0.5])).toBeGreaterThan(predictGbdt(plain, [0, 0.5]));
    expect(() => trainGbdt(train.x, train.labels, { classWeight: [0, 1] })).toThrow(RangeError);
  });
});
