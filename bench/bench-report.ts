import type { CallgrindReport } from './callgrind-result.js';
import type { GateVerdict } from './gate-verdict.js';
import type { InprocessResult } from './inprocess-result.js';
import type { MemoryReport } from './memory-result.js';
import type { DecisionProbe } from './probe-decision.js';
import type { RedisBenchResult } from './redis-bench.js';
import type { SnapshotReport } from './snapshot-result.js';
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
  /** Memory of the counter store filled with --memory-entities entities, per set of windows. */
  readonly memory?: MemoryReport;
  /** Writing and restoring a snapshot of --memory-entities entities: start-up time. Information, no gate. */
  readonly snapshot?: SnapshotReport;
  /** Instructions per decide() counted by callgrind: information, not a gate. */
  readonly callgrind?: CallgrindReport;
  /** REST with the Redis backend against the memory backend (`--only redis`). */
  readonly redis?: RedisBenchResult;
  /** The verdict of each gate (bench/gates.ts) whose section ran. */
  readonly gates: readonly GateVerdict[];
  /** Every gate that ran passed. */
  readonly pass: boolean;
}
