import { join } from 'node:path';
import { decodeJournalRecord, readJournal, readNewestSnapshot } from '../durability/index.js';
import type { CounterStore } from '../features/index.js';
import type { SequenceState } from '../policies/index.js';
import type { IdempotencyStore } from './idempotency-store.js';

/** What start-up recovery found and did. */
export interface RecoveryReport {
  /** The snapshot loaded (its path), if any. */
  readonly snapshotFile?: string;
  /** Journal position the snapshot included (0 without one). */
  readonly snapshotSeq: number;
  /** Snapshot files newer than the one loaded that failed their checks. */
  readonly invalidSnapshots: readonly { readonly file: string; readonly reason: string }[];
  /** Journal records counted again after the snapshot. */
  readonly replayedRecords: number;
  /** Frames skipped: corrupt ones plus torn segment tails. Never fatal; also a metric. */
  readonly skippedFrames: number;
  readonly tornBytes: number;
  /** Record numbers absent between the snapshot and the last record: decisions not recovered. */
  readonly missingRecords: number;
  /** Sequence number of the last record recovered; the journal continues after it. */
  readonly lastSeq: number;
  readonly ms: number;
}

/** Where the journal segments and the snapshots live under DATA_DIR. */
export function dataPaths(dataDir: string): { journal: string; snapshots: string } {
  return { journal: join(dataDir, 'journal'), snapshots: join(dataDir, 'snapshots') };
}

/**
 * Restores the counters, the replay store and the sequences' partial matches from `dataDir`: the
 * newest intact snapshot, then every journal record after it, counted again exactly as the engine
 * committed it (`store.commit(event, t, { decision })`), its sequence transitions run again from
 * the journaled condition bits, and its decision put back in the replay store (unless expired).
 * Both stores must be fresh. Torn and corrupt frames are skipped and counted.
 */
export function recoverState(
  dataDir: string,
  store: CounterStore,
  replay: IdempotencyStore,
  sequences?: SequenceState,
): RecoveryReport {
  const started = performance.now();
  const paths = dataPaths(dataDir);
  const { snapshot, file, invalid } = readNewestSnapshot(paths.snapshots);
  let snapshotSeq = 0;
  if (snapshot !== undefined) {
    const counters = snapshot.sections.counters;
    const entries = snapshot.sections.replay;
    if (counters === undefined || entries === undefined)
      throw new Error(`snapshot ${file}: missing the counters or replay section`);
    if (store.importState === undefined) throw new Error('this counter store keeps its state elsewhere');
    store.importState(counters);
    replay.importState(entries);
    // Older snapshots have no sequences section: partial matches then start empty.
    const seq = snapshot.sections.sequences;
    if (sequences !== undefined && seq !== undefined) sequences.importState(seq);
    snapshotSeq = snapshot.journalSeq;
  }
  const read = readJournal(paths.journal, snapshotSeq, (_seq, body) => {
    const r = decodeJournalRecord(body);
    if (r.outcome !== undefined) {
      // A reported outcome: the outcome counters only.
      store.commit(r.event, r.t, { decision: r.decision, outcome: r.outcome });
      return;
    }
    store.commit(r.event, r.t, { decision: r.decision });
    if (sequences !== undefined && r.sequences !== undefined)
      for (const [identity, mask] of Object.entries(r.sequences))
        sequences.replay(identity, r.event, mask, r.t);
    if (r.fingerprint !== undefined && r.json !== undefined)
      replay.restore({
        id: r.event.eventId,
        fingerprint: r.fingerprint,
        json: r.json,
        createdMs: r.createdMs,
      });
  });
  return {
    ...(file !== undefined ? { snapshotFile: file } : {}),
    snapshotSeq,
    invalidSnapshots: invalid,
    replayedRecords: read.applied,
    skippedFrames: read.corruptFrames + read.tornTails,
    tornBytes: read.tornBytes,
    missingRecords: read.missing,
    lastSeq: read.lastSeq,
    ms: performance.now() - started,
  };
}
