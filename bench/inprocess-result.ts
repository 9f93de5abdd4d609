/** Latency summary of one timed loop, in microseconds. */
export interface LoopStats {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly maxUs: number;
}

/** In-process decide() timings (bench/inprocess-child.ts). */
export interface InprocessResult {
  readonly iterations: number;
  readonly warmup: number;
  readonly bundleVersion: string;
  /** "none" when the bundle has no model (decisions then degrade to rules only). */
  readonly modelVersion: string;
  readonly decide: LoopStats;
  /** p99 of each fifth of the timed calls, in order: the spread shows machine noise. */
  readonly decideP99ByBlockUs: readonly number[];
  /** The same loop around a trivial async function: the floor of the measurement itself. */
  readonly baseline: LoopStats;
  /** Counter store hydrate + commit for payments touching 6 entities × 3 windows (the same loop). */
  readonly counters?: LoopStats;
  /** Distinct events the counter loop cycles through. */
  readonly counterEvents?: number;
  /** Mean µs per engine stage (from DecisionResult.timings) over the timed calls. */
  readonly stageMeanUs: Readonly<Record<string, number>>;
  /** Outcome counts over the timed calls, to show the rules fired. */
  readonly decisions: Readonly<Record<string, number>>;
  /** Share of timed calls per reason code, top ones. */
  readonly topReasons: Readonly<Record<string, number>>;
}
