export {
  createRowWriter,
  type FeatureTransform,
  type InputElementType,
  type ManifestFeature,
  type ManifestInput,
  type ModelManifest,
  manifestInputs,
  type OutputKind,
  parseManifest,
  type ScoreMapping,
} from './manifest.js';
export { ModelSignatureError } from './model-signature.js';
export {
  createOnnxScorer,
  type ModelScorer,
  ModelUnavailableError,
  type OnnxScorerOptions,
} from './onnx-scorer.js';
/** onnxruntime-node with telemetry off; import it from here, never from the package. */
export { ort } from './onnxruntime.js';
/** Tree ensembles read from ONNX bytes, and exact TreeSHAP over them (tests and tools). */
export { COVERS_METADATA_KEY, type EnsembleSignature, readTreeEnsemble } from './read-tree-ensemble.js';
/** ROC AUC of scores against 0/1 labels (ties count 1/2), for reports beside the trainer's. */
export { rocAuc } from './train/metrics.js';
export { ensembleMargin, type Tree, type TreeEnsemble, takesYes } from './tree-ensemble.js';
/** TreeSHAP explanations for tree-ensemble models, read from the served ONNX graph. */
export {
  createTreeExplainer,
  type FeatureContribution,
  type TreeExplainer,
} from './tree-explainer.js';
export { createTreeShap, type TreeShap } from './tree-shap.js';
