/** What bench/snapshot-child.ts measured writing: a filled store, one snapshot, a journal tail. */
export interface SnapshotWrite {
  readonly entities: number;
  readonly replayEntries: number;
  readonly fillMs: number;
  /** Snapshot size on disk. */
  readonly bytes: number;
  /** Memory for the copy faulted in ahead, a slice per event-loop turn (the loop is not held). */
  readonly prepareMs: number;
  /** The event loop held while the state was exported and copied out of the stores. */
  readonly captureMs: number;
  /** Until fsync, rename and directory fsync were done. */
  readonly totalMs: number;
  /** Journal records appended after the snapshot (the tail a restart replays). */
  readonly tailRecords: number;
  readonly tailBytes: number;
}

/** What bench/snapshot-child.ts measured restoring, in a fresh process. */
export interface SnapshotRestore {
  /** Reading the snapshot file with every checksum checked. */
  readonly readMs: number;
  /** Importing it into fresh stores. */
  readonly importMs: number;
  /** recoverState end to end: snapshot plus the journal tail, into another pair of fresh stores. */
  readonly recoverMs: number;
  readonly replayedRecords: number;
  readonly entities: number;
  /** The restored store reads the same features for a sample of users as the written one did. */
  readonly checksum: number;
  readonly peakRss: number;
}

/** The snapshot section of the bench report. */
export interface SnapshotReport {
  readonly write: SnapshotWrite;
  readonly restore: SnapshotRestore;
  /** The written store's checksum over the same sample, to compare with restore.checksum. */
  readonly writtenChecksum: number;
}

/** Parses a child's last output line as T; throws with the output when it is not JSON. */
export function parseChildLine<T>(stdout: string): T {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`snapshot child printed no result:\n${stdout}`);
  }
}
