import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { listDecisionSegments } from './decision-log.js';

/** What reading the decision log skipped. */
export interface DecisionLogReadStats {
  /** Lines that were not JSON objects: a torn last line after a crash, or damage. */
  skippedLines: number;
}

/**
 * Reads every record of the decision log in `dir`, oldest segment first, in write order. A line
 * that does not parse (the torn tail a crash can leave) is skipped and counted in `stats`.
 */
export async function* readDecisionLog(
  dir: string,
  stats: DecisionLogReadStats = { skippedLines: 0 },
): AsyncGenerator<Record<string, unknown>> {
  for (const name of listDecisionSegments(dir)) {
    const lines = createInterface({
      input: createReadStream(join(dir, name)),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        stats.skippedLines++;
        continue;
      }
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) yield v as Record<string, unknown>;
      else stats.skippedLines++;
    }
  }
}
