import { createRequire } from 'node:module';
import type { ort } from './onnxruntime.js';

/** Runs the model's inputs through it on the calling thread and returns the one float output. */
export type SyncRun = (feeds: Record<string, ort.Tensor>) => Float32Array | Float64Array;

/** A model session whose runs are synchronous calls into onnxruntime's native binding. */
export interface NativeSession {
  readonly run: SyncRun;
  release(): void;
}

interface BindingSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, ort.Tensor | undefined>;
  dispose(): void;
}

interface BindingModule {
  readonly binding: { readonly InferenceSession: new () => BindingSession };
  readonly initOrt: () => void;
}

/**
 * onnxruntime-node's public `InferenceSession.run` is the same native call wrapped in argument
 * checks and a `setImmediate`: about 10 µs and an extra event-loop turn per run, which is most of
 * the model stage for small batches. This loads the package's own binding module (the one its
 * backend uses, same onnxruntime build and options) and calls it directly.
 *
 * Returns undefined when the installed onnxruntime-node does not have that module layout; callers
 * then keep the public API. The session must have been validated through the public API first.
 */
export function openNativeSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  output: string,
): NativeSession | undefined {
  let mod: BindingModule;
  try {
    mod = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as BindingModule;
    if (typeof mod.initOrt !== 'function' || typeof mod.binding?.InferenceSession !== 'function')
      return undefined;
  } catch {
    return undefined;
  }
  // The public API has already initialised onnxruntime; initOrt is idempotent.
  mod.initOrt();
  const session = new mod.binding.InferenceSession();
  // The binding reads the buffer during loadModel; a copy keeps a caller's later writes out.
  const copy = bytes.slice();
  session.loadModel(copy.buffer, copy.byteOffset, copy.byteLength, options);
  const fetches = { [output]: null };
  const runOptions = {};
  return {
    run(feeds) {
      const out = session.run(feeds, fetches, runOptions)[output];
      if (out === undefined || (out.type !== 'float32' && out.type !== 'float64'))
        throw new Error(`model output ${output} is not a float tensor`);
      return out.data as Float32Array | Float64Array;
    },
    release: () => session.dispose(),
  };
}
