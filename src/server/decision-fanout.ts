import type { DecisionLog } from '../engine/index.js';
import type { DecisionSink } from './batch-sink.js';

/** One record to the file log and to every configured sink, each with its own bounded queue. */
export interface DecisionFanout {
  /**
   * Queues the record everywhere; answers what the file log answered (the outcome desk's
   * durability is the file's), or true when there is no file log and a sink took it.
   */
  append(record: object): boolean;
  /** Flushes the file log and every sink (a sink that cannot write resolves, its batch kept for the retry). */
  flush(): Promise<void>;
  /** Closes the file log and every sink. */
  close(): Promise<void>;
  readonly sinks: readonly DecisionSink[];
}

/** Creates the fan-out; with no sinks it is the file log alone. */
export function createDecisionFanout(
  file: DecisionLog | undefined,
  sinks: readonly DecisionSink[],
): DecisionFanout {
  return {
    sinks,
    append(record) {
      let any = false;
      for (const s of sinks) any = s.append(record) || any;
      return file !== undefined ? file.append(record) : any;
    },
    async flush() {
      await Promise.all([file?.flush(), ...sinks.map((s) => s.flush())]);
    },
    async close() {
      await Promise.all([file?.close(), ...sinks.map((s) => s.close())]);
    },
  };
}
