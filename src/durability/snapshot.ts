import { closeSync, fstatSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './journal-files.js';

/**
 * One store's state as the snapshot keeps it, opaquely: a JSON-able header describing the layout
 * and binary parts (views over the store's typed arrays). Structurally the features' StoreState.
 */
export interface StateSection {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly Uint8Array[];
}

/** What a snapshot holds: named sections and the journal position they include. */
export interface SnapshotContent {
  /** Every journal record numbered at most this is in the sections. */
  readonly journalSeq: number;
  readonly createdMs: number;
  readonly sections: Readonly<Record<string, StateSection>>;
}

/** A snapshot written to its temporary file but not yet made durable and current. */
export interface PendingSnapshot {
  readonly file: string;
  readonly bytes: number;
  /** fsync the file, rename it into place, fsync the directory, delete older snapshots. */
  complete(): Promise<void>;
}

interface Manifest {
  readonly journalSeq: number;
  readonly createdMs: number;
  readonly sections: readonly {
    readonly name: string;
    readonly header: Readonly<Record<string, unknown>>;
    readonly parts: readonly { readonly bytes: number; readonly crc: number }[];
  }[];
}

const MAGIC = Buffer.from('RISKSNP1');
const END = Buffer.from('RISKEND1');
const ZEROS = new Uint8Array(8);
const SNAPSHOT_RE = /^snapshot-(\d{20})\.snap$/;

/** File name of the snapshot that includes the journal through `seq`. */
function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(20, '0')}.snap`;
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

/**
 * Writes a snapshot to a temporary file in `dir`, synchronously: the parts are views over live
 * state, so nothing may change them until they are written. Layout: magic, each part padded to 8
 * bytes (so a reader can view it as any typed array), then a JSON manifest (journal position,
 * section headers, each part's length and crc32), its length and crc32, and an end marker. A file
 * cut short anywhere lacks the marker or fails a checksum, and readers pass it over.
 */
export function writeSnapshotSync(dir: string, content: SnapshotContent): PendingSnapshot {
  const file = join(dir, snapshotName(content.journalSeq));
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    writeAll(fd, MAGIC);
    bytes += MAGIC.length;
    const sections: Manifest['sections'][number][] = [];
    for (const [name, s] of Object.entries(content.sections)) {
      const parts = s.parts.map((p) => {
        writeAll(fd, p);
        const pad = pad8(p.byteLength);
        if (pad > 0) writeAll(fd, ZEROS.subarray(0, pad));
        bytes += p.byteLength + pad;
        return { bytes: p.byteLength, crc: crc32(p) };
      });
      sections.push({ name, header: s.header, parts });
    }
    const manifest: Manifest = { journalSeq: content.journalSeq, createdMs: content.createdMs, sections };
    const m = Buffer.from(JSON.stringify(manifest));
    const tail = Buffer.alloc(16);
    tail.writeUInt32LE(m.length, 0);
    tail.writeUInt32LE(crc32(m), 4);
    END.copy(tail, 8);
    writeAll(fd, m);
    writeAll(fd, tail);
    bytes += m.length + tail.length;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  closeSync(fd);
  return {
    file,
    bytes,
    async complete() {
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      await fsyncDir(dir);
      for (const old of listSnapshots(dir)) {
        if (old.seq < content.journalSeq) await unlink(join(dir, old.name)).catch(() => {});
      }
    },
  };
}

/** Snapshot files in `dir`, newest first. */
export function listSnapshots(dir: string): { name: string; seq: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: { name: string; seq: number }[] = [];
  for (const name of names) {
    const m = SNAPSHOT_RE.exec(name);
    if (m) out.push({ name, seq: Number(m[1]) });
  }
  return out.sort((a, b) => b.seq - a.seq);
}

/** Temporary files of snapshots a crash interrupted; safe to delete before the next is written. */
export function leftoverSnapshotFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.startsWith('snapshot-') && n.endsWith('.snap.tmp'))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function readExactly(fd: number, into: Uint8Array, position: number): void {
  for (let at = 0; at < into.length; ) {
    const n = readSync(fd, into, at, Math.min(into.length - at, 1 << 30), position + at);
    if (n === 0) throw new Error('snapshot ends early');
    at += n;
  }
}

/**
 * Reads one snapshot file; throws when it is not a whole, intact snapshot. Each part is read into
 * its own 8-byte-aligned buffer, so a store may view it as a typed array without copying.
 */
export function readSnapshot(file: string): SnapshotContent {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(MAGIC.length);
    if (size < MAGIC.length + 16) throw new Error('snapshot too short');
    readExactly(fd, head, 0);
    if (!head.equals(MAGIC)) throw new Error('not a snapshot');
    const tail = Buffer.alloc(16);
    readExactly(fd, tail, size - 16);
    if (!tail.subarray(8).equals(END)) throw new Error('snapshot has no end marker');
    const mLen = tail.readUInt32LE(0);
    if (mLen > size - 16 - MAGIC.length) throw new Error('snapshot manifest length out of range');
    const m = Buffer.alloc(mLen);
    readExactly(fd, m, size - 16 - mLen);
    if (crc32(m) !== tail.readUInt32LE(4)) throw new Error('snapshot manifest checksum');
    const manifest = JSON.parse(m.toString('utf8')) as Manifest;
    let at = MAGIC.length;
    const sections: Record<string, StateSection> = {};
    for (const s of manifest.sections) {
      const parts = s.parts.map((p) => {
        if (at + p.bytes > size - 16 - mLen) throw new Error('snapshot part out of range');
        const part = new Uint8Array(p.bytes);
        readExactly(fd, part, at);
        if (crc32(part) !== p.crc) throw new Error(`snapshot section ${s.name}: part checksum`);
        at += p.bytes + pad8(p.bytes);
        return part;
      });
      sections[s.name] = { header: s.header, parts };
    }
    return { journalSeq: manifest.journalSeq, createdMs: manifest.createdMs, sections };
  } finally {
    closeSync(fd);
  }
}

/** The newest intact snapshot in `dir` and the names of newer ones that were not, or none. */
export function readNewestSnapshot(dir: string): {
  readonly snapshot?: SnapshotContent;
  readonly file?: string;
  readonly invalid: readonly { readonly file: string; readonly reason: string }[];
} {
  const invalid: { file: string; reason: string }[] = [];
  for (const { name } of listSnapshots(dir)) {
    const file = join(dir, name);
    try {
      return { snapshot: readSnapshot(file), file, invalid };
    } catch (err) {
      invalid.push({ file, reason: (err as Error).message });
    }
  }
  return { invalid };
}
