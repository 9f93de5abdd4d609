import type { BenchOptions } from './bench-options.js';
import type { Runtime } from './runtime.js';

/** What every section of a run shares. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly runtime: Runtime;
  /** Scratch directory for scripts, request bodies and h2load logs; removed at the end. */
  readonly workDir: string;
}
