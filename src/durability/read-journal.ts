import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrames } from './frame.js';
import { listSegments, segmentName } from './journal-files.js';

/** What reading the journal found. */
export interface JournalReadStats {
  readonly segments: number;
  /** Records handed to the callback. */
  readonly applied: number;
  /** Intact records at or below `afterSeq` (already in the snapshot), or repeated numbers. */
  readonly covered: number;
  /** Frames skipped: a checksum that failed, or a body the callback rejected. */
  readonly corruptFrames: number;
  /** Segments ending in bytes that form no whole frame: the torn tail of a crash. */
  readonly tornTails: number;
  readonly tornBytes: number;
  /**
   * Numbers skipped between records applied (from `afterSeq` on): records lost to a failed write,
   * a missing segment or a corrupt frame. 0 when the journal is whole.
   */
  readonly missing: number;
  /** Sequence number of the last record applied, or `afterSeq` when none was. */
  readonly lastSeq: number;
}

/**
 * Reads every segment of `dir` in order and calls `apply` with each intact record numbered past
 * `afterSeq` (and past every record before it, so none is applied twice). Torn and corrupt frames
 * are skipped and counted, never thrown; so is a record `apply` throws on.
 */
export function readJournal(
  dir: string,
  afterSeq: number,
  apply: (seq: number, body: Buffer) => void,
): JournalReadStats {
  const names = listSegments(dir);
  let last = afterSeq;
  let applied = 0;
  let covered = 0;
  let corruptFrames = 0;
  let tornBytes = 0;
  let tornTails = 0;
  let missing = 0;
  for (const start of names) {
    const decoded = decodeFrames(readFileSync(join(dir, segmentName(start))));
    corruptFrames += decoded.corruptFrames;
    tornBytes += decoded.tornBytes;
    if (decoded.tornBytes > 0) tornTails++;
    for (const f of decoded.frames) {
      if (f.seq <= last) {
        covered++;
        continue;
      }
      try {
        apply(f.seq, f.body);
      } catch {
        corruptFrames++;
        continue;
      }
      missing += f.seq - last - 1;
      last = f.seq;
      applied++;
    }
  }
  return {
    segments: names.length,
    applied,
    covered,
    corruptFrames,
    tornTails,
    tornBytes,
    missing,
    lastSeq: last,
  };
}
