import type { DecisionResult } from '../domain/index.js';
import { createNumberTable, hash53 } from '../domain/index.js';

/**
 * Stored outcome of an event id: its content fingerprint and either the decision in flight or,
 * once done, the decision as one JSON string.
 */
export type Entry =
  | { readonly fingerprint: string; readonly pending: Promise<DecisionResult> }
  | { readonly fingerprint: string; readonly json: string };

/** Remembers recent decisions by event id so a retry returns the stored decision. */
export interface IdempotencyStore {
  get(eventId: string): Entry | undefined;
  set(eventId: string, entry: Entry): void;
  delete(eventId: string): void;
  readonly size: number;
  /** The finished decisions still remembered (within their time to live), oldest first. */
  exportState(): ReplayEntry[];
  /** Remembers finished decisions with the time each was made, in order; expired ones are skipped. */
  importState(entries: Iterable<ReplayEntry>): void;
}

/** A finished decision as a snapshot or the journal carries it. */
export interface ReplayEntry {
  readonly id: string;
  readonly fingerprint: string;
  readonly json: string;
  /** When the decision was made (epoch ms, the store's clock): its time to live runs from here. */
  readonly createdMs: number;
}

/** Options for createIdempotencyStore. */
export interface IdempotencyStoreOptions {
  /** Bytes kept per decision off the JavaScript heap; longer records live on the heap. */
  readonly slotBytes?: number;
  /** Clock for the time to live (epoch ms). */
  readonly now?: () => number;
  /** Hash of an event id into [0, 2^53); tests pass a poor one to force collisions. */
  readonly hash?: (id: string) => number;
}

/** Slot size: a decision with a few reasons is 700–900 bytes of JSON. */
const DEFAULT_SLOT_BYTES = 1024;
/** Slots per chunk; chunks are allocated as the ring first reaches them. */
const CHUNK_SLOTS = 8192;

/** Records of CHUNK_SLOTS consecutive slots. */
interface Chunk {
  /** Not zero-filled: pages are committed as slots are first written. */
  readonly bytes: Buffer;
  /** Sequence number of each slot's record, -1 before the first. */
  readonly seqs: Float64Array;
  /** Hash of each slot's event id, to find its entry in the table when the slot is reused. */
  readonly hashes: Float64Array;
  readonly created: Float64Array;
  readonly idBytes: Uint16Array;
  readonly fingerprintBytes: Uint16Array;
  /** Total bytes of each slot's record; 0 when the record is on the heap (`spilled`). */
  readonly lengths: Uint32Array;
}

/** A finished record too long for its slot, kept on the heap. */
interface Spilled {
  readonly id: string;
  readonly fingerprint: string;
  readonly json: string;
}

/**
 * Creates a bounded store of the last `max` finished decisions, each kept for at most `ttlMs`;
 * `max` 0 disables replay. Decisions still in flight are kept apart (on the heap) until they finish.
 *
 * Finished decisions live outside the JavaScript heap. Each is written as bytes (event id,
 * fingerprint, record) into a ring of fixed-size slots, in buffers allocated a chunk at a time:
 * the n-th decision takes slot n mod max and evicts whatever was there, so the oldest goes first.
 * The event id's 53-bit hash finds its slot through a NumberTable, and a lookup then compares the
 * id stored in the slot, so a hash collision can never replay another event's decision; two live
 * ids with the same hash (about max²/2^54 per ring: 1 in 2 million at 100,000) only make the
 * older one be decided afresh if it is retried. The garbage collector sees no object per decision:
 * no id string, no record, no map entry. A record longer than a slot (many long reasons) stays on
 * the heap.
 */
export function createIdempotencyStore(
  max: number,
  ttlMs: number,
  options: IdempotencyStoreOptions = {},
): IdempotencyStore {
  if (max === 0)
    return {
      get: () => undefined,
      set: () => {},
      delete: () => {},
      size: 0,
      exportState: () => [],
      importState: () => {},
    };
  const slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
  const now = options.now ?? Date.now;
  const hash = options.hash ?? hash53;
  const chunks: Chunk[] = [];
  const table = createNumberTable(max); // hash of event id -> sequence number of its record
  const inFlight = new Map<string, Entry>();
  const spilled = new Map<number, Spilled>();
  let next = 0;

  const chunkOf = (slot: number): Chunk => {
    const c = Math.floor(slot / CHUNK_SLOTS);
    let chunk = chunks[c];
    if (chunk === undefined) {
      const n = Math.min(CHUNK_SLOTS, max - c * CHUNK_SLOTS);
      chunk = {
        bytes: Buffer.allocUnsafeSlow(n * slotBytes),
        seqs: new Float64Array(n).fill(-1),
        hashes: new Float64Array(n),
        created: new Float64Array(n),
        idBytes: new Uint16Array(n),
        fingerprintBytes: new Uint16Array(n),
        lengths: new Uint32Array(n),
      };
      chunks[c] = chunk;
    }
    return chunk;
  };

  const write = (id: string, fingerprint: string, json: string, createdMs = now()): void => {
    const seq = next++;
    const slot = seq % max;
    const chunk = chunkOf(slot);
    const i = slot % CHUNK_SLOTS;
    const oldSeq = chunk.seqs[i] as number;
    // The slot's previous record leaves, unless its id has been recorded again since (newer slot).
    if (oldSeq >= 0 && table.get(chunk.hashes[i] as number) === oldSeq)
      table.delete(chunk.hashes[i] as number);
    spilled.delete(slot);
    const h = hash(id);
    chunk.seqs[i] = seq;
    chunk.hashes[i] = h;
    chunk.created[i] = createdMs;
    table.set(h, seq);
    // UTF-8 takes at least a byte per UTF-16 unit and at most three: only measure when in doubt.
    const size = id.length + fingerprint.length + json.length;
    const fits =
      size * 3 <= slotBytes ||
      (size <= slotBytes &&
        Buffer.byteLength(id) + Buffer.byteLength(fingerprint) + Buffer.byteLength(json) <= slotBytes);
    if (!fits) {
      chunk.lengths[i] = 0;
      spilled.set(slot, { id, fingerprint, json });
      return;
    }
    const base = i * slotBytes;
    const d = chunk.bytes.write(id, base, 'utf8');
    const f = chunk.bytes.write(fingerprint, base + d, 'utf8');
    const j = chunk.bytes.write(json, base + d + f, 'utf8');
    chunk.idBytes[i] = d;
    chunk.fingerprintBytes[i] = f;
    chunk.lengths[i] = d + f + j;
  };

  /** The live record of `id`: its chunk, index and spilled copy; undefined when there is none. */
  const find = (id: string): { chunk: Chunk; i: number; slot: number; h: number } | undefined => {
    const h = hash(id);
    const seq = table.get(h);
    if (seq < 0) return undefined;
    const slot = seq % max;
    const chunk = chunkOf(slot);
    const i = slot % CHUNK_SLOTS;
    if (chunk.lengths[i] === 0) {
      if (spilled.get(slot)?.id !== id) return undefined;
    } else {
      const base = i * slotBytes;
      if (chunk.bytes.toString('utf8', base, base + (chunk.idBytes[i] as number)) !== id) return undefined;
    }
    return { chunk, i, slot, h };
  };

  const read = (id: string): Entry | undefined => {
    const at = find(id);
    if (at === undefined) return undefined;
    const { chunk, i, slot, h } = at;
    if (now() - (chunk.created[i] as number) > ttlMs) {
      table.delete(h);
      return undefined;
    }
    const length = chunk.lengths[i] as number;
    if (length === 0) {
      const s = spilled.get(slot) as Spilled;
      return { fingerprint: s.fingerprint, json: s.json };
    }
    const base = i * slotBytes + (chunk.idBytes[i] as number);
    const f = chunk.fingerprintBytes[i] as number;
    const end = i * slotBytes + length;
    return {
      fingerprint: chunk.bytes.toString('utf8', base, base + f),
      json: chunk.bytes.toString('utf8', base + f, end),
    };
  };

  return {
    get: (id) => inFlight.get(id) ?? read(id),
    set: (id, e) => {
      if ('pending' in e) {
        inFlight.set(id, e);
        return;
      }
      inFlight.delete(id);
      write(id, e.fingerprint, e.json);
    },
    delete: (id) => {
      inFlight.delete(id);
      const at = find(id);
      if (at !== undefined) table.delete(at.h);
    },
    get size() {
      return table.size + inFlight.size;
    },
    exportState() {
      const out: ReplayEntry[] = [];
      const t = now();
      for (let seq = Math.max(0, next - max); seq < next; seq++) {
        const slot = seq % max;
        const chunk = chunks[Math.floor(slot / CHUNK_SLOTS)];
        const i = slot % CHUNK_SLOTS;
        // Live: its id still maps to this record (not deleted, not recorded again since), unexpired.
        if (chunk === undefined || table.get(chunk.hashes[i] as number) !== seq) continue;
        const createdMs = chunk.created[i] as number;
        if (t - createdMs > ttlMs) continue;
        const length = chunk.lengths[i] as number;
        if (length === 0) {
          const sp = spilled.get(slot) as Spilled;
          out.push({ id: sp.id, fingerprint: sp.fingerprint, json: sp.json, createdMs });
          continue;
        }
        const base = i * slotBytes;
        const d = base + (chunk.idBytes[i] as number);
        const f = d + (chunk.fingerprintBytes[i] as number);
        out.push({
          id: chunk.bytes.toString('utf8', base, d),
          fingerprint: chunk.bytes.toString('utf8', d, f),
          json: chunk.bytes.toString('utf8', f, base + length),
          createdMs,
        });
      }
      return out;
    },
    importState(entries) {
      const t = now();
      for (const e of entries) if (t - e.createdMs <= ttlMs) write(e.id, e.fingerprint, e.json, e.createdMs);
    },
  };
}
