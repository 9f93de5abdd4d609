import type { InprocessResult } from './inprocess-result.js';
import type { DecisionProbe } from './probe-decision.js';
import type { TransportResult } from './transport-result.js';

/** Everything one `npm run bench` measured; `--json` prints exactly this object. */
export interface BenchReport {
  readonly startedAt: string;
  readonly node: string;
  /** How both servers were run. */
  readonly runtime: string;
  readonly pinning: { readonly serverCpu: number; readonly loadCpu: number; readonly tool: 'taskset' };
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  /** What the real service decided with (from a probe decision), per transport run. */
  readonly bundle?: DecisionProbe;
  readonly rest?: TransportResult;
  readonly grpc?: TransportResult;
  readonly inprocess?: InprocessResult;
  /** Every section that ran met its target without errors. */
  readonly pass: boolean;
}
