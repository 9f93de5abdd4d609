/** The gated sections of the bench. */
export type GateName = 'rest' | 'grpc' | 'inprocess' | 'memory' | 'redis';

/** One figure of the bench against a fixed threshold. */
export interface Gate {
  /** What is compared, as the report names it. */
  readonly figure: string;
  /** `min`: the figure passes at or above the threshold; `max`: strictly below it. */
  readonly bound: 'min' | 'max';
  readonly threshold: number;
  /** Unit of the figure and threshold ('' for a ratio). */
  readonly unit: string;
  /**
   * `guard`: a regression guard below today's figure; a FAIL fails the run (exit 1). `target`: a
   * goal an open issue still has to reach; its verdict is printed but does not fail the run.
   */
  readonly kind: 'guard' | 'target';
}

/**
 * The bench's gates, set here and nowhere else. They are regression guards, not goals: each sits
 * below what the service measured on the 2-vCPU VM (REST real/empty 0.30, gRPC 0.59 – 0.62,
 * decide() p99 52 – 77 µs), so a FAIL means something got clearly slower, not that a target was
 * missed. The empty endpoint of each transport is the reference; the edge server is information
 * only (it once measured slower than the real service), so it has no gate.
 *
 * The memory gate is different: it is the features issue's target (1,000,000 active entities of
 * mixed kinds in under 1 GiB of RSS), not a guard below today's figure, and the store does not meet
 * it yet (1.37 GiB with the 1 h and 24 h windows), so it fails until the store's layout shrinks. A target's FAIL is printed but does not fail the run.
 */
export const GATES: Readonly<Record<GateName, Gate>> = {
  rest: { figure: 'REST real/empty decisions/s', bound: 'min', threshold: 0.25, unit: '', kind: 'guard' },
  grpc: { figure: 'gRPC real/empty decisions/s', bound: 'min', threshold: 0.45, unit: '', kind: 'guard' },
  inprocess: { figure: 'in-process decide() p99', bound: 'max', threshold: 200, unit: 'µs', kind: 'guard' },
  memory: {
    figure: 'peak RSS, 1M counter entities',
    bound: 'max',
    threshold: 1024,
    unit: 'MiB',
    kind: 'target',
  },
  // The Redis backend's target (features issue): decisions/s with counters and replay in Redis at
  // least half those in memory, same machine, same run (`--only redis`).
  redis: { figure: 'REST redis/memory decisions/s', bound: 'min', threshold: 0.5, unit: '', kind: 'target' },
};

/** Entities the memory gate is set for; a run with another count is information only. */
export const MEMORY_GATE_ENTITIES = 1_000_000;
