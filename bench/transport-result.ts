import type { CpuProfileSummary } from './cpu-profile-summary.js';
import type { LoadResult } from './load-result.js';

/** Empty baseline vs the real service on one transport. */
export interface TransportResult {
  readonly transport: 'rest' | 'grpc';
  readonly empty: LoadResult;
  readonly real: LoadResult;
  /** real.rps / empty.rps. */
  readonly ratio: number;
  readonly target: number;
  readonly pass: boolean;
  /** How the load was generated and anything the reader must know to interpret the figures. */
  readonly notes: readonly string[];
  /** Where the real server spent its CPU, when run with --cpu-prof. */
  readonly profile?: CpuProfileSummary;
}
