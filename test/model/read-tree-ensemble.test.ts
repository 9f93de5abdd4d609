import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import {
  createRowWriter,
  createTreeExplainer,
  createTreeShap,
  ensembleMargin,
  type ModelManifest,
  ort,
  parseManifest,
  readTreeEnsemble,
  type TreeEnsemble,
} from '../../src/model/index.js';
import {
  exportGbdtToOnnx,
  exportLogisticToOnnx,
  type GbdtModel,
  predictGbdtLogit,
  trainGbdt,
} from '../../src/model/train/index.js';
import { defaultFeatureSchema } from '../helpers.js';
import { rowOf, seededRandom, xorDataset } from './synthetic.js';

const { onnx } = onnxProto;
const schema = defaultFeatureSchema();
const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));
const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

async function runOrt(
  bytes: Uint8Array,
  rows: Float32Array,
  width: number,
  output = 'score',
): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ features: new ort.Tensor('float32', rows, [rows.length / width, width]) }, [
      output,
    ]);
    return out[output]?.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** Feature vectors like hydrated ones: counts, amounts and missing values. */
function randomVectors(n: number, seed: number): Float64Array[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () =>
    Float64Array.from({ length: schema.size }, () => {
      const r = rand();
      return r < 0.3 ? Number.NaN : r < 0.6 ? Math.floor(rand() * 20) : rand() * 3000;
    }),
  );
}

describe('TreeSHAP on the default model', () => {
  let manifest: ModelManifest;
  let bytes: Uint8Array;
  beforeAll(async () => {
    const dir = join(defaultBundleDir(), 'model');
    const m = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), schema);
    if ('errors' in m) throw new Error(m.errors.join('; '));
    manifest = m.value;
    bytes = await readFile(join(dir, manifest.file));
  });

  it('reads its 100 trees, and expectation plus contributions is the margin onnxruntime scores', async () => {
    const r = createTreeExplainer(bytes, manifest, schema);
    if ('error' in r) throw new Error(r.error);
    const explainer = r.value;
    expect(explainer.link).toBe('sigmoid');
    // Trained by npm run train, which stores the node covers: TreeSHAP against the training data.
    expect(explainer.covers).toBe('stored');
    const vectors = randomVectors(300, 5);
    const width = (manifest.features ?? []).length;
    const rows = new Float32Array(vectors.length * width);
    const write = createRowWriter(manifest.features ?? [], schema);
    for (const [i, v] of vectors.entries()) write(v, rows, i * width);
    const served = await runOrt(bytes, rows, width);
    const phi = new Float64Array(width);
    vectors.forEach((v, i) => {
      const margin = explainer.contributions(v, phi);
      // Additive up to float64 rounding of a few hundred terms.
      expect(Math.abs(explainer.expectedValue + sum(phi) - margin)).toBeLessThan(1e-9);
      // onnxruntime sums in float32.
      expect(Math.abs(sigmoid(margin) - (served[i] as number))).toBeLessThan(2e-6);
    });
  });

  it('returns the k largest contributions by magnitude with the raw feature values', () => {
    const r = createTreeExplainer(bytes, manifest, schema);
    if ('error' in r) throw new Error(r.error);
    const phi = new Float64Array((manifest.features ?? []).length);
    for (const v of randomVectors(50, 9)) {
      r.value.contributions(v, phi);
      const all = [...phi].map((c, i) => ({ c, i })).filter((x) => x.c !== 0);
      all.sort((a, b) => Math.abs(b.c) - Math.abs(a.c));
      for (const k of [1, 3, 7]) {
        const top = r.value.explain(v, k);
        expect(top.length).toBe(Math.min(k, all.length));
        top.forEach((t, j) => {
          expect(Math.abs(t.contribution)).toBe(Math.abs(all[j]?.c as number));
          const name = (manifest.features ?? [])[all.find((x) => x.c === t.contribution)?.i as number]?.name;
          expect(t.feature).toBe(name);
          expect(Object.is(t.value, v[schema.indexOf(t.feature) as number])).toBe(true);
        });
      }
    }
  });
});

describe('readTreeEnsemble', () => {
  const data = xorDataset(3000, 3);
  const model = trainGbdt(data.x, data.labels, { nTrees: 12, maxDepth: 3, seed: 2 });
  const width = data.x.nFeatures;
  const sig = { input: 'features', output: 'score', width };

  it('uses the covers our trainer stores, and routes like the trainer and onnxruntime', async () => {
    const r = readTreeEnsemble(exportGbdtToOnnx(model), sig);
    if ('error' in r) throw new Error(r.error);
    expect(r.value.covers).toBe('stored');
    expect(r.value.trees.length).toBe(12);
    // The root's split fraction is the training share of rows that went its true way.
    const root = model.trees[0]?.nodes[0];
    if (root?.kind !== 'split') throw new Error('first tree is a stump');
    const left = model.trees[0]?.nodes[root.left]?.count as number;
    const right = model.trees[0]?.nodes[root.right]?.count as number;
    expect(r.value.trees[0]?.yesFraction[0]).toBeCloseTo(left / (left + right), 12);
    const shap = createTreeShap(r.value);
    const phi = new Float64Array(width);
    for (let i = 0; i < 200; i++) {
      const row = rowOf(data.x, i);
      phi.fill(0);
      const margin = shap.contributions(row, phi);
      expect(margin).toBeCloseTo(predictGbdtLogit(model, row), 5);
      expect(Math.abs(shap.expectedValue + sum(phi) - margin)).toBeLessThan(1e-12);
    }
  });

  it.each([
    ['LOGISTIC, weights on class 1', 'LOGISTIC', [1], [], 'sigmoid'],
    ['LOGISTIC, weights on both classes', 'LOGISTIC', [0, 1], [], 'sigmoid'],
    ['LOGISTIC, binary case (weights on class 0) with a base value', 'LOGISTIC', [0], [0.3], 'sigmoid'],
    ['SOFTMAX, weights on both classes', 'SOFTMAX', [0, 1], [], 'sigmoid'],
    ['SOFTMAX, weights on class 1', 'SOFTMAX', [1], [], 'sigmoid'],
    ['SOFTMAX, binary case', 'SOFTMAX', [0], [], 'identity'],
    ['NONE then a Sigmoid node, binary case', 'NONE', [0], [0.2], 'sigmoid'],
    ['NONE after a Sigmoid node, weights on class 1', 'NONE', [1], [], 'sigmoid'],
  ] as const)(
    'reads a TreeEnsembleClassifier with int64 labels: %s',
    async (_name, post, classIds, bases, link) => {
      const bytes = classifierOnnx(model, width, post, classIds, bases);
      const r = readTreeEnsemble(bytes, sig);
      if ('error' in r) throw new Error(r.error);
      expect(r.value.link).toBe(link);
      const served1 = (m: number) => (link === 'sigmoid' ? sigmoid(m) : m);
      const rows = data.x.data.subarray(0, 200 * width);
      const served = await runOrt(bytes, rows, width);
      const shap = createTreeShap(r.value);
      const phi = new Float64Array(width);
      for (let i = 0; i < 200; i++) {
        phi.fill(0);
        const margin = shap.contributions(rowOf(data.x, i), phi);
        expect(Math.abs(served1(margin) - (served[2 * i + 1] as number))).toBeLessThan(2e-6);
        expect(Math.abs(shap.expectedValue + sum(phi) - margin)).toBeLessThan(1e-12);
      }
    },
  );

  it.each([
    [
      'a binary classifier with two base values',
      classifierOnnx(model, width, 'LOGISTIC', [1], [0.25, -0.5]),
      /2 base_values/,
    ],
    ['a linear model', exportLogisticToOnnx([0.5, -1, 2, 0, 0, 0], 0.1), /MatMul|Add/],
    ['trees behind preprocessing', preprocessed(exportGbdtToOnnx(model)), /preprocessing/],
    ['a multi-class classifier', classifierOnnx(model, width, 'LOGISTIC', [0, 1, 2], [], 3), /3 classes/],
    ['MAX aggregation', withAttr(exportGbdtToOnnx(model), 'aggregate_function', 'MAX'), /not additive/],
    ['not ONNX', new Uint8Array([1, 2, 3, 255]), /not an ONNX model|not computed by a tree ensemble/],
  ] as const)('says why %s is not explainable, without throwing', (_name, bytes, why) => {
    const r = readTreeEnsemble(bytes, sig);
    expect('error' in r && r.error).toMatch(why);
  });

  it('reads nodes_values_as_tensor and target_weights_as_tensor (float raw data, double data) like the float lists', () => {
    const m = onnx.ModelProto.decode(exportGbdtToOnnx(model));
    const n = m.graph?.node?.[0] as OnnxTypes.NodeProto;
    const take = (name: string) => {
      const i = n.attribute.findIndex((a) => a.name === name);
      const [a] = n.attribute.splice(i, 1);
      return [...(a?.floats ?? [])];
    };
    const values = take('nodes_values');
    const weights = take('target_weights');
    const T = onnx.AttributeProto.AttributeType.TENSOR;
    n.attribute.push(
      onnx.AttributeProto.create({
        name: 'nodes_values_as_tensor',
        type: T,
        t: {
          dataType: onnx.TensorProto.DataType.FLOAT,
          dims: [values.length],
          rawData: new Uint8Array(Float32Array.from(values).buffer),
        },
      }),
      onnx.AttributeProto.create({
        name: 'target_weights_as_tensor',
        type: T,
        t: { dataType: onnx.TensorProto.DataType.DOUBLE, dims: [weights.length], doubleData: weights },
      }),
    );
    const tensors = readTreeEnsemble(onnx.ModelProto.encode(m).finish(), sig);
    const lists = readTreeEnsemble(exportGbdtToOnnx(model), sig);
    if ('error' in tensors || 'error' in lists) throw new Error('unreadable');
    for (let i = 0; i < 50; i++) {
      const row = rowOf(data.x, i);
      expect(ensembleMargin(tensors.value, row)).toBe(ensembleMargin(lists.value, row));
    }
  });

  it('sums an ensemble with AVERAGE aggregation as the mean of its trees', () => {
    const avg = readTreeEnsemble(withAttr(exportGbdtToOnnx(model), 'aggregate_function', 'AVERAGE'), sig);
    const total = readTreeEnsemble(exportGbdtToOnnx(model), sig);
    if ('error' in avg || 'error' in total) throw new Error('unreadable');
    const row = rowOf(data.x, 0);
    const base = total.value.base;
    const e: TreeEnsemble = total.value;
    expect(ensembleMargin(avg.value, row) - base).toBeCloseTo((ensembleMargin(e, row) - base) / 12, 12);
  });
});

/** The GBDT's trees as a TreeEnsembleClassifier whose probabilities are the graph's `score`. */
function classifierOnnx(
  model: GbdtModel,
  width: number,
  post: string,
  classIds: readonly number[],
  bases: readonly number[],
  nLabels = 2,
): Uint8Array {
  const decoded = onnx.ModelProto.decode(exportGbdtToOnnx(model, { nFeatures: width }));
  const graph = decoded.graph as OnnxTypes.GraphProto;
  const reg = graph.node[0] as OnnxTypes.NodeProto;
  const attrs = new Map(reg.attribute.map((a) => [a.name, a]));
  const keep = [
    'nodes_falsenodeids',
    'nodes_featureids',
    'nodes_missing_value_tracks_true',
    'nodes_modes',
    'nodes_nodeids',
    'nodes_treeids',
    'nodes_truenodeids',
    'nodes_values',
  ];
  const AT = onnx.AttributeProto.AttributeType;
  const tTree = attrs.get('target_treeids')?.ints ?? [];
  const tNode = attrs.get('target_nodeids')?.ints ?? [];
  const tW = attrs.get('target_weights')?.floats ?? [];
  // Every leaf weight once per class id, scaled differently per class so SOFTMAX sees two margins.
  const ids = classIds.flatMap((c) => tTree.map(() => c));
  const attribute = [
    ...keep.map((k) => attrs.get(k) as OnnxTypes.IAttributeProto),
    { name: 'class_treeids', type: AT.INTS, ints: classIds.flatMap(() => tTree) },
    { name: 'class_nodeids', type: AT.INTS, ints: classIds.flatMap(() => tNode) },
    { name: 'class_ids', type: AT.INTS, ints: ids },
    {
      name: 'class_weights',
      type: AT.FLOATS,
      floats: classIds.flatMap((c) =>
        tW.map((w) => Math.fround(w * (c === 0 && classIds.length > 1 ? -0.5 : 1))),
      ),
    },
    { name: 'classlabels_int64s', type: AT.INTS, ints: Array.from({ length: nLabels }, (_, i) => i) },
    { name: 'post_transform', type: AT.STRING, s: new TextEncoder().encode(post) },
    ...(bases.length > 0 ? [{ name: 'base_values', type: AT.FLOATS, floats: [...bases] }] : []),
  ].map((a) => onnx.AttributeProto.create(a));
  const probs = post === 'NONE' ? 'raw' : 'score';
  const nodes: OnnxTypes.INodeProto[] = [
    onnx.NodeProto.create({
      name: 'trees',
      opType: 'TreeEnsembleClassifier',
      domain: 'ai.onnx.ml',
      input: ['features'],
      output: ['label', probs],
      attribute,
    }),
  ];
  if (post === 'NONE')
    nodes.push(onnx.NodeProto.create({ name: 'sig', opType: 'Sigmoid', input: ['raw'], output: ['score'] }));
  graph.node = nodes as OnnxTypes.NodeProto[];
  const out = graph.output[0] as OnnxTypes.ValueInfoProto;
  const shape = out.type?.tensorType?.shape?.dim;
  if (shape?.[1]) shape[1].dimValue = nLabels;
  graph.output = [
    onnx.ValueInfoProto.create({
      name: 'label',
      type: {
        tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'N' }] } },
      },
    }),
    out,
  ];
  return onnx.ModelProto.encode(decoded).finish();
}

/** The model with its input scaled by a Mul before the trees. */
function preprocessed(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph as OnnxTypes.GraphProto;
  (g.node[0] as OnnxTypes.NodeProto).input = ['scaled'];
  g.initializer.push(
    onnx.TensorProto.create({
      name: 'two',
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [],
      floatData: [2],
    }),
  );
  g.node.unshift(
    onnx.NodeProto.create({ name: 'mul', opType: 'Mul', input: ['features', 'two'], output: ['scaled'] }),
  );
  return onnx.ModelProto.encode(m).finish();
}

/** The model with one string attribute of its ensemble replaced. */
function withAttr(bytes: Uint8Array, name: string, value: string): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const n = m.graph?.node?.[0] as OnnxTypes.NodeProto;
  const a = n.attribute.find((x) => x.name === name) as OnnxTypes.AttributeProto;
  a.s = new TextEncoder().encode(value);
  return onnx.ModelProto.encode(m).finish();
}
