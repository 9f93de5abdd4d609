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
