/**
 * Offline model-training toolkit: train a GBDT in-process, export it to ONNX for the online scorer, and
 * evaluate it with ranking metrics. Nothing here runs on the request path except through the exported ONNX.
 */

/** Model and option types, exported so callers can persist models as JSON and type their configs. */
export type {
  DenseMatrix,
  GbdtInput,
  GbdtLeafNode,
  GbdtModel,
  GbdtNode,
  GbdtOptions,
  GbdtParams,
  GbdtSplitNode,
  GbdtTree,
} from './gbdt.js';
/** Training and the JS reference scorer the ONNX export is tested against. */
export { featureImportance, predictGbdt, predictGbdtLogit, trainGbdt } from './gbdt.js';
/** Metric result type. */
export type { Confusion } from './metrics.js';
/** Offline evaluation metrics; tie handling matters because tree models emit many equal scores. */
export { confusionAt, prAuc, precisionAtThreshold, recallAtReviewRate, rocAuc } from './metrics.js';
/** Export option type. */
export type { OnnxExportOptions } from './onnx-export.js';
/** Serialisers producing ONNX bytes that onnxruntime-node loads directly. */
export { exportGbdtToOnnx, exportLogisticToOnnx } from './onnx-export.js';
