import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './journal-files.js';

/** Options for createDecisionLog. */
export interface DecisionLogOptions {
  /** Directory of the segment files (created if missing). */
  readonly dir: string;
  /** Group commit period: queued records are written and fdatasync'ed this often. */
  readonly flushMs: number;
  /** A segment past this size is closed; the next write starts a new one. */
  readonly maxSegmentBytes: number;
  /** Segments whose newest record is older than this are deleted (0 keeps everything). */
  readonly retentionMs: number;
  /** Records queued at most; beyond it new records are dropped and counted, never waited for. */
  readonly maxQueue: number;
  readonly now?: () => number;
  readonly onError?: (err: Error) => void;
}

/**
 * A record that needs a declaration line earlier in its segment (the decision records' feature
 * schema): the writer writes `logSchema` once per segment, before the first record that names it.
 */
export interface WithLogSchema {
  readonly logSchema: { readonly id: string };
}

/**
 * A record that serialises itself (once, shared with the decision sinks): the writer uses `line()`
 * instead of JSON.stringify.
 */
export interface WithLine {
  line(): string;
}

/** Counters of the log's work, for metrics and tests. */
export interface DecisionLogStats {
  readonly appended: number;
  readonly written: number;
  /** Records refused because the queue was full (or the log closed): the decision path never waits. */
  readonly dropped: number;
  readonly queued: number;
  readonly segments: number;
  readonly deletedSegments: number;
  readonly errors: number;
}

/**
 * The decision log's embedded sink: NDJSON segment files under one directory, one JSON object per
 * line, written by group commit (one write and one fdatasync per flush). Records are queued as
 * objects and serialised by the writer, so an append costs the decision a push; a full queue drops
 * (counted) instead of waiting. A crash can tear only the last line of the last segment, which the
 * reader skips and counts.
 */
export interface DecisionLog {
  /** Queues one record (a JSON-able object); false when it was dropped. */
  append(record: object): boolean;
  /** Writes and syncs everything queued so far. */
  flush(): Promise<void>;
  stats(): DecisionLogStats;
  /** Flushes and closes; later appends are dropped. */
  close(): Promise<void>;
}

const SEGMENT = /^decisions-(\d{20})\.ndjson$/;
/** Segment file name: the first record's wall time (ms, 20 digits), so names sort by time. */
export const decisionSegmentName = (ms: number): string => `decisions-${String(ms).padStart(20, '0')}.ndjson`;

/** Segment files of `dir`, oldest first. */
export function listDecisionSegments(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => SEGMENT.test(n)).sort();
}

/** Creates the log; segments from earlier runs stay and are read with the new ones. */
export function createDecisionLog(options: DecisionLogOptions): DecisionLog {
  const { dir, maxQueue, maxSegmentBytes, retentionMs } = options;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });
  let queue: object[] = [];
  let file: FileHandle | undefined;
  let fileBytes = 0;
  let appended = 0;
  let written = 0;
  let dropped = 0;
  let segments = 0;
  let deletedSegments = 0;
  let errors = 0;
  let closed = false;
  let writing: Promise<void> = Promise.resolve();
  let lastRetention = 0;
  /** Schema ids declared in the segment being written. */
  let declared = new Set<string>();

  const retain = async () => {
    if (retentionMs <= 0) return;
    const t = now();
    if (t - lastRetention < 60_000) return;
    lastRetention = t;
    const names = listDecisionSegments(dir);
    // The newest segment is the one being written: never deleted.
    for (const name of names.slice(0, -1)) {
      const path = join(dir, name);
      // A segment's newest record is no newer than its last write.
      if (t - statSync(path).mtimeMs < retentionMs) break;
      await unlink(path);
      deletedSegments++;
    }
  };
  const writeOut = async () => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    try {
      if (file === undefined || fileBytes >= maxSegmentBytes) {
        await file?.close();
        file = await open(join(dir, decisionSegmentName(now())), 'a');
        fileBytes = 0;
        segments++;
        declared = new Set();
        await fsyncDir(dir);
      }
      // Each line is encoded once into one buffer: concatenating them into one string first would
      // copy every line again when the string is flattened for encoding.
      const lines: string[] = [];
      let size = 0;
      for (const r of batch) {
        const schema = (r as Partial<WithLogSchema>).logSchema;
        if (schema !== undefined && !declared.has(schema.id)) {
          declared.add(schema.id);
          const l = JSON.stringify(schema);
          lines.push(l);
          size += Buffer.byteLength(l) + 1;
        }
        const own = (r as Partial<WithLine>).line;
        const l = typeof own === 'function' ? own.call(r) : JSON.stringify(r);
        lines.push(l);
        size += Buffer.byteLength(l) + 1;
      }
      const bytes = Buffer.allocUnsafe(size);
      let at = 0;
      for (const l of lines) {
        at += bytes.write(l, at);
        bytes[at++] = 0x0a;
      }
      await file.write(bytes);
      await file.datasync();
      fileBytes += bytes.length;
      written += batch.length;
      await retain();
    } catch (err) {
      errors++;
      options.onError?.(err as Error);
    }
  };
  const flush = (): Promise<void> => {
    writing = writing.then(writeOut);
    return writing;
  };
  const timer = setInterval(() => void flush(), options.flushMs);
  timer.unref();

  return {
    append(record) {
      if (closed || queue.length >= maxQueue) {
        dropped++;
        return false;
      }
      queue.push(record);
      appended++;
      return true;
    },
    flush,
    stats: () => ({
      appended,
      written,
      dropped,
      queued: queue.length,
      segments,
      deletedSegments,
      errors,
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await flush();
      await file?.close();
      file = undefined;
    },
  };
}
