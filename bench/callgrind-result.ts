/** One valgrind run of bench/callgrind-child.ts. */
export interface CallgrindRun {
  /** Instructions of the measured decide() calls over their number. */
  readonly perDecision: number;
  /** Instructions of the measured trivial async calls over their number. */
  readonly perTrivialCall: number;
  /** Wall-clock seconds of the run under valgrind. */
  readonly seconds: number;
}

/** Instructions per in-process decision counted by callgrind (bench/callgrind-bench.ts). */
export interface CallgrindResult {
  /** `valgrind --version`. */
  readonly valgrind: string;
  /** node flags the child ran with. */
  readonly nodeFlags: readonly string[];
  readonly warmup: number;
  readonly decisions: number;
  readonly trivialCalls: number;
  readonly runs: readonly CallgrindRun[];
  /** Mean over the runs. */
  readonly instructionsPerDecision: number;
  /** Mean over the runs: the floor of the loop itself. */
  readonly instructionsPerTrivialCall: number;
  /** instructionsPerDecision / instructionsPerTrivialCall. */
  readonly ratio: number;
  /** (max − min) / mean of the runs' perDecision; 0 with one run. */
  readonly spread: number;
}

/** Why instructions were not counted (valgrind missing, or its run failed). */
export interface CallgrindSkipped {
  readonly skipped: string;
}

/** What the callgrind section reports. */
export type CallgrindReport = CallgrindResult | CallgrindSkipped;
