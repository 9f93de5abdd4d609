import type { CpuProfileSummary } from './cpu-profile-summary.js';
import type { LoadResult } from './load-result.js';

/** One empty/real pair (or empty/edge/real triple) of measured slices, run back to back. */
export interface RoundResult {
  readonly emptyRps: number;
  readonly realRps: number;
  readonly ratio: number;
  /** The edge server's rate in this round, when measured (bench/edge-server.ts). */
  readonly edgeRps?: number;
}

/** Empty baseline vs the real service on one transport. */
export interface TransportResult {
  readonly transport: 'rest' | 'grpc';
  /** Each server pooled over its slices (see interleave.ts). */
  readonly empty: LoadResult;
  /**
   * The real transports, validation and tokenisation with a constant answer instead of a decision
   * (bench/edge-server.ts): how much of the gap between empty and real is the edge, how much the core.
   */
  readonly edge?: LoadResult;
  readonly real: LoadResult;
  /** real.rps / empty.rps, pooled. */
  readonly ratio: number;
  /** edge.rps / empty.rps, pooled: the ceiling on `ratio` for any decision core, however cheap. */
  readonly edgeRatio?: number;
  /** Every slice pair in the order run. */
  readonly rounds: readonly RoundResult[];
  /** How the load was generated and anything the reader must know to interpret the figures. */
  readonly notes: readonly string[];
  /** Where the real server spent its CPU, when run with --cpu-prof. */
  readonly profile?: CpuProfileSummary;
  /** Where the edge server spent its CPU, when run with --cpu-prof. */
  readonly edgeProfile?: CpuProfileSummary;
}
