/**
 * Small ONNX models in the shapes common exporters produce (skl2onnx, onnxmltools), built with the
 * onnx-proto definitions, so the loader's handling of each shape is tested without Python.
 */
import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;
const T = onnx.TensorProto.DataType;
const encoder = new TextEncoder();

type Dim = number | 'N';

const ints = (name: string, v: readonly number[]) =>
  onnx.AttributeProto.create({ name, type: A.INTS, ints: [...v] });
const floats = (name: string, v: readonly number[]) =>
  onnx.AttributeProto.create({ name, type: A.FLOATS, floats: [...v] });
const int = (name: string, i: number) => onnx.AttributeProto.create({ name, type: A.INT, i });
const str = (name: string, s: string) =>
  onnx.AttributeProto.create({ name, type: A.STRING, s: encoder.encode(s) });
const strs = (name: string, v: readonly string[]) =>
  onnx.AttributeProto.create({ name, type: A.STRINGS, strings: v.map((s) => encoder.encode(s)) });

function tensor(name: string, elemType: number, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  const dim = dims.map((d) => (d === 'N' ? { dimParam: 'N' } : { dimValue: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

function seqOfMaps(name: string, keyType: number): OnnxTypes.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      sequenceType: { elemType: { mapType: { keyType, valueType: { tensorType: { elemType: T.FLOAT } } } } },
    },
  });
}

function model(
  nodes: OnnxTypes.INodeProto[],
  inputs: OnnxTypes.IValueInfoProto[],
  outputs: OnnxTypes.IValueInfoProto[],
  initializer: OnnxTypes.ITensorProto[] = [],
): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'shape_test',
    node: nodes,
    input: inputs,
    output: outputs,
    initializer,
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'onnx-shapes-test',
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
      graph,
    }),
  ).finish();
}

/** A one-split stump on column 0 of X: x0 <= threshold goes to the low leaf. */
export interface Stump {
  readonly threshold: number;
  /** P(class) per class at the low and the high leaf. */
  readonly low: readonly number[];
  readonly high: readonly number[];
}

function treeNodes(threshold: number) {
  return [
    ints('nodes_featureids', [0, 0, 0]),
    ints('nodes_falsenodeids', [2, 0, 0]),
    ints('nodes_truenodeids', [1, 0, 0]),
    strs('nodes_modes', ['BRANCH_LEQ', 'LEAF', 'LEAF']),
    ints('nodes_nodeids', [0, 1, 2]),
    ints('nodes_treeids', [0, 0, 0]),
    floats('nodes_values', [threshold, 0, 0]),
    ints('nodes_missing_value_tracks_true', [0, 0, 0]),
  ];
}

/**
 * TreeEnsembleClassifier over X float [N, width], as onnxmltools emits for LightGBM/XGBoost and
 * skl2onnx for forests: outputs `label` (int64 or string [N]) and `probabilities` float [N, classes],
 * then, with `zipmap`, skl2onnx's `output_label` and `output_probability` (a sequence of maps).
 */
export function treeClassifier(
  stump: Stump,
  labels: readonly number[] | readonly string[],
  opts: { width?: number; zipmap?: boolean } = {},
): Uint8Array {
  const classes = stump.low.length;
  const stringLabels = typeof labels[0] === 'string';
  const labelAttr = (name: string) =>
    stringLabels ? strs(`${name}_strings`, labels as string[]) : ints(`${name}_int64s`, labels as number[]);
  const classIds = [...Array(classes).keys()];
  const zip = opts.zipmap === true;
  const labelName = zip ? 'output_label' : 'label';
  const probName = 'probabilities';
  const nodes: OnnxTypes.INodeProto[] = [
    onnx.NodeProto.create({
      name: 'classifier',
      opType: 'TreeEnsembleClassifier',
      domain: 'ai.onnx.ml',
      input: ['X'],
      output: [labelName, probName],
      attribute: [
        labelAttr('classlabels'),
        ints('class_ids', [...classIds, ...classIds]),
        ints('class_nodeids', [...classIds.map(() => 1), ...classIds.map(() => 2)]),
        ints('class_treeids', [...classIds.map(() => 0), ...classIds.map(() => 0)]),
        floats('class_weights', [...stump.low, ...stump.high]),
        ...treeNodes(stump.threshold),
        str('post_transform', 'NONE'),
      ],
    }),
  ];
  const labelType = stringLabels ? T.STRING : T.INT64;
  const outputs = [tensor(labelName, labelType, ['N'])];
  if (zip) {
    nodes.push(
      onnx.NodeProto.create({
        name: 'zipmap',
        opType: 'ZipMap',
        domain: 'ai.onnx.ml',
        input: [probName],
        output: ['output_probability'],
        attribute: [labelAttr('classlabels')],
      }),
    );
    outputs.push(seqOfMaps('output_probability', stringLabels ? T.STRING : T.INT64));
  } else {
    outputs.push(tensor(probName, T.FLOAT, ['N', classes]));
  }
  return model(nodes, [tensor('X', T.FLOAT, ['N', opts.width ?? 2])], outputs);
}

/** TreeEnsembleRegressor stump on X float [N, width] → `variable` float [N, 1] (low or high leaf value). */
export function treeRegressor(threshold: number, low: number, high: number, width = 2): Uint8Array {
  const node = onnx.NodeProto.create({
    name: 'regressor',
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    input: ['X'],
    output: ['variable'],
    attribute: [
      int('n_targets', 1),
      ...treeNodes(threshold),
      ints('target_ids', [0, 0]),
      ints('target_nodeids', [1, 2]),
      ints('target_treeids', [0, 0]),
      floats('target_weights', [low, high]),
      str('post_transform', 'NONE'),
    ],
  });
  return model([node], [tensor('X', T.FLOAT, ['N', width])], [tensor('variable', T.FLOAT, ['N', 1])]);
}

/** LinearRegressor y = x·w + b on X float [N, w.length] → `variable` float [N, 1]. */
export function linearRegressor(weights: readonly number[], bias: number): Uint8Array {
  const node = onnx.NodeProto.create({
    name: 'linear',
    opType: 'LinearRegressor',
    domain: 'ai.onnx.ml',
    input: ['X'],
    output: ['variable'],
    attribute: [floats('coefficients', weights), floats('intercepts', [bias]), int('targets', 1)],
  });
  return model(
    [node],
    [tensor('X', T.FLOAT, ['N', weights.length])],
    [tensor('variable', T.FLOAT, ['N', 1])],
  );
}

/** One named input of a multi-input logistic model, in its element type. */
export interface LogisticInput {
  readonly name: string;
  readonly type: 'float32' | 'float64' | 'int64';
  readonly weights: readonly number[];
}

const ELEM = { float32: T.FLOAT, float64: T.DOUBLE, int64: T.INT64 } as const;

/**
 * sigmoid(Σ x_i·w_i + b) over several named inputs [N, k_i], each cast to float and concatenated
 * (as skl2onnx does for a ColumnTransformer), then MatMul + Add + Sigmoid → `score` [N, 1].
 */
export function multiInputLogistic(inputs: readonly LogisticInput[], bias: number): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  const parts = inputs.map((x) => {
    if (x.type === 'float32') return x.name;
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Cast',
        input: [x.name],
        output: [`${x.name}_f`],
        attribute: [int('to', T.FLOAT)],
      }),
    );
    return `${x.name}_f`;
  });
  const w = inputs.flatMap((x) => x.weights.map((v) => Math.fround(v)));
  nodes.push(
    onnx.NodeProto.create({
      opType: 'Concat',
      input: parts,
      output: ['concat'],
      attribute: [int('axis', 1)],
    }),
    onnx.NodeProto.create({ opType: 'MatMul', input: ['concat', 'lr_weights'], output: ['xw'] }),
    onnx.NodeProto.create({ opType: 'Add', input: ['xw', 'lr_bias'], output: ['logit'] }),
    onnx.NodeProto.create({ opType: 'Sigmoid', input: ['logit'], output: ['score'] }),
  );
  const initializer = [
    onnx.TensorProto.create({ name: 'lr_weights', dataType: T.FLOAT, dims: [w.length, 1], floatData: w }),
    onnx.TensorProto.create({
      name: 'lr_bias',
      dataType: T.FLOAT,
      dims: [1],
      floatData: [Math.fround(bias)],
    }),
  ];
  return model(
    nodes,
    inputs.map((x) => tensor(x.name, ELEM[x.type], ['N', x.weights.length])),
    [tensor('score', T.FLOAT, ['N', 1])],
    initializer,
  );
}

/**
 * LinearClassifier (sklearn LogisticRegression through skl2onnx): one coefficient row for a binary
 * problem, `classlabels_ints`, LOGISTIC post-transform → `label` int64 [N] + `probabilities` [N, 2].
 */
export function linearClassifier(
  weights: readonly number[],
  bias: number,
  labels: readonly number[],
): Uint8Array {
  const node = onnx.NodeProto.create({
    name: 'linear_classifier',
    opType: 'LinearClassifier',
    domain: 'ai.onnx.ml',
    input: ['X'],
    output: ['label', 'probabilities'],
    attribute: [
      ints('classlabels_ints', labels),
      floats('coefficients', weights),
      floats('intercepts', [bias]),
      int('multi_class', 0),
      str('post_transform', 'LOGISTIC'),
    ],
  });
  return model(
    [node],
    [tensor('X', T.FLOAT, ['N', weights.length])],
    [tensor('label', T.INT64, ['N']), tensor('probabilities', T.FLOAT, ['N', 2])],
  );
}

/** A float32 [N, 1] probability model whose output is cast to float64 (`score64`), as double exports give. */
export function float64Output(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  const graph = m.graph as OnnxTypes.GraphProto;
  const out = graph.output[0]?.name as string;
  graph.node.push(
    onnx.NodeProto.create({
      opType: 'Cast',
      input: [out],
      output: ['score64'],
      attribute: [int('to', T.DOUBLE)],
    }),
  );
  graph.output = [tensor('score64', T.DOUBLE, ['N', 1]) as OnnxTypes.ValueInfoProto];
  return onnx.ModelProto.encode(m).finish();
}
