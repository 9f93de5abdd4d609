import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir, namesIn } from './journal-files.js';

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

/** A snapshot's content copied out of the live stores, ready to be written at leisure. */
export interface CapturedSnapshot {
  readonly content: SnapshotContent;
  readonly bytes: number;
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

/** Buffers allocated and faulted in ahead of a capture, handed out by byte length. */
export interface CapturePool {
  /** A buffer of exactly `length` bytes, or undefined when none is left. */
  take(length: number): Uint8Array | undefined;
}

/**
 * Allocates a buffer of each length and writes every page of it, `bytesPerTurn` at a time with a
 * turn of the event loop in between. Copying into fresh memory is dominated by page faults (about
 * ten times the copy itself), so doing them here, spread out, keeps the capture's pause short.
 */
export async function prepareCapture(
  lengths: Iterable<number>,
  bytesPerTurn = 16 << 20,
): Promise<CapturePool> {
  const free = new Map<number, Uint8Array[]>();
  let sinceYield = 0;
  for (const n of lengths) {
    const b = new Uint8Array(n);
    b.fill(1);
    const list = free.get(n);
    if (list === undefined) free.set(n, [b]);
    else list.push(b);
    sinceYield += n;
    if (sinceYield >= bytesPerTurn) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { take: (n) => free.get(n)?.pop() };
}

/**
 * Copies every part of `content` (views over live state) so the stores may change again at once:
 * the only step that holds the event loop. Parts go into buffers of `pool` where one of their
 * length is left, else into fresh memory; sections named in `owned` are copies already and are
 * kept as they are.
 */
export function captureSnapshot(
  content: SnapshotContent,
  pool?: CapturePool,
  owned: ReadonlySet<string> = new Set(),
): CapturedSnapshot {
  let bytes = 0;
  const copy = (p: Uint8Array): Uint8Array => {
    const b = pool?.take(p.byteLength);
    if (b === undefined) return p.slice();
    b.set(p);
    return b;
  };
  const sections: Record<string, StateSection> = {};
  for (const [name, s] of Object.entries(content.sections)) {
    sections[name] = owned.has(name) ? s : { header: s.header, parts: s.parts.map(copy) };
    for (const p of s.parts) bytes += p.byteLength + pad8(p.byteLength);
  }
  return { content: { ...content, sections }, bytes };
}

/**
 * Writes a captured snapshot to a temporary file in `dir`, fsyncs it, renames it into place,
 * fsyncs the directory and deletes older snapshots; a crash at any step leaves the previous one
 * current. Layout: magic, each part padded to 8 bytes (so a reader can view it as any typed array),
 * then a JSON manifest (journal position, section headers, each part's length and crc32), its
 * length and crc32, and an end marker: a file cut short anywhere fails its checks and is passed over.
 * The writes go part by part, so checksums and I/O interleave with the event loop's other work.
 */
export async function writeSnapshot(
  dir: string,
  captured: CapturedSnapshot,
): Promise<{ file: string; bytes: number }> {
  const { content } = captured;
  const file = join(dir, snapshotName(content.journalSeq));
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    const write = async (data: Uint8Array) => {
      for (let at = 0; at < data.length; ) at += (await fh.write(data, at, data.length - at)).bytesWritten;
      bytes += data.length;
    };
    await write(MAGIC);
    const sections: Manifest['sections'][number][] = [];
    for (const [name, s] of Object.entries(content.sections)) {
      const parts: { bytes: number; crc: number }[] = [];
      for (const p of s.parts) {
        parts.push({ bytes: p.byteLength, crc: crc32(p) });
        await write(p);
        const pad = pad8(p.byteLength);
        if (pad > 0) await write(ZEROS.subarray(0, pad));
      }
      sections.push({ name, header: s.header, parts });
    }
    const manifest: Manifest = { journalSeq: content.journalSeq, createdMs: content.createdMs, sections };
    const m = Buffer.from(JSON.stringify(manifest));
    const tail = Buffer.alloc(16);
    tail.writeUInt32LE(m.length, 0);
    tail.writeUInt32LE(crc32(m), 4);
    END.copy(tail, 8);
    await write(m);
    await write(tail);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(dir);
  for (const old of listSnapshots(dir)) {
    if (old.seq < content.journalSeq) await unlink(join(dir, old.name)).catch(() => {});
  }
  return { file, bytes };
}

/** Snapshot files in `dir`, newest first. */
export function listSnapshots(dir: string): { name: string; seq: number }[] {
  const names = namesIn(dir);
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
