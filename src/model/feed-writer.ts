import type { FeatureSchema } from '../features/index.js';
import { createRowWriter, type InputElementType, type ManifestInput } from './manifest.js';
import { ort } from './onnxruntime.js';

/** One input's rows, in the element type the graph declares. */
export type InputBuffer = Float32Array | Float64Array | BigInt64Array;

/** Fills the model's named inputs from feature vectors, as the manifest maps them. */
export interface FeedWriter {
  /** Buffers for `n` rows, one per input, in manifest order. */
  alloc(n: number): InputBuffer[];
  /** Writes one feature vector as row `row` of every input. */
  write(vector: Float64Array, buffers: readonly InputBuffer[], row: number): void;
  /** The feeds of one run over the first `n` rows of the buffers. */
  feeds(buffers: readonly InputBuffer[], n: number): Record<string, ort.Tensor>;
}

const LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Builds the writer for the manifest's inputs. Float inputs carry NaN for a missing feature with a
 * null default; int64 ones get each value rounded to the nearest integer (their defaults are
 * integers: int64 has no NaN).
 */
export function createFeedWriter(inputs: readonly ManifestInput[], schema: FeatureSchema): FeedWriter {
  const only = inputs[0];
  if (inputs.length === 1 && only !== undefined && (only.type ?? 'float32') === 'float32')
    return singleFloat32(only, schema);
  const parts = inputs.map((input) => {
    const width = input.features.length;
    const type: InputElementType = input.type ?? 'float32';
    const writeRow = createRowWriter(input.features, schema);
    const scratch = new Float64Array(width);
    const write =
      type === 'int64'
        ? (vector: Float64Array, out: InputBuffer, row: number) => {
            writeRow(vector, scratch, 0);
            const o = out as BigInt64Array;
            for (let i = 0; i < width; i++) {
              const v = Math.round(scratch[i] as number);
              o[row * width + i] = BigInt(Math.min(LIMIT, Math.max(-LIMIT, v)));
            }
          }
        : (vector: Float64Array, out: InputBuffer, row: number) =>
            writeRow(vector, out as Float32Array | Float64Array, row * width);
    const alloc = (n: number): InputBuffer =>
      type === 'int64'
        ? new BigInt64Array(n * width)
        : type === 'float64'
          ? new Float64Array(n * width)
          : new Float32Array(n * width);
    return { name: input.name, type, width, write, alloc };
  });
  const count = parts.length;
  return {
    alloc: (n) => parts.map((p) => p.alloc(n)),
    write(vector, buffers, row) {
      for (let i = 0; i < count; i++) {
        const p = parts[i] as (typeof parts)[number];
        p.write(vector, buffers[i] as InputBuffer, row);
      }
    },
    feeds(buffers, n) {
      const feeds: Record<string, ort.Tensor> = {};
      for (let i = 0; i < count; i++) {
        const p = parts[i] as (typeof parts)[number];
        const b = buffers[i] as InputBuffer;
        const data = b.length === n * p.width ? b : b.subarray(0, n * p.width);
        feeds[p.name] = new ort.Tensor(p.type, data, [n, p.width]);
      }
      return feeds;
    },
  };
}

/** The default model's shape, one float32 input: no per-input loop on the hot path. */
function singleFloat32(input: ManifestInput, schema: FeatureSchema): FeedWriter {
  const { name } = input;
  const width = input.features.length;
  const writeRow = createRowWriter(input.features, schema);
  return {
    alloc: (n) => [new Float32Array(n * width)],
    write: (vector, buffers, row) => writeRow(vector, buffers[0] as Float32Array, row * width),
    feeds(buffers, n) {
      const b = buffers[0] as Float32Array;
      return {
        [name]: new ort.Tensor('float32', b.length === n * width ? b : b.subarray(0, n * width), [n, width]),
      };
    },
  };
}
