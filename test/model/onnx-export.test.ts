import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ort } from '../../src/model/index.js';
import {
  exportGbdtToOnnx,
  exportLogisticToOnnx,
  type GbdtModel,
  predictGbdt,
  trainGbdt,
} from '../../src/model/train/index.js';
import { rowOf, seededRandom, xorDataset } from './synthetic.js';

const { onnx } = onnxProto;
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  executionMode: 'sequential',
};

async function runOrt(bytes: Uint8Array, data: Float32Array, nRows: number, nFeatures: number) {
  const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  try {
    const out = await session.run({ features: new ort.Tensor('float32', data, [nRows, nFeatures]) });
    const score = out.score;
    if (!score) throw new Error('missing score output');
    expect(score.dims).toEqual([nRows, 1]);
    return score.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Batch with ordinary rows, NaN in every feature position, all-NaN rows and exact-threshold values. */
function parityBatch(model: GbdtModel): { data: Float32Array; nRows: number } {
  const ds = xorDataset(500, 99);
  const nf = model.nFeatures;
  const rows: Float32Array[] = Array.from({ length: ds.x.nRows }, (_, r) => rowOf(ds.x, r).slice());
  const rand = seededRandom(5);
  for (let i = 0; i < 200; i++) {
    const row = Float32Array.from({ length: nf }, () => (rand() < 0.4 ? Number.NaN : rand()));
    rows.push(row);
  }
  rows.push(new Float32Array(nf).fill(Number.NaN));
  // Values exactly on thresholds exercise the <= boundary in both engines.
  for (const tree of model.trees.slice(0, 20)) {
    for (const node of tree.nodes) {
      if (node.kind !== 'split') continue;
      const row = Float32Array.from({ length: nf }, () => rand());
      row[node.feature] = node.threshold;
      rows.push(row);
    }
  }
  const data = new Float32Array(rows.length * nf);
  rows.forEach((row, i) => {
    data.set(row, i * nf);
  });
  return { data, nRows: rows.length };
}

describe('exportGbdtToOnnx', () => {
  const ds = xorDataset(5000, 21);
  const model = trainGbdt(ds.x, ds.labels, {
    seed: 2,
    subsample: 0.8,
    featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
  });

  it('scores identically to predictGbdt in onnxruntime, including NaN rows', async () => {
    const bytes = exportGbdtToOnnx(model, { version: '2024.1' });
    const { data, nRows } = parityBatch(model);
    const scores = await runOrt(bytes, data, nRows, model.nFeatures);
    let maxDiff = 0;
    for (let r = 0; r < nRows; r++) {
      const js = predictGbdt(model, data.subarray(r * model.nFeatures, (r + 1) * model.nFeatures));
      maxDiff = Math.max(maxDiff, Math.abs(js - (scores[r] as number)));
    }
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('writes a valid ModelProto with the expected opsets, graph and metadata', () => {
    const bytes = exportGbdtToOnnx(model, {
      producer: 'unit-test',
      version: '2024.1',
      modelVersion: 7,
      docString: 'xor model',
      metadata: { trained_on: 'synthetic', n_trees: 'overridden' },
    });
    const decoded = onnx.ModelProto.decode(bytes);
    expect(Number(decoded.irVersion)).toBe(8);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);
    expect(decoded.producerName).toBe('unit-test');
    expect(Number(decoded.modelVersion)).toBe(7);
    expect(decoded.docString).toBe('xor model');
    const graph = decoded.graph;
    expect(graph?.node?.map((n) => n.opType)).toEqual(['TreeEnsembleRegressor', 'Sigmoid']);
    expect(graph?.input?.[0]?.name).toBe('features');
    expect(graph?.output?.[0]?.name).toBe('score');
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({
      version: '2024.1',
      model_type: 'gbdt-logistic',
      n_trees: 'overridden',
      n_features: '6',
      trained_on: 'synthetic',
      feature_names: JSON.stringify(['a', 'b', 'c', 'd', 'e', 'f']),
    });
    expect(JSON.parse(meta.training_params as string)).toEqual(model.params);
  });

  it('is deterministic: identical training runs export identical bytes', () => {
    const opts = { seed: 9, nTrees: 25, subsample: 0.6, colsampleByTree: 0.5 };
    const a = exportGbdtToOnnx(trainGbdt(ds.x, ds.labels, opts), { version: '1' });
    const b = exportGbdtToOnnx(trainGbdt(ds.x, ds.labels, opts), { version: '1' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('supports a dynamic batch dimension (batch of 1) and single-leaf trees', async () => {
    const constant = trainGbdt({ data: new Float32Array(40), nRows: 40, nFeatures: 1 }, new Uint8Array(40), {
      nTrees: 2,
    });
    const scores = await runOrt(exportGbdtToOnnx(constant), new Float32Array([0]), 1, 1);
    expect(scores[0]).toBeCloseTo(predictGbdt(constant, [0]), 6);
  });

  it('rejects an input narrower than the features the trees use', () => {
    expect(() => exportGbdtToOnnx(model, { nFeatures: 1 })).toThrow(RangeError);
  });
});

describe('exportLogisticToOnnx', () => {
  it('matches sigmoid(x·w + b) computed in JS', async () => {
    const weights = [0.5, -1.25, 2, 0.125, -0.75];
    const bias = -0.3;
    const rand = seededRandom(3);
    const nRows = 64;
    const data = Float32Array.from({ length: nRows * weights.length }, () => rand() * 4 - 2);
    const scores = await runOrt(exportLogisticToOnnx(weights, bias), data, nRows, weights.length);
    for (let r = 0; r < nRows; r++) {
      let z = bias;
      weights.forEach((w, f) => {
        z += w * (data[r * weights.length + f] as number);
      });
      expect(scores[r]).toBeCloseTo(1 / (1 + Math.exp(-z)), 5);
    }
  });

  it('records model_type metadata and rejects mismatched widths', () => {
    const decoded = onnx.ModelProto.decode(exportLogisticToOnnx([1, 2], 0, { version: 'v1' }));
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toEqual({ version: 'v1', model_type: 'logistic', n_features: '2' });
    expect(() => exportLogisticToOnnx([1, 2], 0, { nFeatures: 3 })).toThrow(RangeError);
  });
});
