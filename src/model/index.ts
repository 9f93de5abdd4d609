export {
  createRowWriter,
  type FeatureTransform,
  type ManifestFeature,
  type ModelManifest,
  parseManifest,
} from './manifest.js';
export {
  createOnnxScorer,
  type ModelScorer,
  ModelUnavailableError,
  type OnnxScorerOptions,
} from './onnx-scorer.js';
/** onnxruntime-node with telemetry off; import it from here, never from the package. */
export { ort } from './onnxruntime.js';
