// The one way into onnxruntime-node: the side-effect import below runs before the library loads
// (ES modules evaluate imports in order), so no session is ever created with telemetry on.
import './telemetry-off.js';
import * as ort from 'onnxruntime-node';

/** onnxruntime-node, loaded with its telemetry switched off. */
export { ort };
