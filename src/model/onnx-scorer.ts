import * as ort from 'onnxruntime-node';
import type { FeatureSchema } from '../features/feature-schema.js';
import { createRowWriter, type ModelManifest } from './manifest.js';

/** Scores feature vectors with a model. Rejects (never hangs) when the model fails or is too slow. */
export interface ModelScorer {
  readonly version: string;
  readonly manifest: ModelManifest;
  /** Probability of fraud in [0, 1] for one feature vector. */
  score(features: Float64Array): Promise<number>;
  /** Scores a whole batch at once (training evaluation, backtests). */
  scoreBatch(rows: readonly Float64Array[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Options for createOnnxScorer. */
export interface OnnxScorerOptions {
  /** Requests that arrive in the same event-loop turn are scored together, up to this many. */
  readonly maxBatch?: number;
  /** A batch that takes longer than this rejects its callers, who then degrade to rules only. */
  readonly timeoutMs?: number;
  /** Observes each batch run (size and wall time), for metrics. */
  readonly onBatch?: (size: number, seconds: number) => void;
}

/** The model took too long or failed; the decision degrades. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

interface Pending {
  readonly features: Float64Array;
  resolve(v: number): void;
  reject(e: Error): void;
}

/**
 * Loads an ONNX model and checks it against its manifest (input name and width, output name) and
 * with a probe run, so a broken model is rejected before it serves. Inference runs on the event
 * loop single-threaded (DESIGN §5); concurrent requests are micro-batched into one run, which
 * amortises the per-call cost of the native binding under load.
 */
export async function createOnnxScorer(
  bytes: Uint8Array,
  manifest: ModelManifest,
  schema: FeatureSchema,
  options: OnnxScorerOptions = {},
): Promise<ModelScorer> {
  const maxBatch = options.maxBatch ?? 64;
  const timeoutMs = options.timeoutMs ?? 50;
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const width = manifest.features.length;
  try {
    checkSignature(session, manifest, width);
  } catch (err) {
    await session.release();
    throw err;
  }
  const writeRow = createRowWriter(manifest, schema);

  const runRows = async (data: Float32Array, n: number): Promise<Float32Array> => {
    const feeds = { [manifest.input]: new ort.Tensor('float32', data, [n, width]) };
    const out = await session.run(feeds, [manifest.output]);
    const t = out[manifest.output];
    if (t === undefined || t.type !== 'float32')
      throw new Error(`model output ${manifest.output} is not float32`);
    const v = t.data as Float32Array;
    // Classifier heads may emit [N, 2] (P(legit), P(fraud)); a single column is P(fraud).
    if (v.length === n) return v;
    if (v.length === 2 * n) return Float32Array.from({ length: n }, (_, i) => v[2 * i + 1] as number);
    throw new Error(`model output has ${v.length} values for ${n} rows`);
  };

  let queue: Pending[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (batch === queue) queue = [];
    if (queue.length > 0) schedule();
    const data = new Float32Array(batch.length * width);
    for (let i = 0; i < batch.length; i++) writeRow((batch[i] as Pending).features, data, i * width);
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      const err = new ModelUnavailableError(`model timed out after ${timeoutMs} ms`);
      for (const p of batch) p.reject(err);
    }, timeoutMs);
    const started = performance.now();
    runRows(data, batch.length).then(
      (scores) => {
        clearTimeout(timer);
        options.onBatch?.(batch.length, (performance.now() - started) / 1000);
        if (settled) return;
        for (let i = 0; i < batch.length; i++) {
          const s = scores[i] as number;
          if (Number.isFinite(s)) (batch[i] as Pending).resolve(Math.min(1, Math.max(0, s)));
          else (batch[i] as Pending).reject(new ModelUnavailableError('model returned a non-finite score'));
        }
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        const e = new ModelUnavailableError(`model run failed: ${String(err)}`, { cause: err });
        for (const p of batch) p.reject(e);
      },
    );
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const scorer: ModelScorer = {
    version: manifest.version,
    manifest,
    score(features) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ features, resolve, reject });
        schedule();
      });
    },
    async scoreBatch(rows) {
      const data = new Float32Array(rows.length * width);
      for (let i = 0; i < rows.length; i++) writeRow(rows[i] as Float64Array, data, i * width);
      return rows.length === 0 ? new Float32Array(0) : runRows(data, rows.length);
    },
    close: () => session.release(),
  };

  // Probe: a row of defaults must give a finite probability, or the model is not fit to serve.
  const probe = await scorer.scoreBatch([new Float64Array(schema.size).fill(Number.NaN)]);
  const p = probe[0];
  if (p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
    await session.release();
    throw new Error(`model probe returned ${p}, not a probability`);
  }
  return scorer;
}

function checkSignature(session: ort.InferenceSession, manifest: ModelManifest, width: number): void {
  if (!session.inputNames.includes(manifest.input)) {
    throw new Error(`model has no input ${manifest.input} (inputs: ${session.inputNames.join(', ')})`);
  }
  if (!session.outputNames.includes(manifest.output)) {
    throw new Error(`model has no output ${manifest.output} (outputs: ${session.outputNames.join(', ')})`);
  }
  const meta = session.inputMetadata.find((m) => m.name === manifest.input);
  if (meta?.isTensor) {
    if (meta.type !== 'float32')
      throw new Error(`model input ${manifest.input} is ${meta.type}, expected float32`);
    const cols = meta.shape[1];
    if (meta.shape.length !== 2 || (typeof cols === 'number' && cols !== width)) {
      throw new Error(
        `model input ${manifest.input} has shape [${meta.shape.join(', ')}], manifest lists ${width} features`,
      );
    }
  }
}
