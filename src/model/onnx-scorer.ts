import type { FeatureSchema } from '../features/index.js';
import { createFeedWriter, type InputBuffer } from './feed-writer.js';
import { type ModelManifest, manifestInputs } from './manifest.js';
import { checkInputs, resolveOutput, scoreColumn } from './model-signature.js';
import { type NativeSession, openNativeSession } from './native-session.js';
import { readOnnxGraph, stripZipMap } from './onnx-graph.js';
import { ort } from './onnxruntime.js';
import { createScoreReader, type ScoreReader } from './score-reader.js';

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
 * Loads an ONNX model and checks it against its manifest (inputs: names, element types, widths;
 * output: name, kind, class column) and with a probe run, so a broken model is rejected before it
 * serves. A ZipMap output (a sequence of maps, which onnxruntime-node cannot return) is read from
 * the probability tensor that feeds it: the ZipMap node is stripped from the graph at load.
 * Inference runs on the event loop single-threaded (docs/architecture.md §5): decisions that reach
 * the model in the same event-loop turn are micro-batched into one synchronous native run (see
 * native-session.ts), which amortises the per-call cost of the binding under load.
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
  let session = await ort.InferenceSession.create(bytes, sessionOptions);
  let fetch = manifest.output;
  let resolved: ReturnType<typeof resolveOutput>;
  try {
    checkInputs(session, manifest);
    resolved = resolveOutput(session, readOnnxGraph(bytes), manifest);
    if (resolved.kind === 'zipmap') {
      const stripped = stripZipMap(bytes, manifest.output);
      await session.release();
      bytes = stripped.bytes;
      fetch = stripped.output;
      session = await ort.InferenceSession.create(bytes, sessionOptions);
    }
  } catch (err) {
    await session.release();
    throw err;
  }
  const feed = createFeedWriter(manifestInputs(manifest), schema);
  /** Set by the probe, which learns the output's width. */
  let readScores: ScoreReader = () => {
    throw new Error('model not probed');
  };
  const runPublic = async (buffers: readonly InputBuffer[], n: number): Promise<Float32Array> =>
    readScores(await runRaw(buffers, n), n);
  const runRaw = async (buffers: readonly InputBuffer[], n: number): Promise<Float32Array | Float64Array> => {
    const out = await session.run(feed.feeds(buffers, n), [fetch]);
    const t = out[fetch];
    if (t === undefined || (t.type !== 'float32' && t.type !== 'float64'))
      throw new Error(`model output ${fetch} is not a float tensor`);
    return t.data as Float32Array | Float64Array;
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
    const buffers = feed.alloc(batch.length);
    for (let r = 0; r < batch.length; r++) feed.write((batch[r] as Pending).features, buffers, r);
    if (native !== undefined) {
      let scores: Float32Array;
      try {
        scores = readScores(native.run(feed.feeds(buffers, batch.length)), batch.length);
      } catch (err) {
        fail(batch, err);
        return;
      }
      settle(batch, scores, started);
      return;
    }
    runPublic(buffers, batch.length).then(
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

  const one = feed.alloc(1);
  const scoreNow = (features: Float64Array): number => {
    if (native === undefined) throw new ModelUnavailableError('model has no synchronous runtime');
    const started = performance.now();
    feed.write(features, one, 0);
    let s: number;
    try {
      s = readScores(native.run(feed.feeds(one, 1)), 1)[0] as number;
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
      const buffers = feed.alloc(rows.length);
      for (let i = 0; i < rows.length; i++) feed.write(rows[i] as Float64Array, buffers, i);
      return rows.length === 0 ? new Float32Array(0) : runPublic(buffers, rows.length);
    },
    async close() {
      native?.release();
      await session.release();
    },
  };

  // Probe: a row of defaults must give a finite probability, or the model is not fit to serve. Its
  // output's width settles the score column (dynamic shapes leave it unknown until a run).
  const probeRow = feed.alloc(1);
  feed.write(new Float64Array(schema.size).fill(Number.NaN), probeRow, 0);
  let p: number | undefined;
  try {
    const raw = await runRaw(probeRow, 1);
    readScores = createScoreReader(
      raw.length,
      scoreColumn(manifest, resolved, raw.length),
      manifest.scoreMapping,
    );
    p = readScores(raw, 1)[0];
  } catch (err) {
    await session.release();
    throw err;
  }
  if (p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
    await session.release();
    throw new Error(`model probe returned ${p}, not a probability`);
  }
  native = openNativeSession(bytes, sessionOptions, fetch);
  if (native !== undefined && readScores(native.run(feed.feeds(probeRow, 1)), 1)[0] !== p) {
    // The direct path must agree with the public one, or the public one serves.
    native.release();
    native = undefined;
  }
  return scorer;
}
