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
