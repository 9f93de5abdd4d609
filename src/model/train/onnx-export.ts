/**
 * Serialises trained models to ONNX for onnxruntime: GBDT as ai.onnx.ml TreeEnsembleRegressor + Sigmoid,
 * logistic regression as MatMul + Add + Sigmoid. Both map `features` float32 [N, nFeatures] to
 * `score` float32 [N, 1]. Output bytes depend only on the inputs (no timestamps), so exports are reproducible.
 *
 * A categorical split (left set {c1..ck}) becomes a chain of BRANCH_EQ nodes, `x == c1`, `x == c2`, ...,
 * whose true branches all lead to the left subtree and whose last false branch leads to the right one.
 * ai.onnx.ml 3 has no set-membership mode; onnxruntime accepts several parents of one node for exactly
 * this encoding (onnxmltools writes LightGBM categorical splits the same way). NaN equals nothing, so
 * `missing_value_tracks_true` on the chain sends NaN left when the split says so, else right.
 */

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import { COVERS_METADATA_KEY } from '../read-tree-ensemble.js';
import type { GbdtModel } from './gbdt.js';

const { onnx } = onnxProto;

/** IR version 8 with opset 17 / ai.onnx.ml 3: the newest this onnx-proto schema knows, accepted by ORT 1.30. */
const IR_VERSION = 8;
const OPSET_DEFAULT = 17;
const OPSET_ML = 3;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLT_MAX = 3.4028234663852886e38;
const AttrType = onnx.AttributeProto.AttributeType;

/** Export options shared by all model kinds. */
export interface OnnxExportOptions {
  /** Width of the input; defaults to the model's feature count. */
  nFeatures?: number;
  /** Graph input name. Default 'features'. */
  inputName?: string;
  /** Graph output name. Default 'score'. */
  outputName?: string;
  /** ModelProto.producer_name. Default 'risk-decision-service'. */
  producer?: string;
  /** ModelProto.producer_version. Default '0.1.0'. */
  producerVersion?: string;
  /** Human-readable model version, stored as metadata_props 'version'. */
  version?: string;
  /** ModelProto.model_version (integer). Default 1. */
  modelVersion?: number;
  /** ModelProto.doc_string. */
  docString?: string;
  /** Extra metadata_props; entries override the built-in keys of the same name. */
  metadata?: Readonly<Record<string, string>>;
}

/** Serialises a GBDT model to ONNX bytes (TreeEnsembleRegressor logit → Sigmoid → `score`). */
export function exportGbdtToOnnx(model: GbdtModel, options: OnnxExportOptions = {}): Uint8Array {
  const nFeatures = options.nFeatures ?? model.nFeatures;
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new RangeError(`invalid nFeatures ${nFeatures}`);
  if (model.trees.length === 0) throw new RangeError('model has no trees');

  const nodeTreeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: Uint8Array[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetWeights: number[] = [];
  const leafMode = utf8('LEAF');
  const branchMode = utf8('BRANCH_LEQ');
  const eqMode = utf8('BRANCH_EQ');

  model.trees.forEach((tree, t) => {
    let nextId = tree.nodes.length;
    tree.nodes.forEach((node, id) => {
      if (node.kind === 'split' && node.categories) {
        const cats = node.categories;
        if (node.feature >= nFeatures) {
          throw new RangeError(`tree ${t} node ${id} uses feature ${node.feature} >= nFeatures ${nFeatures}`);
        }
        if (cats.length === 0) {
          // Only NaN goes left: codes are >= 0, never <= -FLT_MAX, and NaN follows missing_value_tracks_true.
          nodeTreeIds.push(t);
          nodeIds.push(id);
          featureIds.push(node.feature);
          values.push(-FLT_MAX);
          modes.push(branchMode);
          trueIds.push(node.left);
          falseIds.push(node.right);
          missingTrue.push(node.missingLeft ? 1 : 0);
          return;
        }
        cats.forEach((c, k) => {
          if (!Number.isInteger(c) || Math.fround(c) !== c) {
            throw new RangeError(`tree ${t} node ${id} category ${c} is not an integer float32`);
          }
          nodeTreeIds.push(t);
          // The chain starts at the split's own id so that parents keep pointing at it.
          nodeIds.push(k === 0 ? id : nextId++);
          featureIds.push(node.feature);
          values.push(c);
          modes.push(eqMode);
          trueIds.push(node.left);
          falseIds.push(k === cats.length - 1 ? node.right : nextId);
          missingTrue.push(node.missingLeft ? 1 : 0);
        });
        return;
      }
      nodeTreeIds.push(t);
      nodeIds.push(id);
      if (node.kind === 'split') {
        if (node.feature >= nFeatures) {
          throw new RangeError(`tree ${t} node ${id} uses feature ${node.feature} >= nFeatures ${nFeatures}`);
        }
        if (!Number.isFinite(node.threshold) || Math.fround(node.threshold) !== node.threshold) {
          throw new RangeError(`tree ${t} node ${id} threshold ${node.threshold} is not a finite float32`);
        }
        featureIds.push(node.feature);
        values.push(node.threshold);
        modes.push(branchMode);
        trueIds.push(node.left);
        falseIds.push(node.right);
        missingTrue.push(node.missingLeft ? 1 : 0);
      } else {
        featureIds.push(0);
        values.push(0);
        modes.push(leafMode);
        trueIds.push(0);
        falseIds.push(0);
        missingTrue.push(0);
        targetTreeIds.push(t);
        targetNodeIds.push(id);
        targetWeights.push(node.value);
      }
    });
  });

  const ensemble = onnx.NodeProto.create({
    name: 'tree_ensemble',
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    input: [options.inputName ?? 'features'],
    output: ['logit'],
    attribute: [
      attrString('aggregate_function', 'SUM'),
      attrFloats('base_values', [model.baseScore]),
      attrInt('n_targets', 1),
      attrInts('nodes_falsenodeids', falseIds),
      attrInts('nodes_featureids', featureIds),
      attrInts('nodes_missing_value_tracks_true', missingTrue),
      attrStrings('nodes_modes', modes),
      attrInts('nodes_nodeids', nodeIds),
      attrInts('nodes_treeids', nodeTreeIds),
      attrInts('nodes_truenodeids', trueIds),
      attrFloats('nodes_values', values),
      attrString('post_transform', 'NONE'),
      attrInts('target_ids', new Array<number>(targetTreeIds.length).fill(0)),
      attrInts('target_nodeids', targetNodeIds),
      attrInts('target_treeids', targetTreeIds),
      attrFloats('target_weights', targetWeights),
    ],
  });

  const builtIn: Record<string, string> = {
    model_type: 'gbdt-logistic',
    n_trees: String(model.trees.length),
    n_features: String(nFeatures),
    base_score: String(model.baseScore),
    training_params: JSON.stringify(model.params),
    // Training rows per node: TreeSHAP's path weights (ONNX tree ensembles have no place for them).
    [COVERS_METADATA_KEY]: JSON.stringify(model.trees.map((t) => t.nodes.map((n) => n.count))),
  };
  if (model.featureNames) builtIn.feature_names = JSON.stringify(model.featureNames);
  if (model.categorical) builtIn.categorical_features = JSON.stringify(model.categorical);

  return encodeModel(
    [ensemble, sigmoidNode(options)],
    [],
    nFeatures,
    'gbdt_risk_score',
    [
      { domain: '', version: OPSET_DEFAULT },
      { domain: 'ai.onnx.ml', version: OPSET_ML },
    ],
    builtIn,
    options,
  );
}

/** Serialises logistic regression `sigmoid(x·w + b)` to ONNX bytes (MatMul → Add → Sigmoid → `score`). */
export function exportLogisticToOnnx(
  weights: ArrayLike<number>,
  bias: number,
  options: OnnxExportOptions = {},
): Uint8Array {
  const nFeatures = options.nFeatures ?? weights.length;
  if (weights.length < 1 || nFeatures !== weights.length) {
    throw new RangeError(`weights has ${weights.length} entries, nFeatures is ${nFeatures}`);
  }
  const w = Array.from(weights, (v) => Math.fround(v));
  if (!w.every(Number.isFinite) || !Number.isFinite(bias))
    throw new RangeError('weights and bias must be finite');
  const initializers = [
    onnx.TensorProto.create({ name: 'weights', dataType: FLOAT, dims: [nFeatures, 1], floatData: w }),
    onnx.TensorProto.create({ name: 'bias', dataType: FLOAT, dims: [1], floatData: [Math.fround(bias)] }),
  ];
  const nodes = [
    onnx.NodeProto.create({
      name: 'matmul',
      opType: 'MatMul',
      input: [options.inputName ?? 'features', 'weights'],
      output: ['xw'],
    }),
    onnx.NodeProto.create({ name: 'add_bias', opType: 'Add', input: ['xw', 'bias'], output: ['logit'] }),
    sigmoidNode(options),
  ];
  return encodeModel(
    nodes,
    initializers,
    nFeatures,
    'logistic_risk_score',
    [{ domain: '', version: OPSET_DEFAULT }],
    { model_type: 'logistic', n_features: String(nFeatures) },
    options,
  );
}

function sigmoidNode(options: OnnxExportOptions): OnnxTypes.INodeProto {
  return onnx.NodeProto.create({
    name: 'sigmoid',
    opType: 'Sigmoid',
    input: ['logit'],
    output: [options.outputName ?? 'score'],
  });
}

function encodeModel(
  nodes: OnnxTypes.INodeProto[],
  initializer: OnnxTypes.ITensorProto[],
  nFeatures: number,
  graphName: string,
  opsetImport: OnnxTypes.IOperatorSetIdProto[],
  builtInMetadata: Record<string, string>,
  options: OnnxExportOptions,
): Uint8Array {
  const modelVersion = options.modelVersion ?? 1;
  if (!Number.isSafeInteger(modelVersion) || modelVersion < 0) {
    throw new RangeError(`modelVersion must be a non-negative integer, got ${modelVersion}`);
  }
  const metadata = new Map<string, string>();
  if (options.version !== undefined) metadata.set('version', options.version);
  for (const [k, v] of Object.entries(builtInMetadata)) metadata.set(k, v);
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);

  const graph = onnx.GraphProto.create({
    name: graphName,
    node: nodes,
    initializer,
    input: [tensorInfo(options.inputName ?? 'features', nFeatures)],
    output: [tensorInfo(options.outputName ?? 'score', 1)],
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: opsetImport.map((o) => onnx.OperatorSetIdProto.create(o)),
    producerName: options.producer ?? 'risk-decision-service',
    producerVersion: options.producerVersion ?? '0.1.0',
    modelVersion,
    docString: options.docString ?? '',
    graph,
    metadataProps: [...metadata].map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** float32 [N, width] with a symbolic batch dimension so one model serves any batch size. */
function tensorInfo(name: string, width: number): OnnxTypes.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: [{ dimParam: 'N' }, { dimValue: width }] }),
      }),
    }),
  });
}

const encoder = new TextEncoder();

function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

function attrInt(name: string, i: number): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttrType.INT, i });
}

function attrInts(name: string, ints: number[]): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttrType.INTS, ints });
}

function attrFloats(name: string, floats: number[]): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttrType.FLOATS, floats });
}

function attrString(name: string, s: string): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttrType.STRING, s: utf8(s) });
}

function attrStrings(name: string, strings: Uint8Array[]): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: AttrType.STRINGS, strings });
}
