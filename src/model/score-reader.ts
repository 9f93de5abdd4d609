import type { ScoreMapping } from './manifest.js';

/** Turns the raw output of a run over `n` rows into one score per row. */
export type ScoreReader = (data: Float32Array | Float64Array, n: number) => Float32Array;

/**
 * Builds the reader for an output of `columns` values per row whose `column` is the score, mapped
 * by `mapping` (regressions). A float32 single-column probability is returned as is: no copy on the
 * default model's path. Scores are not clipped here; the scorer clips and rejects non-finite ones.
 */
export function createScoreReader(columns: number, column: number, mapping?: ScoreMapping): ScoreReader {
  const map = mappingFunction(mapping);
  if (columns === 1 && map === undefined) {
    return (data, n) => {
      if (data.length !== n) throw new Error(`model output has ${data.length} values for ${n} rows`);
      return data instanceof Float32Array ? data : Float32Array.from(data);
    };
  }
  return (data, n) => {
    if (data.length !== n * columns) throw new Error(`model output has ${data.length} values for ${n} rows`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = data[i * columns + column] as number;
      out[i] = map === undefined ? v : map(v);
    }
    return out;
  };
}

function mappingFunction(mapping: ScoreMapping | undefined): ((y: number) => number) | undefined {
  if (mapping === undefined) return undefined;
  if (mapping === 'identity-clip') return (y) => Math.min(1, Math.max(0, y));
  if (mapping === 'sigmoid') return (y) => 1 / (1 + Math.exp(-y));
  const { min, max } = mapping;
  const span = max - min;
  return (y) => Math.min(1, Math.max(0, (y - min) / span));
}
