import type { CpuProfileSummary } from './cpu-profile-summary.js';
import type { LoadResult } from './load-result.js';

/** One empty/real pair of measured slices, run back to back. */
export interface RoundResult {
  readonly emptyRps: number;
  readonly realRps: number;
  readonly ratio: number;
}

/** Empty baseline vs the real service on one transport. */
export interface TransportResult {
  readonly transport: 'rest' | 'grpc';
  /** Each server pooled over its slices (see interleave.ts). */
  readonly empty: LoadResult;
  readonly real: LoadResult;
  /** real.rps / empty.rps, pooled. */
  readonly ratio: number;
  /** Every slice pair in the order run. */
  readonly rounds: readonly RoundResult[];
  readonly target: number;
  readonly pass: boolean;
  /** How the load was generated and anything the reader must know to interpret the figures. */
  readonly notes: readonly string[];
  /** Where the real server spent its CPU, when run with --cpu-prof. */
  readonly profile?: CpuProfileSummary;
}
