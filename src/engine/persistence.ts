import { mkdirSync, rmSync } from 'node:fs';
import {
  captureSnapshot,
  createJournal,
  encodeJournalRecord,
  type JournalMode,
  type JournalRecord,
  type JournalStats,
  leftoverSnapshotFiles,
  lockDataDir,
  prepareCapture,
  writeSnapshot,
} from '../durability/index.js';
import type { CounterStore, StoreState } from '../features/index.js';
import type { SequenceState } from '../policies/index.js';
import type { IdempotencyStore, ReplayEntry } from './idempotency-store.js';
import { dataPaths, type RecoveryReport, recoverState } from './recover.js';

/** Where persistence reports what it did; the server passes its logger. */
export interface PersistenceLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options for openPersistence. */
export interface PersistenceOptions {
  readonly dataDir: string;
  readonly mode: JournalMode;
  /** `interval` mode: the group-commit period. */
  readonly flushMs: number;
  /** Time between periodic snapshots; 0 writes one only at close. */
  readonly snapshotIntervalMs: number;
  /** Fresh stores, filled by recovery before anything else touches them. */
  readonly store: CounterStore;
  /**
   * The counter store snapshots read: a bundle change with a new features section moves the
   * counters to a new store (the engine's `store`). Defaults to `store`.
   */
  readonly currentStore?: () => CounterStore;
  readonly replay: IdempotencyStore;
  /** Partial matches of the sequences: recovered, then snapshotted with the counters. */
  readonly sequences?: SequenceState;
  /** Wall clock for snapshot times. */
  readonly now?: () => number;
  readonly log: PersistenceLog;
}

/** What one snapshot cost. */
export interface SnapshotReport {
  readonly journalSeq: number;
  readonly bytes: number;
  /** Memory for the copy allocated and faulted in, over many event-loop turns, before the capture. */
  readonly prepareMs: number;
  /** Time the event loop was held: the state exported and copied out of the stores. */
  readonly captureMs: number;
  /** From the capture until the snapshot was durable and current and covered segments deleted. */
  readonly totalMs: number;
  readonly droppedSegments: number;
}

/** Figures for metrics. */
export interface PersistenceStats {
  readonly journal: JournalStats;
  /** Frames skipped at start-up (corrupt or torn). */
  readonly skippedFrames: number;
  readonly snapshots: number;
  readonly snapshotErrors: number;
}

/** The journal and snapshot cycle of one service, opened after recovery. */
export interface Persistence {
  readonly recovery: RecoveryReport;
  /** The engine's onCommit: journals the record; in `sync` mode resolves once it is durable. */
  onCommit(record: JournalRecord): void | Promise<void>;
  /** Writes and syncs every record journaled so far. */
  flush(): Promise<void>;
  /** Writes a snapshot now (one at a time: a call during one waits for it). */
  snapshot(): Promise<SnapshotReport>;
  stats(): PersistenceStats;
  /** Flushes the journal, writes a final snapshot, closes the journal. Call once nothing decides. */
  close(): Promise<void>;
}

/**
 * Recovers the stores from `dataDir` (recover.ts), then journals every commit and snapshots
 * periodically. A snapshot captures the state and the journal position together, synchronously
 * (the event loop pauses for one memory copy of the state), then writes, syncs, renames and drops
 * the journal segments it covers in the background.
 */
export function openPersistence(options: PersistenceOptions): Persistence {
  const { dataDir, store, replay, log } = options;
  const counters = (): StoreState => {
    const current = options.currentStore?.() ?? store;
    if (current.exportState === undefined) throw new Error('this counter store keeps its state elsewhere');
    return current.exportState();
  };
  const now = options.now ?? Date.now;
  const paths = dataPaths(dataDir);
  mkdirSync(paths.snapshots, { recursive: true });
  const unlock = lockDataDir(dataDir);
  for (const f of leftoverSnapshotFiles(paths.snapshots)) rmSync(f, { force: true });
  const recovery = recoverState(dataDir, store, replay, options.sequences);
  log.info({ ...recovery, dataDir }, 'state recovered');
  if (recovery.skippedFrames > 0)
    log.error(
      { skippedFrames: recovery.skippedFrames, tornBytes: recovery.tornBytes },
      'journal: skipped torn or corrupt frames',
    );
  if (recovery.missingRecords > 0)
    log.error(
      { missingRecords: recovery.missingRecords },
      'journal: records missing between the snapshot and the tail',
    );
  if (recovery.invalidSnapshots.length > 0)
    log.error(
      { invalidSnapshots: recovery.invalidSnapshots, loaded: recovery.snapshotFile ?? null },
      'snapshot: newer snapshots failed their checks and were passed over; counters may be incomplete',
    );
  const journal = createJournal({
    dir: paths.journal,
    mode: options.mode,
    flushMs: options.flushMs,
    firstSeq: recovery.lastSeq + 1,
    onError: (err) => log.error({ err }, 'journal write failed'),
  });
  // Decisions journaled but not yet durable (sync mode) are not in the replay store yet; a snapshot
  // taken meanwhile must still carry them, or a retry after a restart would count twice.
  const unsynced = new Map<number, ReplayEntry>();
  let snapshots = 0;
  let snapshotErrors = 0;
  let running: Promise<SnapshotReport> | undefined;

  /** `serving`: decisions go on meanwhile, so fault the copy's memory in first, between their turns. */
  const snapshot = (serving = true): Promise<SnapshotReport> => {
    running ??= (async () => {
      // Memory for the copy first, faulted in a slice per event-loop turn while decisions go on;
      // the capture itself then holds the loop only for one copy into mapped memory.
      const prepared = performance.now();
      const pool = serving ? await prepareCapture(counters().parts.map((p) => p.byteLength)) : undefined;
      const started = performance.now();
      const journalSeq = journal.lastSeq;
      journal.rotate();
      const captured = captureSnapshot(
        {
          journalSeq,
          createdMs: now(),
          sections: {
            counters: counters(),
            replay: replay.exportState(unsynced.values()),
            ...(options.sequences !== undefined ? { sequences: options.sequences.exportState() } : {}),
          },
        },
        pool,
        // The replay store's and the sequences' exports are copies already.
        new Set(['replay', 'sequences']),
      );
      const captureMs = performance.now() - started;
      const { bytes } = await writeSnapshot(paths.snapshots, captured);
      const droppedSegments = await journal.dropThrough(journalSeq);
      snapshots++;
      const report = {
        journalSeq,
        bytes,
        prepareMs: started - prepared,
        captureMs,
        totalMs: performance.now() - started,
        droppedSegments,
      };

      log.info(report, 'snapshot written');
      return report;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer =
    options.snapshotIntervalMs > 0
      ? setInterval(() => {
          snapshot().catch((err: unknown) => {
            snapshotErrors++;
            log.error({ err }, 'snapshot failed; the previous snapshot and the journal stay in place');
          });
        }, options.snapshotIntervalMs)
      : undefined;
  timer?.unref();

  return {
    recovery,
    onCommit(record) {
      const durable = journal.append(() => encodeJournalRecord(record));
      if (durable === undefined || record.json === undefined || record.fingerprint === undefined)
        return durable;
      const seq = journal.lastSeq;
      unsynced.set(seq, {
        id: record.event.eventId,
        fingerprint: record.fingerprint,
        json: record.json,
        createdMs: record.createdMs,
      });
      const settled = () => {
        unsynced.delete(seq);
      };
      return durable.then(settled, (err: unknown) => {
        settled();
        throw err;
      });
    },
    flush: () => journal.flush(),
    snapshot: () => snapshot(),
    stats: () => ({
      journal: journal.stats(),
      skippedFrames: recovery.skippedFrames,
      snapshots,
      snapshotErrors,
    }),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await running?.catch(() => {});
      // The journal first: should the shutdown deadline cut the snapshot short, nothing is lost.
      await journal.flush();
      await snapshot(false);
      await journal.close();
      unlock();
    },
  };
}
