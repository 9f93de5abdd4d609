import type { FeatureSchema } from '../features/index.js';
import { createRowWriter, type ModelManifest } from './manifest.js';
import { type NativeSession, openNativeSession } from './native-session.js';
import { ort } from './onnxruntime.js';

/** Scores feature vectors with a model. Rejects (never hangs) when the model fails or is too slow. */
export interface ModelScorer {
  readonly version: string;
  readonly manifest: ModelManifest;
  /** How runs reach onnxruntime: its native binding directly, or its public async API. */
  readonly runtime: 'native' | 'public';
  /**
   * Probability of fraud in [0, 1] for one feature vector, micro-batched with the other calls of
   * the same event-loop turn: the cheapest per call when many decisions are in flight.
   */
  score(features: Float64Array): Promise<number>;
  /**
   * The same, computed at once on the calling thread, for callers that decide one event at a time
   * (no batch to wait for). Undefined when the model only runs asynchronously; throws
   * ModelUnavailableError when the run fails.
   */
  readonly scoreNow?: (features: Float64Array) => number;
  /** Scores a whole batch at once (training evaluation, backtests). */
  scoreBatch(rows: readonly Float64Array[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Options for createOnnxScorer. */
export interface OnnxScorerOptions {
  /** Requests that arrive in the same event-loop turn are scored together, up to this many. */
  readonly maxBatch?: number;
  /**
   * A decision that has waited longer than this for its batch to run is not scored: it degrades to
   * rules only (an overloaded event loop sheds model work first). Runs are synchronous, so a run
   * cannot be cut short once started.
   */
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
  readonly queuedAt: number;
  resolve(v: number): void;
  reject(e: Error): void;
}

/**
 * Loads an ONNX model and checks it against its manifest (input name and width, output name) and
 * with a probe run, so a broken model is rejected before it serves. Inference runs on the event
 * loop single-threaded (docs/architecture.md §5): decisions that reach the model in the same event-loop turn are
 * micro-batched into one synchronous native run (see native-session.ts), which amortises the
 * per-call cost of the binding under load.
 */
export async function createOnnxScorer(
  bytes: Uint8Array,
  manifest: ModelManifest,
  schema: FeatureSchema,
  options: OnnxScorerOptions = {},
): Promise<ModelScorer> {
  const maxBatch = options.maxBatch ?? 64;
  const timeoutMs = options.timeoutMs ?? 50;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  const width = manifest.features.length;
  try {
    checkSignature(session, manifest, width);
  } catch (err) {
    await session.release();
    throw err;
  }
  const writeRow = createRowWriter(manifest, schema);

  /** Classifier heads may emit [N, 2] (P(legit), P(fraud)); a single column is P(fraud). */
  const fraudColumn = (v: Float32Array, n: number): Float32Array => {
    if (v.length === n) return v;
    if (v.length === 2 * n) return Float32Array.from({ length: n }, (_, i) => v[2 * i + 1] as number);
    throw new Error(`model output has ${v.length} values for ${n} rows`);
  };
  const runPublic = async (data: Float32Array, n: number): Promise<Float32Array> => {
    const feeds = { [manifest.input]: new ort.Tensor('float32', data, [n, width]) };
    const out = await session.run(feeds, [manifest.output]);
    const t = out[manifest.output];
    if (t === undefined || t.type !== 'float32')
      throw new Error(`model output ${manifest.output} is not float32`);
    return fraudColumn(t.data as Float32Array, n);
  };

  let native: NativeSession | undefined;
  let queue: Pending[] = [];
  let scheduled = false;
  const runFailed = (err: unknown) =>
    new ModelUnavailableError(`model run failed: ${String(err)}`, { cause: err });
  const nonFinite = () => new ModelUnavailableError('model returned a non-finite score');
  /** A model output as a probability in [0, 1]; undefined when it is not a finite number. */
  const probability = (s: number): number | undefined =>
    Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : undefined;
  const settle = (batch: readonly Pending[], scores: Float32Array, started: number) => {
    options.onBatch?.(batch.length, (performance.now() - started) / 1000);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      const v = probability(scores[i] as number);
      if (v === undefined) p.reject(nonFinite());
      else p.resolve(v);
    }
  };
  const fail = (batch: readonly Pending[], err: unknown) => {
    const e = runFailed(err);
    for (const p of batch) p.reject(e);
  };
  const flush = () => {
    scheduled = false;
    const started = performance.now();
    // A decision that waited longer than the budget for its batch degrades instead of waiting more.
    const batch: Pending[] = [];
    let i = 0;
    for (; i < queue.length && batch.length < maxBatch; i++) {
      const p = queue[i] as Pending;
      if (started - p.queuedAt > timeoutMs) {
        p.reject(new ModelUnavailableError(`model queue wait exceeded ${timeoutMs} ms`));
      } else batch.push(p);
    }
    queue = i === queue.length ? [] : queue.slice(i);
    if (queue.length > 0) schedule();
    if (batch.length === 0) return;
    const data = new Float32Array(batch.length * width);
    for (let r = 0; r < batch.length; r++) writeRow((batch[r] as Pending).features, data, r * width);
    if (native !== undefined) {
      let scores: Float32Array;
      try {
        scores = fraudColumn(native.run(data, [batch.length, width]), batch.length);
      } catch (err) {
        fail(batch, err);
        return;
      }
      settle(batch, scores, started);
      return;
    }
    runPublic(data, batch.length).then(
      (scores) => settle(batch, scores, started),
      (err: unknown) => fail(batch, err),
    );
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const one = new Float32Array(width);
  const scoreNow = (features: Float64Array): number => {
    if (native === undefined) throw new ModelUnavailableError('model has no synchronous runtime');
    const started = performance.now();
    writeRow(features, one, 0);
    let s: number;
    try {
      s = fraudColumn(native.run(one, [1, width]), 1)[0] as number;
    } catch (err) {
      throw runFailed(err);
    }
    options.onBatch?.(1, (performance.now() - started) / 1000);
    const v = probability(s);
    if (v === undefined) throw nonFinite();
    return v;
  };

  const scorer: ModelScorer = {
    version: manifest.version,
    manifest,
    get scoreNow() {
      return native === undefined ? undefined : scoreNow;
    },
    get runtime() {
      return native === undefined ? 'public' : 'native';
    },
    score(features) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ features, queuedAt: performance.now(), resolve, reject });
        schedule();
      });
    },
    async scoreBatch(rows) {
      const data = new Float32Array(rows.length * width);
      for (let i = 0; i < rows.length; i++) writeRow(rows[i] as Float64Array, data, i * width);
      return rows.length === 0 ? new Float32Array(0) : runPublic(data, rows.length);
    },
    async close() {
      native?.release();
      await session.release();
    },
  };

  // Probe: a row of defaults must give a finite probability, or the model is not fit to serve.
  const probeRow = new Float32Array(width);
  writeRow(new Float64Array(schema.size).fill(Number.NaN), probeRow, 0);
  const p = (await runPublic(probeRow, 1))[0];
  if (p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
    await session.release();
    throw new Error(`model probe returned ${p}, not a probability`);
  }
  native = openNativeSession(bytes, sessionOptions, manifest.input, manifest.output);
  if (native !== undefined && fraudColumn(native.run(probeRow, [1, width]), 1)[0] !== p) {
    // The direct path must agree with the public one, or the public one serves.
    native.release();
    native = undefined;
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
