// Durability: the journal of committed decisions and the snapshots of state under DATA_DIR. It
// imports the domain only and treats every store's state as opaque header + binary parts.

/** One process per DATA_DIR: a LOCK file naming the holder, taken over from a dead one. */
export { lockDataDir } from './data-dir-lock.js';
/** The decision log's embedded sink: NDJSON segments with group commit, rotation, retention and a bounded queue. */
export {
  createDecisionLog,
  type DecisionLog,
  type DecisionLogOptions,
  type DecisionLogStats,
  decisionSegmentName,
  listDecisionSegments,
  type WithLine,
  type WithLogSchema,
} from './decision-log.js';
/** An append-only NDJSON journal of small events with group commit and atomic compaction (the review queue's). */
export {
  createEventJournal,
  type EventJournal,
  type EventJournalOptions,
  type EventJournalRead,
  type EventJournalStats,
  readEventJournal,
} from './event-journal.js';
/** Framing of journal records: [u32 length][u32 crc32][f64 seq][body], torn and corrupt frames detected. */
export { decodeFrames, encodeFrame, type Frame } from './frame.js';
/** The append-only journal with group commit (`sync` or `interval`) over numbered segment files. */
export {
  createJournal,
  type Journal,
  type JournalBody,
  type JournalMode,
  type JournalOptions,
  type JournalStats,
} from './journal.js';
/** A committed decision as the journal keeps it, and its bytes. */
export { decodeJournalRecord, encodeJournalRecord, type JournalRecord } from './journal-record.js';
/** Reads the decision log back in write order, skipping a torn tail. */
export {
  type DecisionLogReadOptions,
  type DecisionLogReadStats,
  featuresOf,
  readDecisionLog,
  readLogOutcomes,
} from './read-decision-log.js';
/** Reads the journal after a position, skipping and counting torn or corrupt frames. */
export { type JournalReadStats, readJournal } from './read-journal.js';
/** Snapshot files: captured (copied), written to a temporary file, fsynced, renamed; read back with every checksum checked. */
export {
  type CapturedSnapshot,
  type CapturePool,
  captureSnapshot,
  leftoverSnapshotFiles,
  prepareCapture,
  readNewestSnapshot,
  readSnapshot,
  type SnapshotContent,
  type StateSection,
  writeSnapshot,
} from './snapshot.js';
/** A decision record's feature snapshot as base64 of its float64 bytes, and back. */
export { snapshotBase64, snapshotFromBase64 } from './snapshot-base64.js';
