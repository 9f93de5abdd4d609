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
  /**
   * The finished decisions still remembered (within their time to live), oldest first, then
   * `extra` (decisions not finished here yet that a snapshot must carry), copied out as bytes.
   */
  exportState(extra?: Iterable<ReplayEntry>): ReplayState;
  /** Remembers the decisions of a state exportState gave, in order; expired ones are skipped. */
  importState(state: ReplayState): void;
  /** Remembers one finished decision made at `createdMs` (journal replay); skipped if expired. */
  restore(entry: ReplayEntry): void;
}

/**
 * The replay store's state for a snapshot: header { format, count }, parts [the time each decision
 * was made (Float64Array), the UTF-8 byte lengths of its id, fingerprint and JSON (Uint32Array, three
 * per decision), those bytes end to end].
 */
export interface ReplayState {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: readonly Uint8Array[];
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
      exportState: (extra) => encodeReplayState([...(extra ?? [])], 0),
      importState: () => {},
      restore: () => {},
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

  const restore = (e: ReplayEntry): void => {
    if (now() - e.createdMs <= ttlMs) write(e.id, e.fingerprint, e.json, e.createdMs);
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
    exportState(extra) {
      // Live records: their id still maps to them (not deleted, not recorded again since), unexpired.
      const t = now();
      const items: (LiveSlot | ReplayEntry)[] = [];
      for (let seq = Math.max(0, next - max); seq < next; seq++) {
        const slot = seq % max;
        const chunk = chunks[Math.floor(slot / CHUNK_SLOTS)];
        const i = slot % CHUNK_SLOTS;
        if (chunk === undefined || table.get(chunk.hashes[i] as number) !== seq) continue;
        if (t - (chunk.created[i] as number) > ttlMs) continue;
        const sp = chunk.lengths[i] === 0 ? spilled.get(slot) : undefined;
        items.push(sp === undefined ? { chunk, i } : { ...sp, createdMs: chunk.created[i] as number });
      }
      for (const e of extra ?? []) items.push(e);
      return encodeReplayState(items, slotBytes);
    },
    importState(state) {
      for (const e of replayStateEntries(state)) restore(e);
    },
    restore,
  };
}

/** A record to export that is in its slot's bytes. */
interface LiveSlot {
  readonly chunk: Chunk;
  readonly i: number;
}

/** Encodes records as a ReplayState, in order: slot records byte for byte (no string decoded), entries written. */
function encodeReplayState(items: readonly (LiveSlot | ReplayEntry)[], slotBytes: number): ReplayState {
  const count = items.length;
  const created = new Float64Array(count);
  const lengths = new Uint32Array(3 * count);
  let total = 0;
  for (const it of items)
    total +=
      'chunk' in it
        ? (it.chunk.lengths[it.i] as number)
        : Buffer.byteLength(it.id) + Buffer.byteLength(it.fingerprint) + Buffer.byteLength(it.json);
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  items.forEach((it, k) => {
    let d: number;
    let f: number;
    let j: number;
    if ('chunk' in it) {
      const { chunk, i } = it;
      const length = chunk.lengths[i] as number;
      d = chunk.idBytes[i] as number;
      f = chunk.fingerprintBytes[i] as number;
      j = length - d - f;
      chunk.bytes.copy(bytes, at, i * slotBytes, i * slotBytes + length);
      created[k] = chunk.created[i] as number;
    } else {
      d = bytes.write(it.id, at, 'utf8');
      f = bytes.write(it.fingerprint, at + d, 'utf8');
      j = bytes.write(it.json, at + d + f, 'utf8');
      created[k] = it.createdMs;
    }
    lengths[3 * k] = d;
    lengths[3 * k + 1] = f;
    lengths[3 * k + 2] = j;
    at += d + f + j;
  });
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return { header: { format: 'replay/1', count }, parts: [view(created), view(lengths), bytes] };
}

/** The decisions of a ReplayState, in order; throws on a state that is not one. */
export function replayStateEntries(state: ReplayState): ReplayEntry[] {
  const [c, l, t] = state.parts;
  const count = state.header.count;
  if (state.header.format !== 'replay/1' || typeof count !== 'number' || !c || !l || !t)
    throw new Error('replay state: unknown format');
  if (c.byteLength !== 8 * count || l.byteLength !== 12 * count)
    throw new Error('replay state: sizes disagree');
  const created = new Float64Array(c.slice().buffer);
  const lengths = new Uint32Array(l.slice().buffer);
  const text = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
  const out: ReplayEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const a = at + (lengths[3 * i] as number);
    const b = a + (lengths[3 * i + 1] as number);
    const e = b + (lengths[3 * i + 2] as number);
    if (e > text.length) throw new Error('replay state: text ends early');
    out.push({
      id: text.toString('utf8', at, a),
      fingerprint: text.toString('utf8', a, b),
      json: text.toString('utf8', b, e),
      createdMs: created[i] as number,
    });
    at = e;
  }
  return out;
}
