import type { CpuProfileSummary } from './cpu-profile-summary.js';
import type { LoadResult } from './load-result.js';

/** One empty/real pair, run back to back. */
export interface RoundResult {
  readonly emptyRps: number;
  readonly realRps: number;
  readonly ratio: number;
}

/** Empty baseline vs the real service on one transport. */
export interface TransportResult {
  readonly transport: 'rest' | 'grpc';
  /** The round whose ratio is the median (the one the table shows). */
  readonly empty: LoadResult;
  readonly real: LoadResult;
  /** Median of the rounds' real.rps / empty.rps. */
  readonly ratio: number;
  /** Every round in the order run; pass needs the median at target and no errors in any round. */
  readonly rounds: readonly RoundResult[];
  readonly target: number;
  readonly pass: boolean;
  /** How the load was generated and anything the reader must know to interpret the figures. */
  readonly notes: readonly string[];
  /** Where the real server spent its CPU, when run with --cpu-prof. */
  readonly profile?: CpuProfileSummary;
}
